"""Queue pressure: when a team's queue is too deep or too old, low-risk cases go to AI; when it
eases, the cases AI took for that reason come back to people. Both moves are routing decisions
(ROUTED events with trigger "pressure" / "pressure_eased").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from routing.guards import allowing_action_rule
from routing.models import ActionRule, Team, TeamPressure, Thresholds
from tickets.models import Ticket

# Tickets moved per team per run: the job runs every minute, so a burst drains gradually.
MOVES_PER_RUN = 50


@dataclass(frozen=True)
class Reading:
    team_id: int
    depth: int
    oldest_wait_minutes: int
    under_pressure: bool


def waiting_queue():
    return Ticket.objects.filter(status=Ticket.Status.OPEN, assignee__isnull=True, handled_by_ai=False)


def measure() -> list[Reading]:
    """Depth and oldest wait of every team's unassigned queue (one grouped query)."""
    thresholds = Thresholds.current()
    now = timezone.now()
    stats = {
        row["team_id"]: row
        for row in waiting_queue()
        .filter(team__isnull=False)
        .values("team_id")
        .annotate(depth=Count("id"), oldest=Min("created_at"))
    }
    readings = []
    for team_id in Team.objects.values_list("pk", flat=True):
        row = stats.get(team_id)
        depth = row["depth"] if row else 0
        wait = int((now - row["oldest"]).total_seconds() // 60) if row else 0
        under = depth > thresholds.queue_pressure_depth or wait > thresholds.queue_pressure_wait_minutes
        readings.append(Reading(team_id=team_id, depth=depth, oldest_wait_minutes=wait, under_pressure=under))
    return readings


def record(readings: list[Reading]) -> tuple[list[int], list[int]]:
    """Store the readings; return the teams that came under pressure and those that eased."""
    now = timezone.now()
    current = {p.team_id: p for p in TeamPressure.objects.filter(team_id__in=[r.team_id for r in readings])}
    rose, eased = [], []
    for reading in readings:
        row = current.get(reading.team_id) or TeamPressure(team_id=reading.team_id, under_pressure=False)
        if row.under_pressure != reading.under_pressure:
            (rose if reading.under_pressure else eased).append(reading.team_id)
            row.changed_at = now
        row.depth, row.oldest_wait_minutes = reading.depth, reading.oldest_wait_minutes
        row.under_pressure, row.measured_at = reading.under_pressure, now
        row.save()
    return rose, eased


def rebalance() -> dict[str, int]:
    """Measure every team, then move low-risk waiting cases to AI (pressure) or back (eased)."""
    from routing.engine import PRESSURE_TAG, route_ticket

    rose, eased = record(measure())
    under = list(TeamPressure.objects.filter(under_pressure=True).values_list("team_id", flat=True))
    to_ai = back = 0
    action_rules = list(ActionRule.objects.filter(is_active=True))
    covered = {issue_type for rule in action_rules for issue_type in rule.issue_types}
    candidates = (
        waiting_queue()
        .filter(team_id__in=under, signals={}, first_response_at__isnull=True, issue_type__in=covered)
        .filter(Q(amount_at_stake__isnull=True) | Q(amount_at_stake=0))
        .exclude(customer__vip_level__gt="")
        .order_by("created_at")[:MOVES_PER_RUN]
    )
    for ticket in list(candidates):
        # Only re-route what AI may take, so waiting tickets do not collect a decision a minute.
        if allowing_action_rule(ticket, rules=action_rules) is None:
            continue
        decision = route_ticket(ticket, trigger="pressure")
        to_ai += decision.destination == "ai"
    returning = (
        Ticket.objects.open()
        .filter(handled_by_ai=True, tags__contains=[PRESSURE_TAG], first_response_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:MOVES_PER_RUN]
    )
    if eased or not under:
        for ticket_id in list(returning):
            route_ticket(Ticket(pk=ticket_id), trigger="pressure_eased")
            back += 1
    return {"rose": len(rose), "eased": len(eased), "to_ai": to_ai, "back_to_people": back}
