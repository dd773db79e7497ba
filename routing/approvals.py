"""Approval gates: money above the threshold (and policy exceptions) wait for a named role.

``request_approval`` is called by the reply guard (a held reply: the approval is bound to that
message and its amount), by the engine (a rule that requires approval: the first held reply it
covers is bound to it, ``bind_pending``), by the store's order actions (bound to the action,
which points at the approval) or by a person (a decision, with or without an amount).
``approve`` releases the one reply it is bound to through ``tickets.actions.release_held_reply``,
with any "needs approval" sentence taken out; ``deny`` keeps it as an internal note. An approval
bound to no reply releases none. Deciding needs the
approval's role or one above it and may not be one's own request (``NotAllowed``, 403); deciding
twice is an ``IllegalTransition`` (409).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from routing import money, notices, placement
from routing.models import Approval, RoutingRule
from routing.models.rules import APPROVER_ROLES
from tickets import actions, events, permissions
from tickets.models import Message, Notification, Ticket, TicketEvent

ROLES = [value for value, _ in APPROVER_ROLES]


class ApprovalAlreadyDecided(IllegalTransition):
    code = "approval_decided"


def _user(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def request_approval(
    ticket: Ticket,
    *,
    requested_by: AbstractBaseUser | None,
    amount: Decimal | None,
    reason: str,
    role: str,
    message: Message | None = None,
    rule: RoutingRule | None = None,
) -> Approval:
    """Open an approval for ``role`` on ``ticket`` and notify everyone who may decide it."""
    permissions.check_support_staff(_user(requested_by), "ask for approvals")
    if role not in ROLES:
        raise InvalidInput(f"Unknown approving role {role!r}; use one of {', '.join(ROLES)}.", field="role")
    if amount is not None and amount < 0:
        raise InvalidInput("The amount cannot be negative.", field="amount")
    if not reason.strip():
        raise InvalidInput("Say what needs approving.", field="reason")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    approval = Approval.objects.create(
        ticket=ticket,
        role=role,
        amount=amount,
        reason=reason.strip(),
        message=message,
        rule=rule,
        requested_by=_user(requested_by),
    )
    events.record(
        ticket,
        TicketEvent.Kind.APPROVAL_REQUESTED,
        actor=requested_by,
        data={"approval_id": approval.pk, "role": role, "amount": amount, "reason": approval.reason},
    )
    amount_text = f" of {amount} {ticket.currency or ''}".rstrip() if amount is not None else ""
    notices.alert(
        notices.users_with_role(role),
        kind=Notification.Kind.APPROVAL_REQUESTED,
        text=f"{ticket.reference}: approval{amount_text} needed ({role}): {approval.reason}",
        ticket=ticket,
    )
    return approval


def _lock_for_decision(approval: Approval, actor: AbstractBaseUser) -> Approval:
    approval = Approval.objects.select_for_update().select_related("ticket").get(pk=approval.pk)
    if not notices.holds_role(actor, approval.role):
        raise NotAllowed(f"Only a {approval.role} (or a role above) may decide this approval.")
    if approval.requested_by_id is not None and approval.requested_by_id == actor.pk:
        raise NotAllowed("You cannot decide your own approval request.")
    if approval.status != Approval.Status.PENDING:
        raise ApprovalAlreadyDecided(f"This approval was already {approval.status}.")
    return approval


def _held_replies(approval: Approval) -> list[Message]:
    """The held reply this approval decides: the one message it is bound to, if still held.

    An approval bound to no message (asked for by hand, a routing rule's gate no reply came to,
    an order action's) releases no reply, whatever its amount (issue 14, finding 1): what it
    approves is that decision or that action, never "whatever is held".
    """
    if not approval.message_id:
        return []
    held = Message.objects.filter(pk=approval.message_id, delivery_status=Message.Delivery.HELD)
    return list(held.select_related("author"))


def bind_pending(ticket: Ticket, message: Message, *, amount: Decimal) -> Approval | None:
    """Bind a held reply to the money gate a routing rule opened on the ticket (pending, for at
    least ``amount``, not yet bound to a reply); None when there is none. Approvals opened by a
    person or for an order action are never taken over by a reply."""
    approval = (
        Approval.objects.pending()
        .select_for_update()
        .filter(ticket=ticket, rule__isnull=False, message__isnull=True, amount__gte=amount)
        .order_by("amount", "id")
        .first()
    )
    if approval is not None:
        approval.message = message
        approval.save(update_fields=["message"])
    return approval


def _decide(
    approval: Approval, *, actor: AbstractBaseUser, status: str, note: str, held: list[Message]
) -> Approval:
    approval.status = status
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.note = note.strip()
    approval.save(update_fields=["status", "decided_by", "decided_at", "note"])
    ticket = Ticket.objects.select_for_update().get(pk=approval.ticket_id)
    events.record(
        ticket,
        TicketEvent.Kind.APPROVAL_DECIDED,
        actor=actor,
        data={
            "approval_id": approval.pk,
            "decision": status,
            "amount": approval.amount,
            "note": approval.note,
        },
    )
    # The requester and whoever wrote a reply that waited on this decision.
    told = [approval.requested_by] if approval.requested_by_id else []
    told += [message.author for message in held if message.author_id]
    if told:
        notices.alert(
            told,
            kind=Notification.Kind.APPROVAL_DECIDED,
            text=f"{ticket.reference}: the approval was {status} by {actor}"
            + (f": {approval.note}" if approval.note else "."),
            ticket=ticket,
        )
    return approval


@transaction.atomic
def approve(approval: Approval, *, actor: AbstractBaseUser, note: str = "") -> Approval:
    """Approve and send the replies that waited on it. Raises ``NotAllowed`` / ``IllegalTransition``."""
    approval = _lock_for_decision(approval, actor)
    held = _held_replies(approval)
    _decide(approval, actor=actor, status=Approval.Status.APPROVED, note=note, held=held)
    for message in held:
        # The customer gets what was approved, not the line saying it still had to be.
        actions.release_held_reply(message, actor=actor, body=money.without_approval_notice(message.body))
    return approval


@transaction.atomic
def withdraw_pending(ticket: Ticket, *, reason: str) -> list[Approval]:
    """Withdraw the pending approvals of a resolved or closed ticket and discard the replies
    they held (kept in the thread as internal notes, never sent).

    Idempotent: a ticket with nothing pending, or reopened since (its gates still apply), is
    left alone and ``[]`` returned. Each withdrawal records APPROVAL_DECIDED with
    ``{"outcome": "withdrawn"}`` and tells the requester and the held replies' authors.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.is_open:
        return []
    pending = list(
        Approval.objects.select_for_update(of=("self",))
        .filter(ticket=ticket, status=Approval.Status.PENDING)
        .select_related("requested_by", "message")
        .order_by("requested_at", "id")
    )
    now = timezone.now()
    for approval in pending:
        held = _held_replies(approval)
        approval.status, approval.decided_at, approval.note = Approval.Status.WITHDRAWN, now, reason
        approval.save(update_fields=["status", "decided_at", "note"])
        events.record(
            ticket,
            TicketEvent.Kind.APPROVAL_DECIDED,
            data={
                "approval_id": approval.pk,
                "decision": Approval.Status.WITHDRAWN,
                "outcome": "withdrawn",
                "amount": approval.amount,
                "note": reason,
            },
        )
        for message in held:
            actions.discard_held_reply(message, actor=None, reason=f"approval withdrawn: {reason}")
        told = [approval.requested_by] if approval.requested_by_id else []
        told += [message.author for message in held if message.author_id]
        if told:
            notices.alert(
                told,
                kind=Notification.Kind.APPROVAL_DECIDED,
                text=f"{ticket.reference}: the approval was withdrawn: {reason}.",
                ticket=ticket,
            )
    return pending


@transaction.atomic
def deny(approval: Approval, *, actor: AbstractBaseUser, note: str) -> Approval:
    """Deny with a reason; held replies stay in the thread as internal notes, never sent."""
    if not note.strip():
        raise InvalidInput("Say why the approval is denied.", field="note")
    approval = _lock_for_decision(approval, actor)
    held = _held_replies(approval)
    _decide(approval, actor=actor, status=Approval.Status.DENIED, note=note, held=held)
    for message in held:
        actions.discard_held_reply(message, actor=actor, reason=f"approval denied: {note.strip()}")
    ticket = Ticket.objects.select_for_update().get(pk=approval.ticket_id)
    if not Message.objects.filter(ticket=ticket, delivery_status=Message.Delivery.HELD).exists():
        placement.settle_stage(ticket, actor=actor)
    return approval
