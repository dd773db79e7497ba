"""The workflow-visibility dashboard: where work is stuck right now.

Each function is one SQL statement over indexed columns (open tickets are a small, partially
indexed slice of the table; stage times read the ``StageDuration`` summary plus the events the
refresh job has not folded in yet), so the page answers in well under a second at a million
tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from routing.models import AgentProfile, Team, Tier
from tickets.models import Ticket

OPEN = ("open", "pending")
STAGE_WINDOW = timedelta(days=7)
SLA_RISK_WINDOW = timedelta(hours=1)


def stage_watermark() -> int:
    """The last STAGE_CHANGED event folded into ``StageDuration`` (0 before the first refresh).

    Read on its own, so that the statements using it are planned with the actual value (as a
    sub-select the planner guesses a third of the event log and scans all of it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(event_id), 0) FROM analytics_stageduration")
        return cursor.fetchone()[0]


def stage_visits_sql() -> str:
    """The stage visits ended by STAGE_CHANGED events with id above ``%(after)s``.

    The stage left is ``data->>'from'``, entered at the ticket's previous stage change (or its
    first message for the first one).
    """
    return _STAGE_VISITS_SQL


_STAGE_VISITS_SQL = """
    SELECT x.ticket_id, x.stage, x.entered_at, x.at AS left_at,
           GREATEST(0, extract(epoch FROM x.at - x.entered_at)) AS seconds, x.id AS event_id
    FROM (
        SELECT e.id, e.ticket_id, e.at, e.data->>'from' AS stage,
               COALESCE(lag(e.at) OVER (PARTITION BY e.ticket_id ORDER BY e.at, e.id),
                        t.first_message_at) AS entered_at
        FROM tickets_ticketevent e
        JOIN tickets_ticket t ON t.id = e.ticket_id
        WHERE e.kind = 'stage_changed'
          AND e.ticket_id IN (SELECT ticket_id FROM tickets_ticketevent
                              WHERE kind = 'stage_changed' AND id > %(after)s)
    ) x
    WHERE x.id > %(after)s AND x.stage IS NOT NULL
"""


@dataclass(frozen=True)
class OpenGroup:
    label: str
    count: int
    oldest_id: int | None
    oldest_at: datetime | None
    key: str = ""

    @property
    def oldest_age(self) -> timedelta | None:
        return timezone.now() - self.oldest_at if self.oldest_at else None


def open_tickets() -> dict[str, list[OpenGroup]]:
    """Open tickets per stage and per tier/team, each with its oldest ticket (one statement)."""
    sql = """
        SELECT GROUPING(t.stage) AS by_route, t.stage, t.tier_id, t.team_id, count(*),
               (array_agg(t.id ORDER BY t.first_message_at, t.id))[1], min(t.first_message_at)
        FROM tickets_ticket t
        WHERE t.status IN ('open', 'pending')
        GROUP BY GROUPING SETS ((t.stage), (t.tier_id, t.team_id))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    tiers = {tier.pk: tier.name for tier in Tier.objects.all()}
    teams = {team.pk: team.name for team in Team.objects.all()}
    stage_labels = dict(Ticket.Stage.choices)
    stage_order = list(stage_labels)
    by_stage, by_route = [], []
    for by_route_flag, stage, tier_id, team_id, count, oldest_id, oldest_at in rows:
        if by_route_flag:
            label = f"{tiers.get(tier_id, 'No tier')} · {teams.get(team_id, 'no team')}"
            by_route.append(OpenGroup(label, count, oldest_id, oldest_at, key=f"{tier_id}:{team_id}"))
        else:
            by_stage.append(OpenGroup(stage_labels.get(stage, stage), count, oldest_id, oldest_at, key=stage))
    by_stage.sort(key=lambda g: stage_order.index(g.key) if g.key in stage_order else 99)
    by_route.sort(key=lambda g: -g.count)
    return {"by_stage": by_stage, "by_route": by_route}


def stage_times(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Median and p90 hours spent in each stage, for stage visits that ended in the last 7 days."""
    now = now or timezone.now()
    sql = f"""
        WITH visits AS (
            SELECT stage, seconds FROM analytics_stageduration WHERE left_at >= %(since)s
            UNION ALL
            SELECT stage, seconds FROM ({stage_visits_sql()}) live WHERE left_at >= %(since)s
        )
        SELECT stage, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds)
        FROM visits GROUP BY stage
    """
    after = stage_watermark()
    with transaction.atomic(), connection.cursor() as cursor:
        # A week of stage visits is sorted per stage for the percentiles: keep it in memory.
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, {"since": now - STAGE_WINDOW, "after": after})
        rows = cursor.fetchall()
    labels = dict(Ticket.Stage.choices)
    order = list(labels)
    result = [
        {
            "stage": stage,
            "label": labels.get(stage, stage),
            "visits": count,
            "median_hours": round(median / 3600, 2),
            "p90_hours": round(p90 / 3600, 2),
        }
        for stage, count, median, p90 in rows
    ]
    return sorted(result, key=lambda r: order.index(r["stage"]) if r["stage"] in order else 99)


def sla_status(*, now: datetime | None = None, limit: int = 10) -> dict[str, Any]:
    """Open tickets breached or due within the hour, and the most urgent of them."""
    now = now or timezone.now()
    soon = now + SLA_RISK_WINDOW
    open_tickets = Ticket.objects.filter(status__in=OPEN)
    breached = Q(sla_breached=True) | Q(sla_due_at__lt=now)
    counts = open_tickets.aggregate(
        breached=Count("pk", filter=breached),
        at_risk=Count("pk", filter=Q(sla_breached=False, sla_due_at__gte=now, sla_due_at__lt=soon)),
    )
    urgent = list(
        open_tickets.filter(sla_due_at__lt=soon)
        .select_related("tier", "team", "assignee")
        .order_by("sla_due_at", "pk")[:limit]
    )
    return {**counts, "urgent": urgent, "now": now}


def agents_load() -> list[AgentProfile]:
    """Agents not offline, each annotated with ``load`` (open tickets assigned) against capacity."""
    open_load = (
        Ticket.objects.filter(assignee_id=OuterRef("user_id"), status__in=OPEN)
        .order_by()
        .values("assignee_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return list(
        AgentProfile.objects.exclude(availability=AgentProfile.Availability.OFFLINE)
        .select_related("user", "team", "tier")
        # A correlated count per agent reads only the open rows of the (assignee, status) index;
        # a join would walk every ticket the agent ever handled.
        .annotate(load=Coalesce(Subquery(open_load), 0))
        .order_by("team__name", "user__username")
    )


def approvals_waiting(*, limit: int = 10) -> dict[str, Any] | None:
    """Pending approvals per role with the longest wait, and the oldest ones; None if routing has
    no approvals yet (the model arrives with routing's approval gate)."""
    try:
        approval = apps.get_model("routing", "Approval")
    except LookupError:
        return None
    pending = approval.objects.filter(status="pending")
    by_role = list(
        pending.values("role").annotate(count=Count("pk"), oldest=Min("requested_at")).order_by("role")
    )
    oldest = list(pending.select_related("ticket").order_by("requested_at", "pk")[:limit])
    return {"by_role": by_role, "oldest": oldest, "total": sum(row["count"] for row in by_role)}
