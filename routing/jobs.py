"""Jobs of the routing app: thin, idempotent, by id. Periodic ones are in helpdesk/schedules.py."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.module_loading import import_string

from routing import assignment, engine, pressure, sweep
from routing.models import Team
from tickets.models import Notification, Ticket

logger = logging.getLogger(__name__)


def reroute_ticket(ticket_id: int) -> None:
    """Route an open ticket again (an input changed: reclassification, VIP, availability)."""
    ticket = Ticket.objects.open().filter(pk=ticket_id).first()
    if ticket:
        engine.route_ticket(ticket, trigger="reroute")


def ticket_reopened(ticket_id: int) -> None:
    """Route a reopened ticket with its clocks restarted; a recovery reopen goes to the senior
    tier and notifies it (``routing.recovery``)."""
    from routing import recovery

    recovery.route_reopened(ticket_id)


def ticket_resolved(ticket_id: int) -> int:
    """A ticket was resolved or closed: withdraw its pending approvals (and the replies they
    held). Returns how many were withdrawn; a reopened or missing ticket is left alone."""
    from routing import approvals

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.is_open:
        return 0
    reason = f"the ticket was {ticket.get_status_display().lower()} before a decision"
    return len(approvals.withdraw_pending(ticket, reason=reason))


def withdraw_orphaned_approvals() -> int:
    """Catch up: withdraw pending approvals left on tickets resolved or closed before
    ``ticket_resolved`` existed (or whose job was lost). Returns how many were withdrawn."""
    from routing.models import Approval

    ticket_ids = (
        Approval.objects.pending()
        .exclude(ticket__status__in=Ticket.OPEN_STATUSES)
        .values_list("ticket_id", flat=True)
        .distinct()
    )
    return sum(ticket_resolved(ticket_id) for ticket_id in list(ticket_ids))


def ticket_snoozed(event_id: int) -> int:
    """A ticket was snoozed: its SLA clocks pause now (the sweep would within a minute)."""
    from routing import sla_clocks
    from tickets.models import TicketEvent

    event = TicketEvent.objects.filter(pk=event_id).values("ticket_id").first()
    return sla_clocks.pause_ticket_clocks(event["ticket_id"]) if event else 0


def ticket_unsnoozed(event_id: int) -> int:
    """A ticket woke from a snooze: its paused clocks resume, the snoozed time not counted."""
    from routing import sla_clocks
    from tickets.models import TicketEvent

    event = TicketEvent.objects.filter(pk=event_id).values("ticket_id").first()
    return sla_clocks.resume_ticket_clocks(event["ticket_id"]) if event else 0


def ticket_split(event_id: int) -> bool:
    """A ticket split off another starts its own SLA clocks where it stands (same tier and team,
    not routed again: the agent chose its place). Returns whether clocks were applied."""
    from django.db import transaction

    from routing import sla_clocks
    from tickets.models import TicketEvent

    event = TicketEvent.objects.filter(pk=event_id, data__role="new").values("ticket_id").first()
    if event is None:
        return False
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("tier", "customer")
            .filter(pk=event["ticket_id"], status__in=Ticket.OPEN_STATUSES, tier__isnull=False)
            .first()
        )
        if ticket is None:
            return False
        sla_clocks.apply_sla(
            ticket,
            tier=ticket.tier,
            team_id=ticket.team_id,
            priority=ticket.priority,
            vip=ticket.customer.is_vip,
        )
    return True


def run_sla_sweep() -> dict:
    """Every minute: stop/pause/resume SLA clocks, then warn and breach (each exactly once)."""
    return sweep.run().__dict__


def rebalance_queues() -> dict:
    """Every minute: measure queue pressure and move low-risk cases to AI and back."""
    return pressure.rebalance()


def assign_ticket(ticket_id: int) -> None:
    """Assign a waiting ticket in its team if someone is free (no-op otherwise, or if taken)."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket:
        assignment.assign_ticket_to_available_agent(ticket)


def fill_team(team_id: int) -> None:
    """Pull waiting tickets to the team's free agents (an agent came online)."""
    team = Team.objects.filter(pk=team_id).first()
    if team:
        assignment.fill_team(team)


def fill_all_teams() -> int:
    """Every minute: assign what waits wherever capacity is free (agents finish tickets)."""
    return sum(assignment.fill_team(team) for team in Team.objects.all())


def ai_take_over(ticket_id: int) -> None:
    """AI answers a ticket it owns, where the guardrails allow: through the resolution flows
    (``settings.AI_RESOLUTION``, an app above routing), else from the triage draft."""
    ticket = Ticket.objects.filter(pk=ticket_id, handled_by_ai=True).first()
    if ticket:
        resolve = getattr(settings, "AI_RESOLUTION", "") or "routing.automation.answer_with_ai"
        import_string(resolve)(ticket)


def email_notifications(notification_ids: Sequence[int]) -> int:
    """Email copies of in-app notifications to recipients with an address (idempotence: the
    in-app row is the record; a retried email is a duplicate email at worst, never a lost one)."""
    rows = Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    mails = [
        (f"[Handoff] {row.text[:120]}", f"{row.text}\n\n{base}{row.url}", None, [row.recipient.email])
        for row in rows
        if row.recipient.email
    ]
    return send_mass_mail(mails, fail_silently=False) if mails else 0


def recalculate_sla_dues() -> int:
    """Recompute the due times of every open ticket (an SLA policy or calendar changed)."""
    from routing import sla_clocks

    return sla_clocks.recalculate_open()


def customer_changed(customer_id: int) -> int:
    """Re-apply VIP rules to a customer whose LTV, orders or tags changed; re-route their open
    tickets when the VIP level moved. Returns how many tickets were re-routed."""
    from routing import vip
    from tickets.models import Customer

    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not vip.apply_vip_rules(customer):
        return 0
    open_ids = list(Ticket.objects.open().filter(customer=customer).values_list("pk", flat=True))
    for ticket_id in open_ids:
        reroute_ticket(ticket_id)
    return len(open_ids)
