"""A reopened ticket: fresh clocks from the reopen, and service recovery at the senior tier.

Resolving stops the resolution clock; a reopen (the customer's "not solved", a CSAT of 1) starts
it again from the reopen under the policy of the tier the ticket lands in, so a reopened ticket
never sits on "No SLA". A recovery reopen goes to the senior tier (escalated if it is below it;
told if it is there already) and its clocks follow the senior tier's policy: the recovery SLA.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from routing import engine, notices, sla_clocks
from routing.escalation import escalate_ticket
from routing.models import Escalation, SlaClock, Tier
from tickets.models import Notification, Ticket, TicketEvent


def reopened_at(ticket: Ticket):
    """When the ticket was last reopened (now, for data without the event)."""
    event = (
        TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.REOPENED)
        .order_by("-at", "-id")
        .first()
    )
    return event.at if event else timezone.now()


def restart_resolution_clock(ticket: Ticket) -> int:
    """Start the resolution clock again from the last reopen. Idempotent: a clock already started
    at or after the reopen is left alone. Returns how many clocks were restarted."""
    since = reopened_at(ticket)
    return SlaClock.objects.filter(ticket=ticket, kind=SlaClock.Kind.RESOLUTION, started_at__lt=since).update(
        started_at=since,
        paused_minutes=0,
        paused_at=None,
        warned_at=None,
        breached_at=None,
        stopped_at=None,
    )


@transaction.atomic
def route_reopened(ticket_id: int) -> Ticket | None:
    """Route a reopened ticket with fresh clocks; a recovery reopen goes to the senior tier."""
    ticket = (
        Ticket.objects.open()
        .select_for_update(of=("self",))
        .select_related("tier", "customer")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return None
    restart_resolution_clock(ticket)
    if not ticket.needs_recovery:
        engine.route_ticket(ticket, trigger="reopened")
        return ticket
    senior = Tier.objects.filter(is_senior=True, team__isnull=False).order_by("rank").first()
    if senior and (ticket.tier is None or ticket.tier.rank < senior.rank):
        # The move applies the senior tier's SLA policy to the restarted clocks.
        escalate_ticket(
            ticket,
            actor=None,
            reason="Service recovery: the customer's follow-up was unhappy.",
            target_tier=senior,
            trigger=Escalation.Trigger.RECOVERY,
        )
        return ticket
    sla_clocks.apply_sla(
        ticket, tier=ticket.tier, team_id=ticket.team_id, priority=ticket.priority, vip=ticket.customer.is_vip
    )
    if senior:
        notices.alert(
            notices.team_members(senior.team_id),
            kind=Notification.Kind.RECOVERY,
            text=f"{ticket.reference} reopened for service recovery.",
            ticket=ticket,
        )
    return ticket
