"""Escalation up the tiers and de-escalation back down, each with its package and reason.

An escalation moves the ticket to a higher tier's queue (its team), releases an assignee who does
not serve that team, stores the package the receiver starts from (conversation, customer profile,
attempted resolutions, AI summary, trigger and reason), starts the receiving tier's
acknowledgement clock and notifies the receiving team (and managers for a VIP). Called by hand
(API, inbox), by the engine (a rule's destination above the current tier), by the SLA sweep and
by recovery reopens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from helpdesk.queue import enqueue_on_commit
from routing import config, notices, placement, sla_clocks
from routing.guards import ai_blockers
from routing.models import AgentProfile, Escalation, SlaClock, Tier
from tickets import actions, events, permissions
from tickets.models import Message, Notification, Order, Ticket, TicketEvent
from tickets.queries import ROLE_MANAGER, ROLE_SENIOR

PACKAGE_MESSAGES = 50
PACKAGE_HISTORY = 5
ATTEMPTED_KINDS = [
    TicketEvent.Kind.REPLY_SENT,
    TicketEvent.Kind.AI_ACTION,
    TicketEvent.Kind.ESCALATED,
    TicketEvent.Kind.DEESCALATED,
    TicketEvent.Kind.APPROVAL_DECIDED,
    TicketEvent.Kind.REOPENED,
]


@dataclass
class PackageInputs:
    """What a package is made of besides the ticket, read for many tickets at once."""

    messages: list[Message] = field(default_factory=list)
    attempted: list[TicketEvent] = field(default_factory=list)
    orders: list = field(default_factory=list)
    past_tickets: list[Ticket] = field(default_factory=list)


def package_inputs_for(tickets: Sequence[Ticket]) -> dict[int, PackageInputs]:
    """The inputs of each ticket's package in four queries, whatever the number of tickets: the
    last messages of each ticket, its attempted resolutions, and its customer's latest orders
    and other tickets."""
    inputs = {ticket.pk: PackageInputs() for ticket in tickets}
    ticket_ids = list(inputs)
    customer_ids = {ticket.customer_id for ticket in tickets}
    newest_messages = Window(
        RowNumber(), partition_by=F("ticket_id"), order_by=[F("created_at").desc(), F("id").desc()]
    )
    for message in (
        Message.objects.filter(ticket_id__in=ticket_ids)
        .annotate(newest=newest_messages)
        .filter(newest__lte=PACKAGE_MESSAGES)
        .order_by("ticket_id", "-newest")
    ):
        inputs[message.ticket_id].messages.append(message)
    for event in TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind__in=ATTEMPTED_KINDS).order_by(
        "ticket_id", "at", "id"
    ):
        inputs[event.ticket_id].attempted.append(event)
    latest_orders = Window(RowNumber(), partition_by=F("customer_id"), order_by=F("placed_at").desc())
    orders: dict[int, list] = {}
    for order in (
        Order.objects.filter(customer_id__in=customer_ids)
        .annotate(latest=latest_orders)
        .filter(latest__lte=PACKAGE_HISTORY)
        .order_by("customer_id", "latest")
    ):
        orders.setdefault(order.customer_id, []).append(order)
    # One more than shown: each ticket leaves itself out.
    latest_tickets = Window(RowNumber(), partition_by=F("customer_id"), order_by=F("created_at").desc())
    past: dict[int, list[Ticket]] = {}
    for other in (
        Ticket.objects.filter(customer_id__in=customer_ids)
        .annotate(latest=latest_tickets)
        .filter(latest__lte=PACKAGE_HISTORY + 1)
        .order_by("customer_id", "latest")
    ):
        past.setdefault(other.customer_id, []).append(other)
    for ticket in tickets:
        inputs[ticket.pk].orders = orders.get(ticket.customer_id, [])
        inputs[ticket.pk].past_tickets = [t for t in past.get(ticket.customer_id, []) if t.pk != ticket.pk][
            :PACKAGE_HISTORY
        ]
    return inputs


def build_package(ticket: Ticket, *, trigger: str, reason: str, inputs: PackageInputs | None = None) -> dict:
    """What the receiving tier needs to act without asking again (``inputs``: read by
    ``package_inputs_for`` when the caller packs many tickets)."""
    inputs = inputs or package_inputs_for([ticket])[ticket.pk]
    customer = ticket.customer
    return {
        "trigger": trigger,
        "reason": reason,
        "ai_summary": ticket.ai_summary,
        "brief": ticket.ai_brief,
        "triage": {
            "issue_type": ticket.issue_type,
            "sentiment": ticket.sentiment_score,
            "urgency": ticket.urgency,
            "amount_at_stake": ticket.amount_at_stake,
            "signals": ticket.signals,
        },
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "email": customer.email,
            "vip_level": customer.vip_level,
            "lifetime_value": customer.lifetime_value,
            "order_count": customer.order_count,
            "tags": customer.tags,
            "orders": [
                {
                    "number": o.number,
                    "status": o.status,
                    "fulfillment": o.fulfillment_status,
                    "total": o.total,
                }
                for o in inputs.orders
            ],
            "past_tickets": [
                {
                    "reference": t.reference,
                    "subject": t.subject,
                    "issue_type": t.issue_type,
                    "status": t.status,
                }
                for t in inputs.past_tickets
            ],
        },
        "conversation": [
            {
                "at": m.created_at,
                "direction": m.direction,
                "author_kind": m.author_kind,
                "internal": m.is_internal,
                "body": m.body[:4000],
            }
            for m in inputs.messages
        ],
        "attempted_resolutions": [{"at": e.at, "kind": e.kind, "data": e.data} for e in inputs.attempted],
    }


def _serves(user_id: int | None, team_id: int | None) -> bool:
    return user_id is not None and AgentProfile.objects.filter(user_id=user_id, team_id=team_id).exists()


def move_ticket(
    ticket: Ticket,
    *,
    to_tier: Tier,
    direction: str,
    trigger: str,
    reason: str,
    actor: AbstractBaseUser | None,
    policies=None,
    warn_share: float | None = None,
) -> Escalation:
    """Move a locked ticket to ``to_tier`` and record it (shared by every escalation path).

    ``policies``/``warn_share`` let the engine pass what it already read for this routing.
    """
    from_tier = ticket.tier
    to_ai = to_tier.ai_may_answer and to_tier.team_id is None
    vip = ticket.customer.is_vip
    acknowledgement = None
    if direction == Escalation.Direction.UP and not to_ai:
        # The SLA is applied (and mirrored onto the ticket) below, by this function or the engine.
        acknowledgement = sla_clocks.start_acknowledgement(
            ticket, tier=to_tier, vip=vip, policies=policies, warn_share=warn_share, mirror=False
        )
    escalation = Escalation.objects.create(
        ticket=ticket,
        direction=direction,
        from_tier=from_tier,
        to_tier=to_tier,
        to_ai=to_ai,
        trigger=trigger,
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
        package=build_package(ticket, trigger=trigger, reason=reason),
        acknowledge_due_at=acknowledgement.due_at if acknowledgement else None,
    )
    placement.place(ticket, tier_id=to_tier.pk, team_id=to_tier.team_id, handled_by_ai=to_ai)
    if ticket.assignee_id and not _serves(ticket.assignee_id, to_tier.team_id):
        actions.do_assign_ticket(ticket, agent=None, actor=actor)
        # The caller's instance is the one it keeps using: bring it up to date in place.
        ticket.refresh_from_db(fields=["assignee", "assigned_at", "stage"])
    kind = (
        TicketEvent.Kind.ESCALATED if direction == Escalation.Direction.UP else TicketEvent.Kind.DEESCALATED
    )
    events.record(
        ticket,
        kind,
        actor=actor,
        data={
            "escalation_id": escalation.pk,
            "from_tier": from_tier.slug if from_tier else None,
            "to_tier": to_tier.slug,
            "to_senior": to_tier.is_senior,
            "to_ai": to_ai,
            "trigger": trigger,
            "reason": reason,
        },
    )
    if policies is None:
        # The engine applies the SLA itself after the move, with the final priority.
        sla_clocks.apply_sla(ticket, tier=to_tier, team_id=to_tier.team_id, priority=ticket.priority, vip=vip)
    if direction != Escalation.Direction.UP or to_ai:
        # Moving down or to AI: nobody has to acknowledge any more.
        SlaClock.objects.filter(
            ticket=ticket, kind=SlaClock.Kind.ACKNOWLEDGEMENT, stopped_at__isnull=True
        ).update(stopped_at=escalation.created_at)
        sla_clocks.mirror_dues([ticket.pk])
    placement.settle_stage(ticket, actor=actor)
    verb = "escalated to" if direction == Escalation.Direction.UP else "sent back to"
    text = f"{ticket.reference} {verb} {to_tier}: {reason}"
    recipients = list(notices.team_members(to_tier.team_id)) if to_tier.team_id else []
    if vip:
        recipients += list(notices.exact_role(ROLE_MANAGER))
    notices.alert(recipients, kind=Notification.Kind.ESCALATION, text=text, ticket=ticket)
    if not to_ai:
        enqueue_on_commit("routing.jobs.assign_ticket", ticket.pk)
    return escalation


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise InvalidInput("Give a reason: the receiving tier reads it first.", field="reason")
    return reason.strip()


def _lock_open(ticket: Ticket) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("tier", "customer").get(pk=ticket.pk)
    )
    if not ticket.is_open:
        raise IllegalTransition(f"The ticket is {ticket.get_status_display().lower()}; reopen it first.")
    return ticket


@transaction.atomic
def escalate_ticket(
    ticket: Ticket,
    *,
    actor: AbstractBaseUser | None,
    reason: str,
    target_tier: Tier | None = None,
    trigger: str = Escalation.Trigger.MANUAL,
) -> Escalation:
    """Move ``ticket`` up: to ``target_tier`` or the next tier above its own.

    Raises ``InvalidInput`` without a reason or with an unknown trigger, ``IllegalTransition``
    when the ticket is not open, is already at the top, or the target is not above it.
    """
    permissions.check_support_staff(actor, "escalate tickets")
    reason = _require_reason(reason)
    if trigger not in Escalation.Trigger.values:
        raise InvalidInput(f"Unknown trigger {trigger!r}.", field="trigger")
    ticket = _lock_open(ticket)
    current = ticket.tier.rank if ticket.tier else -1
    if target_tier is None:
        target_tier = next(
            (tier for tier in config.current().tiers if tier.rank > current and tier.team_id is not None),
            None,
        )
        if target_tier is None:
            raise IllegalTransition(f"{ticket.reference} is already at the top tier ({ticket.tier}).")
    elif target_tier.rank <= current:
        raise IllegalTransition(
            f"{target_tier} is not above the current tier {ticket.tier}; use de-escalate to move down."
        )
    return move_ticket(
        ticket,
        to_tier=target_tier,
        direction=Escalation.Direction.UP,
        trigger=trigger,
        reason=reason,
        actor=actor,
    )


def may_deescalate(user: AbstractBaseUser, ticket: Ticket) -> bool:
    """The receiving tier's agents (or its team's), the assignee, and senior agents or above."""
    if notices.holds_role(user, ROLE_SENIOR) or ticket.assignee_id == user.pk:
        return True
    # The receiver is the tier (or the team serving it), not whichever queue the row sits in.
    serving_team = ticket.tier.team_id if ticket.tier_id else None
    holds = Q(tier_id=ticket.tier_id) | Q(team_id=serving_team) if serving_team else Q(tier_id=ticket.tier_id)
    return AgentProfile.objects.filter(user=user).filter(holds).exists()


@transaction.atomic
def deescalate_ticket(
    ticket: Ticket,
    *,
    actor: AbstractBaseUser,
    reason: str,
    target_tier: Tier | None = None,
    to_ai: bool = False,
) -> Escalation:
    """Send a routine case back down a tier (or to automation) with a reason.

    Raises ``NotAllowed`` when ``actor`` neither serves the ticket's tier nor is senior,
    ``IllegalTransition`` when the target is not below the current tier or AI may not take it.
    """
    permissions.check_support_staff(actor, "de-escalate tickets")
    reason = _require_reason(reason)
    ticket = _lock_open(ticket)
    if not may_deescalate(actor, ticket):
        raise NotAllowed(
            "Only the tier holding the ticket, its assignee or a senior agent may de-escalate it."
        )
    current = ticket.tier.rank if ticket.tier else None
    if current is None:
        raise IllegalTransition("The ticket has not been routed to a tier yet.")
    if to_ai:
        blockers = ai_blockers(ticket)
        blockers = [b for b in blockers if not b.startswith("AI may not answer at tier")]
        if blockers:
            raise IllegalTransition(f"AI may not take this ticket: {'; '.join(blockers)}.")
        target_tier = Tier.objects.filter(ai_may_answer=True, team__isnull=True).order_by("rank").first()
        if target_tier is None:
            raise IllegalTransition("No AI tier is configured.")
    elif target_tier is None:
        target_tier = Tier.objects.filter(rank__lt=current, team__isnull=False).order_by("-rank").first()
        if target_tier is None:
            raise IllegalTransition(f"There is no human tier below {ticket.tier}; de-escalate to AI instead.")
    if target_tier.rank >= current:
        raise IllegalTransition(f"{target_tier} is not below the current tier {ticket.tier}.")
    escalation = move_ticket(
        ticket,
        to_tier=target_tier,
        direction=Escalation.Direction.DOWN,
        trigger=Escalation.Trigger.MANUAL,
        reason=reason,
        actor=actor,
    )
    if escalation.to_ai and Message.objects.filter(ticket=ticket).exists():
        enqueue_on_commit("routing.jobs.ai_take_over", ticket.pk)
    return escalation


def move_to_tier(
    ticket: Ticket, *, tier: Tier, actor: AbstractBaseUser | None, reason: str
) -> Escalation | None:
    """Put ``ticket`` on ``tier``: an escalation when it is higher, a de-escalation when lower
    (with those actions' checks), nothing when it is there already. Tickets' macros call it
    through ``settings.TICKET_TIER_MOVE``."""
    if ticket.tier_id == tier.pk:
        return None
    current = ticket.tier.rank if ticket.tier else -1
    if tier.rank > current:
        return escalate_ticket(ticket, actor=actor, reason=reason, target_tier=tier)
    return deescalate_ticket(ticket, actor=actor, reason=reason, target_tier=tier)
