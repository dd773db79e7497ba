"""The filters every metric accepts, and their translation to SQL over ``tickets_ticket t``.

A period is the tickets whose first message falls in ``[start, end)``; the previous period is
the same length immediately before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

VIP_ANY = "any"
VIP_NONE = "none"


@dataclass(frozen=True)
class MetricFilters:
    """Validated filters (built by ``analytics.forms.MetricFiltersForm`` or directly in tests)."""

    start: date
    end: date  # inclusive
    channel: str = ""
    issue_type: str = ""
    team: int | None = None
    tier: int | None = None
    # "" = everyone, "any" = any VIP level, "none" = non-VIP, else one level ("gold").
    vip: str = ""
    grain: str = "day"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def last_days(cls, days: int = 30, **kwargs: Any) -> MetricFilters:
        today = timezone.localdate()
        return cls(start=today - timedelta(days=days - 1), end=today, **kwargs)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """Exclusive end: midnight after the last day."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def previous(self) -> MetricFilters:
        length = timedelta(days=self.days)
        return MetricFilters(
            start=self.start - length,
            end=self.end - length,
            channel=self.channel,
            issue_type=self.issue_type,
            team=self.team,
            tier=self.tier,
            vip=self.vip,
            grain=self.grain,
        )

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (links to drill-downs, CSV, the API)."""
        values = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "channel": self.channel,
            "issue_type": self.issue_type,
            "team": str(self.team or ""),
            "tier": str(self.tier or ""),
            "vip": self.vip,
            "grain": self.grain,
        }
        return {key: value for key, value in values.items() if value}

    def ticket_conditions(self) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions over ``tickets_ticket t`` (and ``tickets_customer c`` for VIP), and params.

        The date range is not included: callers choose which period(s) to select.
        """
        conditions: list[str] = []
        params: dict[str, Any] = {}
        if self.channel:
            conditions.append("t.channel = %(f_channel)s")
            params["f_channel"] = self.channel
        if self.issue_type:
            conditions.append("t.issue_type = %(f_issue_type)s")
            params["f_issue_type"] = self.issue_type
        if self.team:
            conditions.append("t.team_id = %(f_team)s")
            params["f_team"] = self.team
        if self.tier:
            conditions.append("t.tier_id = %(f_tier)s")
            params["f_tier"] = self.tier
        if self.vip == VIP_ANY:
            conditions.append("c.vip_level <> ''")
        elif self.vip == VIP_NONE:
            conditions.append("c.vip_level = ''")
        elif self.vip:
            conditions.append("c.vip_level = %(f_vip)s")
            params["f_vip"] = self.vip
        return conditions, params

    @property
    def needs_customer(self) -> bool:
        return bool(self.vip)
