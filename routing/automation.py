"""AI acting alone: answering from its draft where an action rule allows, and a person undoing it.

Every autonomous action is an ``AI_ACTION`` event naming the action rule; ``take_over_from_ai``
is the person's undo (``AI_ACTION_REVERTED``) and sends the ticket to the general queue.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from helpdesk.errors import IllegalTransition, InvalidInput
from routing.guards import AiNotAllowed, allowing_action_rule
from routing.models import Escalation, Tier
from tickets import actions, events
from tickets.models import Message, Ticket, TicketEvent


@transaction.atomic
def answer_with_ai(ticket: Ticket) -> Message | None:
    """Send the AI draft of a ticket AI owns, if the guardrails allow; else hand it to people.

    Idempotent: does nothing when AI no longer owns the ticket, there is no draft, or the last
    customer message was already answered.
    """
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("tier", "customer").get(pk=ticket.pk)
    )
    if not (ticket.is_open and ticket.handled_by_ai and ticket.ai_draft.strip()):
        return None
    if ticket.last_agent_message_at and (
        ticket.last_customer_message_at is None
        or ticket.last_agent_message_at >= ticket.last_customer_message_at
    ):
        return None
    rule = allowing_action_rule(ticket)
    try:
        message = actions.reply_to_ticket(
            ticket, body=ticket.ai_draft, author=None, author_kind=Message.AuthorKind.AI, commits_amount=None
        )
    except AiNotAllowed as refused:
        hand_to_people(ticket, reason=str(refused.message), actor=None)
        return None
    events.record(
        ticket,
        TicketEvent.Kind.AI_ACTION,
        actor_kind="ai",
        data={
            "action": rule.action if rule else "reply",
            "action_rule": rule.slug if rule else None,
            "message_id": message.pk,
        },
    )
    return message


def hand_to_people(ticket: Ticket, *, reason: str, actor: AbstractBaseUser | None) -> Escalation | None:
    from routing.escalation import move_ticket

    entry = Tier.objects.filter(team__isnull=False).order_by("rank").first()
    if entry is None:
        return None
    return move_ticket(
        ticket,
        to_tier=entry,
        direction=Escalation.Direction.UP,
        trigger=Escalation.Trigger.RULE if actor is None else Escalation.Trigger.MANUAL,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def take_over_from_ai(ticket: Ticket, *, actor: AbstractBaseUser, reason: str) -> Ticket:
    """A person takes a ticket back from AI (the undo of its autonomous handling)."""
    if not reason.strip():
        raise InvalidInput("Say why AI's handling is undone.", field="reason")
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("tier", "customer").get(pk=ticket.pk)
    )
    if not ticket.handled_by_ai:
        raise IllegalTransition("AI is not handling this ticket.")
    events.record(ticket, TicketEvent.Kind.AI_ACTION_REVERTED, actor=actor, data={"reason": reason.strip()})
    hand_to_people(ticket, reason=reason.strip(), actor=actor)
    return ticket
