"""The SLA sweep: warnings and breaches, each acting as its policy says (notify, raise priority,
escalate), exactly once per clock even when sweeps overlap (see ``sla_clocks.claim_due``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from routing import config, notices, sla_clocks
from routing.models import Escalation, SlaClock, SlaPolicy
from tickets import actions, events
from tickets.models import Notification, Ticket, TicketEvent

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    stopped: int = 0
    paused: int = 0
    resumed: int = 0
    warned: int = 0
    breached: int = 0
    escalated: int = 0


def _recipients(ticket: Ticket) -> list:
    people = list(notices.team_members(ticket.team_id)) if ticket.team_id else []
    if ticket.assignee_id:
        people.append(ticket.assignee)
    return people or list(notices.exact_role("manager"))


def _act(ticket_id: int, kind: str, policy: SlaPolicy | None, *, breach: bool, result: SweepResult) -> None:
    """Record and act on one warning or breach (inside the claiming transaction, in a savepoint)."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("tier", "customer").get(pk=ticket_id)
    )
    label = SlaClock.Kind(kind).label.lower()
    events.record(
        ticket,
        TicketEvent.Kind.SLA_BREACHED if breach else TicketEvent.Kind.SLA_WARNING,
        data={"target": kind, "policy": policy.name if policy else None},
    )
    if policy is None:
        return
    notify, raise_priority, escalate = (
        (policy.breach_notify, policy.breach_raise_priority, policy.breach_escalate)
        if breach
        else (policy.warning_notify, policy.warning_raise_priority, policy.warning_escalate)
    )
    what = "breached" if breach else "is close to breaching"
    if notify:
        notices.alert(
            _recipients(ticket),
            kind=Notification.Kind.SLA,
            text=f"{ticket.reference}: {label} target {what}.",
            ticket=ticket,
        )
    if raise_priority and ticket.priority < Ticket.Priority.URGENT:
        actions.change_priority(
            ticket, priority=ticket.priority + 1, actor=None, reason=f"SLA {label} {what}"
        )
    if escalate and kind in sla_clocks.ESCALATING_KINDS and ticket.is_open:
        from routing.escalation import escalate_ticket

        rank = ticket.tier.rank if ticket.tier else -1
        if any(tier.rank > rank and tier.team_id is not None for tier in config.current().tiers):
            escalate_ticket(
                ticket, actor=None, reason=f"SLA: {label} target {what}.", trigger=Escalation.Trigger.SLA
            )
            result.escalated += 1


def _process(column: str, *, breach: bool, result: SweepResult) -> None:
    while True:
        now = timezone.now()
        with transaction.atomic():
            claimed = sla_clocks.claim_due(column, now)
            if not claimed:
                return
            policies = {p.pk: p for p in SlaPolicy.objects.filter(pk__in={row[3] for row in claimed})}
            for _clock_id, ticket_id, kind, policy_id in claimed:
                try:
                    with transaction.atomic():
                        _act(ticket_id, kind, policies.get(policy_id), breach=breach, result=result)
                except Exception:
                    # One broken ticket must not stop the sweep; the clock stays marked so it
                    # does not fire again, and the log says which ticket needs a look.
                    logger.exception("SLA %s action failed for ticket %s", column, ticket_id)
            sla_clocks.mirror_dues({row[1] for row in claimed})
            if breach:
                result.breached += len(claimed)
            else:
                result.warned += len(claimed)


def run() -> SweepResult:
    """One sweep: sync clocks with their tickets, then warnings, then breaches."""
    result = SweepResult()
    # One configuration snapshot for the whole sweep, not a version check per lookup.
    with config.pinned():
        synced = sla_clocks.sync_clocks(timezone.now())
        result.stopped, result.paused, result.resumed = synced["stopped"], synced["paused"], synced["resumed"]
        _process("warn_at", breach=False, result=result)
        _process("due_at", breach=True, result=result)
    return result
