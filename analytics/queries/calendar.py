"""Business-hours calendars for the business-hours variants of the duration metrics.

They follow routing's SLA clocks: a ticket's business time runs in its team's calendar
(``routing.BusinessCalendar`` with its weekly ``BusinessInterval`` rows); a team without a
calendar, an "always open" calendar, or a ticket without a team runs 24/7, so its business
time equals its calendar time. The SQL function ``analytics_business_seconds`` (migration
``analytics.0004``) does the maths in PostgreSQL. Holidays are not subtracted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from routing.models import BusinessInterval

WINDOWS_PER_DAY = 2  # opening windows a day the SQL clock takes (a split day)
DAY = 86400


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening intervals ``(weekday, opens, closes)`` (weekday 0 = Monday), local time."""

    time_zone: str
    intervals: tuple[tuple[int, time, time], ...]

    @classmethod
    def weekly(cls, time_zone: str, weekdays: Iterable[int], opens: time, closes: time) -> BusinessCalendar:
        return cls(time_zone, tuple((day, opens, closes) for day in weekdays))

    @property
    def arrays(self) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
        """(cum, a1, b1, a2, b2), the SQL clock's view of the week.

        ``cum``: business seconds before each weekday, then the week's total (8 entries);
        ``a1``/``b1`` and ``a2``/``b2``: each weekday's first and second opening window in
        seconds from midnight (zero-length when unused). A day's third and later windows are
        dropped (routing's calendars use at most a split day)."""
        windows: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
        for day, opens, closes in sorted(self.intervals):
            if len(windows[day]) < WINDOWS_PER_DAY:
                windows[day].append((_seconds(opens), _seconds(closes)))
        a1, b1, a2, b2, cum = [], [], [], [], [0]
        for day in range(7):
            first, second = [*windows[day], (0, 0), (0, 0)][:2]
            a1.append(first[0])
            b1.append(first[1])
            a2.append(second[0])
            b2.append(second[1])
            cum.append(cum[-1] + sum(end - start for start, end in windows[day]))
        return cum, a1, b1, a2, b2


def team_calendars() -> Mapping[int, BusinessCalendar]:
    """The calendar of every team that has one with opening hours (one query)."""
    rows = (
        BusinessInterval.objects.filter(calendar__teams__isnull=False, calendar__always_open=False)
        .values_list("calendar__teams__id", "calendar__timezone", "weekday", "opens", "closes")
        .order_by("calendar__teams__id", "weekday", "opens")
    )
    found: dict[int, tuple[str, list[tuple[int, time, time]]]] = {}
    for team_id, tz, weekday, opens, closes in rows:
        found.setdefault(team_id, (tz, []))[1].append((weekday, opens, closes))
    return {team_id: BusinessCalendar(tz, tuple(intervals)) for team_id, (tz, intervals) in found.items()}


ARRAYS = ("cum", "a1", "b1", "a2", "b2")
COLUMNS = "cal(team_id, tz, cum, a1, b1, a2, b2)"


def calendar_cte(calendars: Mapping[int, BusinessCalendar] | None = None) -> tuple[str, dict[str, Any]]:
    """A ``cal(team_id, tz, cum, a1, b1, a2, b2)`` VALUES list, one row per team with business hours
    (an empty row set when none has). Left-join it on the ticket's team; no row means 24/7."""
    calendars = team_calendars() if calendars is None else calendars
    values = []
    params: dict[str, Any] = {}
    for index, (team_id, calendar) in enumerate(calendars.items()):
        arrays = ", ".join(f"%(cal_{name}_{index})s::int[]" for name in ARRAYS)
        values.append(f"(%(cal_team_{index})s::bigint, %(cal_tz_{index})s::text, {arrays})")
        params.update({f"cal_team_{index}": team_id, f"cal_tz_{index}": calendar.time_zone})
        params.update(
            {f"cal_{name}_{index}": value for name, value in zip(ARRAYS, calendar.arrays, strict=True)}
        )
    if not values:
        nulls = ", ".join("NULL::int[]" for _ in ARRAYS)
        return f"{COLUMNS} AS (SELECT NULL::bigint, NULL::text, {nulls} WHERE false)", params
    return f"{COLUMNS} AS (VALUES " + ", ".join(values) + ")", params


def calendar_fingerprint(calendars: Mapping[int, BusinessCalendar]) -> str:
    """A short digest of what the business clock reads, to tell when folded business seconds
    were computed with other calendars."""
    import hashlib

    described = sorted((team_id, cal.time_zone, cal.arrays) for team_id, cal in calendars.items())
    return hashlib.sha256(repr(described).encode()).hexdigest()[:32]
