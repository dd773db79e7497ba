"""Business-hours calendars for the business-hours variants of the duration metrics.

There is one business clock: routing's (``routing.sla.Calendar``: weekly hours and holidays, read by
``routing.sla_clocks.team_calendars``). A ticket's business time runs in its team's calendar; a team
without a calendar, an "always open" calendar, or a ticket without a team runs 24/7, so its
business time equals its calendar time. This module only translates a ``Calendar`` into the arrays
the SQL clock reads (``analytics_business_clock``, migrations ``analytics.0006`` and
``analytics.0010``), so SLA due times and business-time metrics skip the same holidays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, time
from typing import Any

from routing.sla import Calendar
from routing.sla_clocks import team_calendars

__all__ = ["Calendar", "calendar_cte", "calendar_fingerprint", "sql_arrays", "team_calendars"]

WINDOWS_PER_DAY = 2  # opening windows a day the SQL clock takes (a split day)
DAY = 86400
EPOCH = date(2001, 1, 1)  # Monday: the SQL clock's local seconds count from its midnight
# First entry of the holiday arrays: before any instant, so the SQL ``width_bucket`` is never 0.
BEFORE_ALL = -1e15


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def sql_arrays(
    calendar: Calendar,
) -> tuple[list[int], list[int], list[int], list[int], list[int], list[float], list[float]]:
    """(cum, a1, b1, a2, b2, hd, hc), the SQL clock's view of ``calendar``.

    ``cum``: business seconds before each weekday, then the week's total (8 entries);
    ``a1``/``b1`` and ``a2``/``b2``: each weekday's first and second opening window in seconds
    from midnight (zero-length when unused). A day's third and later windows are dropped
    (routing's calendars use at most a split day). ``hd``: local seconds of each holiday's
    midnight, ascending, after ``BEFORE_ALL``; ``hc``: business seconds of the holidays up to
    and including each entry (the weekly hours those days would have had)."""
    a1, b1, a2, b2, cum = [], [], [], [], [0]
    for day in range(7):
        windows = [(_seconds(opens), _seconds(closes)) for opens, closes in calendar.week.get(day, ())]
        first, second = [*windows[:WINDOWS_PER_DAY], (0, 0), (0, 0)][:2]
        a1.append(first[0])
        b1.append(first[1])
        a2.append(second[0])
        b2.append(second[1])
        cum.append(cum[-1] + (first[1] - first[0]) + (second[1] - second[0]))
    hd, hc = [BEFORE_ALL], [0.0]
    for holiday in sorted(calendar.holidays):
        weekday = holiday.weekday()
        hd.append(float((holiday - EPOCH).days * DAY))
        hc.append(hc[-1] + cum[weekday + 1] - cum[weekday])
    return cum, a1, b1, a2, b2, hd, hc


ARRAYS = ("cum", "a1", "b1", "a2", "b2", "hd", "hc")
ARRAY_TYPES = ("int[]",) * 5 + ("double precision[]",) * 2
COLUMNS = "cal(team_id, tz, " + ", ".join(ARRAYS) + ")"


def calendar_cte(calendars: Mapping[int, Calendar] | None = None) -> tuple[str, dict[str, Any]]:
    """A ``cal(team_id, tz, cum, a1, b1, a2, b2, hd, hc)`` VALUES list, one row per team with
    business hours (an empty row set when none has). Left-join it on the ticket's team; no row
    means 24/7."""
    calendars = team_calendars() if calendars is None else calendars
    values = []
    params: dict[str, Any] = {}
    for index, (team_id, calendar) in enumerate(calendars.items()):
        arrays = ", ".join(
            f"%(cal_{name}_{index})s::{kind}" for name, kind in zip(ARRAYS, ARRAY_TYPES, strict=True)
        )
        values.append(f"(%(cal_team_{index})s::bigint, %(cal_tz_{index})s::text, {arrays})")
        params.update({f"cal_team_{index}": team_id, f"cal_tz_{index}": calendar.tz})
        params.update(
            {f"cal_{name}_{index}": value for name, value in zip(ARRAYS, sql_arrays(calendar), strict=True)}
        )
    if not values:
        nulls = ", ".join(f"NULL::{kind}" for kind in ARRAY_TYPES)
        return f"{COLUMNS} AS (SELECT NULL::bigint, NULL::text, {nulls} WHERE false)", params
    return f"{COLUMNS} AS (VALUES " + ", ".join(values) + ")", params


def calendar_fingerprint(calendars: Mapping[int, Calendar]) -> str:
    """A short digest of what the business clock reads (hours and holidays), to tell when folded
    business seconds were computed with other calendars."""
    described = sorted((team_id, cal.tz, sql_arrays(cal)) for team_id, cal in calendars.items())
    return hashlib.sha256(repr(described).encode()).hexdigest()[:32]
