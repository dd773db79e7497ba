"""Business-hours arithmetic: pure functions over a ``Calendar`` (no database).

A calendar is a time zone, weekly open intervals (a lunch break is simply a gap between two
intervals of a day) and holiday dates. ``add_business_minutes`` answers "when is a target of N
business minutes due if the clock starts at t"; ``business_minutes_between`` answers "how much
business time elapsed". Both work in the calendar's local time, so DST changes are handled by
``zoneinfo``; inputs and outputs are aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A year of closed days is the longest search: a calendar open less than that is misconfigured.
_MAX_DAYS = 370


@dataclass(frozen=True)
class Calendar:
    tz: str = "UTC"
    # weekday (Monday = 0) -> sorted, non-overlapping (opens, closes) intervals
    week: Mapping[int, Sequence[tuple[time, time]]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    @classmethod
    def build(
        cls,
        *,
        tz: str = "UTC",
        intervals: Iterable[tuple[int, time, time]] = (),
        holidays: Iterable[date] = (),
        always_open: bool = False,
    ) -> Calendar:
        week: dict[int, list[tuple[time, time]]] = {}
        for weekday, opens, closes in intervals:
            week.setdefault(weekday, []).append((opens, closes))
        return cls(
            tz=tz,
            week={day: tuple(sorted(spans)) for day, spans in week.items()},
            holidays=frozenset(holidays),
            always_open=always_open or not week,
        )

    def open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open periods of local ``day`` as aware datetimes (empty on holidays and closed days)."""
        if day in self.holidays:
            return []
        zone = ZoneInfo(self.tz)
        return [
            (datetime.combine(day, opens, zone), datetime.combine(day, closes, zone))
            for opens, closes in self.week.get(day.weekday(), ())
        ]


ALWAYS_OPEN = Calendar(always_open=True)


def add_business_minutes(start: datetime, minutes: float, calendar: Calendar) -> datetime:
    """The moment ``minutes`` of business time after ``start`` (``start`` itself if minutes <= 0)."""
    if minutes <= 0:
        return start
    if calendar.always_open:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    local = start.astimezone(ZoneInfo(calendar.tz))
    day = local.date()
    for _ in range(_MAX_DAYS):
        for opens, closes in calendar.open_spans(day):
            begin = max(opens, local)
            if begin >= closes:
                continue
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
        day += timedelta(days=1)
    raise ValueError("The calendar has no open hours within a year; check its weekly hours and holidays.")


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> float:
    """Business minutes in [start, end); 0 when end <= start."""
    if end <= start:
        return 0.0
    if calendar.always_open:
        return (end - start).total_seconds() / 60
    zone = ZoneInfo(calendar.tz)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    total = timedelta()
    while day <= last:
        for opens, closes in calendar.open_spans(day):
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 60


def warning_point(start: datetime, minutes: float, share: float, calendar: Calendar) -> datetime:
    """When ``share`` of a ``minutes`` target has elapsed, in business time."""
    return add_business_minutes(start, minutes * share, calendar)
