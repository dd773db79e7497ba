"""Business-hours calendars for the business-hours variants of the duration metrics.

The SQL function ``analytics_business_seconds`` (created by analytics' migration 0002) counts
the seconds between two instants that fall inside a weekly calendar in one time zone. Each
team may have its own calendar (routing's team business hours); tickets without a team, or
teams without hours, use ``DEFAULT_CALENDAR``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.apps import apps
from django.conf import settings


@dataclass(frozen=True)
class BusinessCalendar:
    """Open ``opens``–``closes`` local time on ``weekdays`` (ISO: 1 = Monday ... 7 = Sunday)."""

    time_zone: str
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    opens: time = time(9)
    closes: time = time(17)

    @property
    def cumulative_days(self) -> list[int]:
        """8 entries: [d-1] = working days among ISO weekdays before d; [7] = working days a week
        (the ``cum`` argument of the SQL business clock, 1-based there)."""
        return [sum(1 for day in self.weekdays if day < d) for d in range(1, 9)]


def default_calendar() -> BusinessCalendar:
    return BusinessCalendar(time_zone=settings.TIME_ZONE)


def team_calendars() -> Mapping[int, BusinessCalendar]:
    """Each team's calendar from routing's business hours, when routing provides them.

    Reads ``routing.BusinessHours`` rows (team, weekday 0=Monday, opens, closes, time_zone) if
    that model exists; a team spanning several opening windows a day keeps the widest one.
    """
    try:
        model = apps.get_model("routing", "BusinessHours")
    except LookupError:
        return {}
    calendars: dict[int, dict[str, Any]] = {}
    for row in model.objects.values():
        team_id = row.get("team_id")
        if team_id is None or row.get("opens") is None or row.get("closes") is None:
            continue
        entry = calendars.setdefault(
            team_id,
            {
                "tz": row.get("time_zone") or settings.TIME_ZONE,
                "days": set(),
                "opens": row["opens"],
                "closes": row["closes"],
            },
        )
        entry["days"].add(int(row.get("weekday", 0)) + 1)
        entry["opens"] = min(entry["opens"], row["opens"])
        entry["closes"] = max(entry["closes"], row["closes"])
    return {
        team_id: BusinessCalendar(
            time_zone=entry["tz"],
            weekdays=tuple(sorted(entry["days"])),
            opens=entry["opens"],
            closes=entry["closes"],
        )
        for team_id, entry in calendars.items()
    }


def calendar_cte(calendars: Mapping[int, BusinessCalendar] | None = None) -> tuple[str, dict[str, Any]]:
    """A ``cal(team_id, tz, cum, opens, closes)`` VALUES list: one row per team with hours, plus
    the default row (team_id NULL). Join it with ``COALESCE`` on the ticket's team."""
    calendars = team_calendars() if calendars is None else calendars
    rows = [(None, default_calendar()), *list(calendars.items())]
    values = []
    params: dict[str, Any] = {}
    for index, (team_id, calendar) in enumerate(rows):
        values.append(
            f"(%(cal_team_{index})s::bigint, %(cal_tz_{index})s::text, %(cal_days_{index})s::int[],"
            f" %(cal_opens_{index})s::time, %(cal_closes_{index})s::time)"
        )
        params.update(
            {
                f"cal_team_{index}": team_id,
                f"cal_tz_{index}": calendar.time_zone,
                f"cal_days_{index}": calendar.cumulative_days,
                f"cal_opens_{index}": calendar.opens,
                f"cal_closes_{index}": calendar.closes,
            }
        )
    return "cal(team_id, tz, cum, opens, closes) AS (VALUES " + ", ".join(values) + ")", params
