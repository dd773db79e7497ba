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

SLOTS = 14  # opening intervals a week the SQL clock takes (two a day)
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
    def slots(self) -> tuple[list[int], list[int]]:
        """(starts, ends) in seconds from Monday 00:00, padded to ``SLOTS`` zero-length slots.

        Beyond ``SLOTS`` intervals a week, the latest ones of each day are dropped."""
        ordered = sorted(self.intervals)[:SLOTS]
        starts = [day * DAY + _seconds(opens) for day, opens, _ in ordered]
        ends = [day * DAY + _seconds(closes) for day, _, closes in ordered]
        padding = SLOTS - len(starts)
        return starts + [0] * padding, ends + [0] * padding


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


def calendar_cte(calendars: Mapping[int, BusinessCalendar] | None = None) -> tuple[str, dict[str, Any]]:
    """A ``cal(team_id, tz, starts, ends)`` VALUES list, one row per team with business hours
    (an empty row set when none has). Left-join it on the ticket's team; no row means 24/7."""
    calendars = team_calendars() if calendars is None else calendars
    values = []
    params: dict[str, Any] = {}
    for index, (team_id, calendar) in enumerate(calendars.items()):
        starts, ends = calendar.slots
        values.append(
            f"(%(cal_team_{index})s::bigint, %(cal_tz_{index})s::text,"
            f" %(cal_starts_{index})s::int[], %(cal_ends_{index})s::int[])"
        )
        params.update(
            {
                f"cal_team_{index}": team_id,
                f"cal_tz_{index}": calendar.time_zone,
                f"cal_starts_{index}": starts,
                f"cal_ends_{index}": ends,
            }
        )
    if not values:
        return (
            "cal(team_id, tz, starts, ends) AS (SELECT NULL::bigint, NULL::text, NULL::int[], NULL::int[] WHERE false)",
            params,
        )
    return "cal(team_id, tz, starts, ends) AS (VALUES " + ", ".join(values) + ")", params
