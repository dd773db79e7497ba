"""Named state changes on tickets and customers.

Each action locks the ticket row, checks its invariants, saves with ``update_fields``,
records a ``TicketEvent`` and schedules side effects after commit. Views, the API, the admin
and jobs call these; nothing else writes a domain change.

Two seams keep ``tickets`` free of imports from the apps above it (settings hold dotted paths):
``REPLY_POLICY`` decides whether an outbound reply may go out now, must be held for an
approval, or is refused; ``OUTBOUND_DELIVERY`` is the job that delivers it on its channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from helpdesk.errors import IllegalTransition, InvalidInput
from helpdesk.queue import enqueue_on_commit
from tickets import events, intake, permissions, snooze
from tickets.models import Customer, CustomerIdentity, Message, RootCause, Ticket, TicketEvent


class TicketClosed(IllegalTransition):
    """The ticket is closed; reopen it first."""

    code = "ticket_closed"


@dataclass(frozen=True)
class OutboundReply:
    """What a reply policy is asked about before a reply leaves."""

    ticket: Ticket
    body: str
    author_kind: str
    author: AbstractBaseUser | None
    # Money the reply commits (a refund or compensation amount), if the sender declared one.
    commits_amount: Decimal | None = None
    # An automatic acknowledgement ("we got your message"), not an answer: the reply policy may
    # let AI send it on tickets where AI may not answer.
    is_auto: bool = False


class ReplyDecision:
    SEND = "send"
    HOLD = "hold"


@dataclass(frozen=True)
class PolicyAnswer:
    """A reply policy's full answer (a bare ``ReplyDecision`` string means just the decision)."""

    decision: str
    # The money the reply commits as the policy read it (its words, not only the declared field);
    # stored on the message so later replies on the ticket are summed with it.
    commits_amount: Decimal | None = None
    # Called with the stored message in the same transaction: binds a held reply to its approval.
    on_stored: Callable[[Message], None] | None = None


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _set_stage(
    ticket: Ticket, stage: str, *, actor=None, actor_kind=None, updates: list[str], at: datetime | None = None
) -> None:
    if ticket.stage != stage:
        events.record(
            ticket,
            TicketEvent.Kind.STAGE_CHANGED,
            actor=actor,
            actor_kind=actor_kind,
            at=at,
            data={"from": ticket.stage, "to": stage},
        )
        ticket.stage = stage
        updates.append("stage")


def move_stage(
    ticket: Ticket,
    stage: str,
    *,
    updates: list[str],
    actor: AbstractBaseUser | None = None,
    actor_kind: str | None = None,
    at: datetime | None = None,
) -> None:
    """``set_stage`` for a caller that already holds ``ticket``'s row lock in its transaction and
    saves the row itself (triage, follow-ups): sets the stage on the instance, records
    STAGE_CHANGED and appends "stage" to ``updates``; no query beyond the event. A no-op when the
    stage is already ``stage``. Raises ``InvalidInput`` for an unknown stage."""
    if stage not in Ticket.Stage.values:
        raise InvalidInput(f"Unknown stage {stage!r}.", field="stage")
    _set_stage(ticket, stage, actor=actor, actor_kind=actor_kind, updates=updates, at=at)


def reopen_on_customer_message(ticket: Ticket, *, updates: list[str]) -> TicketEvent | None:
    """A customer wrote on a ticket waiting for them: it is open again.

    For intake, which holds the ticket's row lock, saves ``updates`` itself and inserts the
    returned (unsaved) STATUS_CHANGED event with the message's own events in one INSERT. Returns
    None, changing nothing, when the ticket was not pending."""
    if ticket.status != Ticket.Status.PENDING:
        return None
    ticket.status = Ticket.Status.OPEN
    updates.append("status")
    return events.build(
        ticket,
        TicketEvent.Kind.STATUS_CHANGED,
        actor_kind="customer",
        data={"from": Ticket.Status.PENDING, "to": Ticket.Status.OPEN},
    )


@transaction.atomic
def set_stage(
    ticket: Ticket, *, stage: str, actor: AbstractBaseUser | None = None, actor_kind: str | None = None
) -> Ticket:
    """Move ``ticket`` to ``stage`` (queued, assigned... as routing decides) and record it.

    Locks the row (re-entrant inside a caller's transaction that holds it), records
    STAGE_CHANGED and updates the caller's instance in place. A no-op when the stage is already
    ``stage``. Raises ``InvalidInput`` for an unknown stage.
    """
    if stage not in Ticket.Stage.values:
        raise InvalidInput(f"Unknown stage {stage!r}.", field="stage")
    ticket.stage = (
        Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("stage", flat=True).get()
    )
    updates = ["updated_at"]
    _set_stage(ticket, stage, actor=actor, actor_kind=actor_kind, updates=updates)
    if len(updates) > 1:
        ticket.save(update_fields=updates)
    return ticket


@transaction.atomic
def reply_to_ticket(
    ticket: Ticket,
    *,
    body: str,
    author: AbstractBaseUser | None,
    author_kind: str = Message.AuthorKind.AGENT,
    body_html: str = "",
    commits_amount: Decimal | None = None,
    draft_similarity: float | None = None,
    is_auto: bool = False,
    set_pending: bool = True,
) -> Message:
    """Send a public reply on the ticket's channel, or hold it when the reply policy says so.

    Raises ``InvalidInput`` for an empty body, ``TicketClosed`` on a closed ticket and whatever
    the reply policy raises (``NotAllowed``, ``ApprovalRequired``...). A held reply is stored
    with delivery status "held" and is released by the approval that unblocks it.
    """
    permissions.check_support_staff(author, "reply to customers")
    if not body.strip():
        raise InvalidInput("The reply is empty.", field="body")
    ticket = _lock(ticket)
    if ticket.status == Ticket.Status.CLOSED:
        raise TicketClosed()
    answer = import_string(settings.REPLY_POLICY)(
        OutboundReply(
            ticket=ticket,
            body=body,
            author_kind=author_kind,
            author=author,
            commits_amount=commits_amount,
            is_auto=is_auto,
        )
    )
    if not isinstance(answer, PolicyAnswer):
        answer = PolicyAnswer(decision=answer, commits_amount=commits_amount)
    commits_amount = answer.commits_amount
    now = timezone.now()
    held = answer.decision == ReplyDecision.HOLD
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        author_kind=author_kind,
        author=cast(Any, author) if author is not None and author.is_authenticated else None,
        channel=ticket.channel,
        subject=f"Re: {ticket.subject}"[:300],
        body=body.strip(),
        body_html=intake.sanitize_html(body_html) if body_html else "",
        is_auto=is_auto,
        delivery_status=Message.Delivery.HELD if held else Message.Delivery.QUEUED,
        draft_similarity=draft_similarity,
        metadata={"commits_amount": str(commits_amount)} if commits_amount is not None else {},
    )
    if answer.on_stored is not None:
        answer.on_stored(message)
    actor_kind = "ai" if author_kind == Message.AuthorKind.AI else None
    if held:
        events.record(
            ticket,
            TicketEvent.Kind.REPLY_HELD,
            actor=author,
            actor_kind=actor_kind,
            data={"message_id": message.pk, "amount": commits_amount},
        )
        updates = ["updated_at"]
        _set_stage(
            ticket, Ticket.Stage.AWAITING_APPROVAL, actor=author, actor_kind=actor_kind, updates=updates
        )
        ticket.save(update_fields=updates)
        return message
    _mark_sent(ticket, message, actor=author, actor_kind=actor_kind, set_pending=set_pending, now=now)
    return message


def _mark_sent(ticket: Ticket, message: Message, *, actor, actor_kind, set_pending: bool, now) -> None:
    updates = ["last_agent_message_at", "updated_at"]
    ticket.last_agent_message_at = now
    if message.is_public_reply and ticket.first_response_at is None:
        ticket.first_response_at = now
        updates.append("first_response_at")
    if set_pending and ticket.status == Ticket.Status.OPEN:
        events.record(
            ticket,
            TicketEvent.Kind.STATUS_CHANGED,
            actor=actor,
            actor_kind=actor_kind,
            data={"from": ticket.status, "to": Ticket.Status.PENDING},
        )
        ticket.status = Ticket.Status.PENDING
        updates.append("status")
        _set_stage(
            ticket, Ticket.Stage.AWAITING_CUSTOMER, actor=actor, actor_kind=actor_kind, updates=updates
        )
    ticket.save(update_fields=updates)
    events.record(
        ticket,
        TicketEvent.Kind.REPLY_SENT,
        actor=actor,
        actor_kind=actor_kind,
        data={
            "message_id": message.pk,
            "author_kind": message.author_kind,
            "is_auto": message.is_auto,
            "draft_similarity": message.draft_similarity,
        },
    )
    enqueue_on_commit(settings.OUTBOUND_DELIVERY, message.pk)


@transaction.atomic
def release_held_reply(
    message: Message, *, actor: AbstractBaseUser | None, body: str | None = None
) -> Message:
    """Send a reply that was held for approval (called by the approval that unblocks it).

    ``body`` is the approved text when it differs from the held one (the approval took out a
    "needs approval" sentence); the held text stays in ``metadata["held_body"]``, and the HTML
    version is dropped so the customer cannot get the old words from it.
    """
    message = Message.objects.select_for_update().select_related("ticket").get(pk=message.pk)
    if message.delivery_status != Message.Delivery.HELD:
        return message
    ticket = _lock(message.ticket)
    message.delivery_status = Message.Delivery.QUEUED
    updates = ["delivery_status"]
    if body is not None and body.strip() and body.strip() != message.body:
        message.metadata = {**message.metadata, "held_body": message.body}
        message.body, message.body_html = body.strip(), ""
        updates += ["metadata", "body", "body_html"]
    message.save(update_fields=updates)
    _mark_sent(ticket, message, actor=actor, actor_kind=None, set_pending=True, now=timezone.now())
    return message


@transaction.atomic
def discard_held_reply(message: Message, *, actor: AbstractBaseUser | None, reason: str) -> Message:
    """Drop a held reply (its approval was denied); it stays in the thread as an internal note."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.delivery_status == Message.Delivery.HELD:
        message.delivery_status = Message.Delivery.NOT_APPLICABLE
        message.is_internal = True
        message.delivery_error = f"Not sent: {reason}"[:2000]
        message.save(update_fields=["delivery_status", "is_internal", "delivery_error"])
    return message


@transaction.atomic
def add_internal_note(ticket: Ticket, *, body: str, author: AbstractBaseUser) -> Message:
    """Add a note only agents see. It is never sent and never counts as a response."""
    permissions.check_support_staff(author, "add notes")
    if not body.strip():
        raise InvalidInput("The note is empty.", field="body")
    ticket = _lock(ticket)
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        author_kind=Message.AuthorKind.AGENT,
        author=cast(Any, author),
        channel=ticket.channel,
        body=body.strip(),
        is_internal=True,
    )
    events.record(ticket, TicketEvent.Kind.NOTE_ADDED, actor=author, data={"message_id": message.pk})
    return message


@transaction.atomic
def change_priority(
    ticket: Ticket, *, priority: int, actor: AbstractBaseUser | None, reason: str = ""
) -> Ticket:
    permissions.check_support_staff(actor, "change a ticket's priority")
    if priority not in Ticket.Priority.values:
        raise InvalidInput(f"Unknown priority {priority}.", field="priority")
    ticket = _lock(ticket)
    if ticket.priority != priority:
        events.record(
            ticket,
            TicketEvent.Kind.PRIORITY_CHANGED,
            actor=actor,
            data={"from": ticket.priority, "to": priority, "reason": reason},
        )
        ticket.priority = priority
        ticket.save(update_fields=["priority", "updated_at"])
    return ticket


@transaction.atomic
def change_status(ticket: Ticket, *, status: str, actor: AbstractBaseUser | None) -> Ticket:
    """Move between open and pending. Resolving, closing and reopening have their own actions."""
    permissions.check_support_staff(actor, "change a ticket's status")
    if status not in (Ticket.Status.OPEN, Ticket.Status.PENDING):
        raise InvalidInput("Use resolve, close or reopen for that status.", field="status")
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise IllegalTransition(f"The ticket is {ticket.get_status_display().lower()}; reopen it first.")
    if ticket.status != status:
        events.record(
            ticket, TicketEvent.Kind.STATUS_CHANGED, actor=actor, data={"from": ticket.status, "to": status}
        )
        ticket.status = status
        updates = ["status", "updated_at"]
        stage = (
            Ticket.Stage.AWAITING_CUSTOMER
            if status == Ticket.Status.PENDING
            else (Ticket.Stage.ASSIGNED if ticket.assignee_id else Ticket.Stage.QUEUED)
        )
        _set_stage(ticket, stage, actor=actor, updates=updates)
        ticket.save(update_fields=updates)
    return ticket


@transaction.atomic
def assign_ticket(
    ticket: Ticket,
    *,
    agent: AbstractBaseUser | None,
    actor: AbstractBaseUser | None,
    actor_kind: str | None = None,
) -> Ticket:
    """Assign ``ticket`` to ``agent`` (None unassigns) on ``actor``'s say.

    Raises ``NotAllowed`` unless ``actor`` takes it, lets go of their own, or is a senior agent or
    above (``permissions.check_assign``, read on the locked row so concurrent claims are serial).
    """
    ticket = _lock(ticket)
    permissions.check_assign(actor, ticket, agent)
    if agent is not None and not permissions.is_support_staff(agent):
        raise InvalidInput(f"{agent} is not an agent and cannot hold tickets.", field="assignee")
    permissions.check_tier(ticket, agent)
    return do_assign_ticket(ticket, agent=agent, actor=actor, actor_kind=actor_kind)


@transaction.atomic
def do_assign_ticket(
    ticket: Ticket,
    *,
    agent: AbstractBaseUser | None,
    actor: AbstractBaseUser | None,
    actor_kind: str | None = None,
) -> Ticket:
    """Assign without asking who may: for routing's own moves (an escalation releasing an
    assignee who does not serve the new team, the engine placing a ticket), which ``actor``
    set off but did not choose. Everything a person asks for goes through ``assign_ticket``."""
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise IllegalTransition("Only open tickets can be assigned.")
    if ticket.assignee_id == (agent.pk if agent else None):
        return ticket
    previous = ticket.assignee_id
    ticket.assignee = cast(Any, agent)
    ticket.assigned_at = timezone.now() if agent else None
    updates = ["assignee", "assigned_at", "updated_at"]
    if agent:
        events.record(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            actor=actor,
            actor_kind=actor_kind,
            data={"agent_id": agent.pk, "previous_agent_id": previous},
        )
        if ticket.stage in (Ticket.Stage.RECEIVED, Ticket.Stage.TRIAGED, Ticket.Stage.QUEUED):
            _set_stage(ticket, Ticket.Stage.ASSIGNED, actor=actor, actor_kind=actor_kind, updates=updates)
    else:
        events.record(
            ticket,
            TicketEvent.Kind.UNASSIGNED,
            actor=actor,
            actor_kind=actor_kind,
            data={"previous_agent_id": previous},
        )
        if ticket.stage == Ticket.Stage.ASSIGNED:
            _set_stage(ticket, Ticket.Stage.QUEUED, actor=actor, actor_kind=actor_kind, updates=updates)
    ticket.save(update_fields=updates)
    return ticket


@transaction.atomic
def resolve_ticket(
    ticket: Ticket,
    *,
    actor: AbstractBaseUser | None,
    resolution_method: str,
    root_cause: RootCause | None = None,
    root_cause_name: str = "",
    note: str = "",
    actor_kind: str | None = None,
) -> Ticket:
    """Resolve with a root cause (existing, or a new one by name) and a resolution method.

    Raises ``InvalidInput`` naming the missing field. Schedules the follow-up after commit.
    """
    permissions.check_support_staff(actor, "resolve tickets")
    if resolution_method not in Ticket.ResolutionMethod.values:
        raise InvalidInput("Choose how the ticket was resolved.", field="resolution_method")
    if root_cause is None and root_cause_name.strip():
        root_cause, _ = RootCause.objects.get_or_create(name=root_cause_name.strip()[:120])
    if root_cause is None:
        raise InvalidInput("A root cause is required to resolve a ticket.", field="root_cause")
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise IllegalTransition(f"The ticket is already {ticket.get_status_display().lower()}.")
    now = timezone.now()
    updates = ["status", "resolved_at", "root_cause", "resolution_method", "resolution_note", "updated_at"]
    ticket.status = Ticket.Status.RESOLVED
    ticket.resolved_at = now
    ticket.root_cause = root_cause
    ticket.resolution_method = resolution_method
    ticket.resolution_note = note
    snooze.wake_on_resolve(ticket, actor=actor, actor_kind=actor_kind, now=now, updates=updates)
    _set_stage(ticket, Ticket.Stage.RESOLVED, actor=actor, actor_kind=actor_kind, updates=updates)
    ticket.save(update_fields=updates)
    events.record(
        ticket,
        TicketEvent.Kind.RESOLVED,
        actor=actor,
        actor_kind=actor_kind,
        at=now,
        data={
            "root_cause": root_cause.name,
            "root_cause_id": root_cause.pk,
            "resolution_method": resolution_method,
            "reopen_count": ticket.reopen_count,
        },
    )
    enqueue_on_commit("followups.jobs.ticket_resolved", ticket.pk)
    enqueue_on_commit("routing.jobs.ticket_resolved", ticket.pk)
    return ticket


@transaction.atomic
def reopen_ticket(
    ticket: Ticket,
    *,
    actor: AbstractBaseUser | None,
    reason: str,
    actor_kind: str | None = None,
    recovery: bool = False,
) -> Ticket:
    """Reopen a resolved or closed ticket. ``recovery`` flags it for service recovery (bad CSAT)."""
    permissions.check_support_staff(actor, "reopen tickets")
    ticket = _lock(ticket)
    if ticket.is_open:
        if recovery and not ticket.needs_recovery:
            ticket.needs_recovery = True
            ticket.save(update_fields=["needs_recovery", "updated_at"])
        return ticket
    previous = ticket.status
    ticket.status = Ticket.Status.OPEN
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.reopen_count = F("reopen_count") + 1
    ticket.needs_recovery = ticket.needs_recovery or recovery
    updates = ["status", "resolved_at", "closed_at", "reopen_count", "needs_recovery", "updated_at"]
    _set_stage(
        ticket,
        Ticket.Stage.ASSIGNED if ticket.assignee_id else Ticket.Stage.QUEUED,
        actor=actor,
        actor_kind=actor_kind,
        updates=updates,
    )
    ticket.save(update_fields=updates)
    ticket.refresh_from_db(fields=["reopen_count"])
    events.record(
        ticket,
        TicketEvent.Kind.REOPENED,
        actor=actor,
        actor_kind=actor_kind,
        data={"from": previous, "reason": reason, "recovery": recovery},
    )
    enqueue_on_commit("followups.jobs.ticket_reopened", ticket.pk)
    enqueue_on_commit("routing.jobs.ticket_reopened", ticket.pk)
    return ticket


@transaction.atomic
def close_ticket(
    ticket: Ticket, *, actor: AbstractBaseUser | None, actor_kind: str | None = None, reason: str = ""
) -> Ticket:
    """Close a ticket for good (after a good CSAT, or by hand). Open tickets are resolved first."""
    permissions.check_support_staff(actor, "close tickets")
    ticket = _lock(ticket)
    if ticket.status == Ticket.Status.CLOSED:
        return ticket
    if ticket.is_open:
        raise IllegalTransition("Resolve the ticket (with a root cause) before closing it.")
    now = timezone.now()
    ticket.status = Ticket.Status.CLOSED
    ticket.closed_at = now
    updates = ["status", "closed_at", "updated_at"]
    _set_stage(ticket, Ticket.Stage.CLOSED, actor=actor, actor_kind=actor_kind, updates=updates)
    ticket.save(update_fields=updates)
    events.record(
        ticket, TicketEvent.Kind.CLOSED, actor=actor, actor_kind=actor_kind, at=now, data={"reason": reason}
    )
    enqueue_on_commit("routing.jobs.ticket_resolved", ticket.pk)
    return ticket


@transaction.atomic
def merge_customers(source: Customer, *, into: Customer, actor: AbstractBaseUser | None) -> Customer:
    """Move ``source``'s identities, tickets and orders to ``into``; ``source`` is kept, marked merged.

    Nothing is deleted, so the merge can be traced; ``into`` keeps the larger LTV and order count
    of the two and the union of their tags.
    """
    if source.pk == into.pk:
        raise InvalidInput("A customer cannot be merged into itself.", field="into")
    first, second = sorted([source.pk, into.pk])
    locked = {
        c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    source, into = locked[source.pk], locked[into.pk]
    if source.merged_into_id:
        raise IllegalTransition(f"{source} was already merged.")
    CustomerIdentity.objects.filter(customer=source).update(customer=into)
    moved_tickets = list(Ticket.objects.filter(customer=source).values_list("pk", flat=True))
    Ticket.objects.filter(pk__in=moved_tickets).update(customer=into)
    source.orders.update(customer=into)
    into.lifetime_value = max(into.lifetime_value, source.lifetime_value)
    into.order_count = max(into.order_count, source.order_count)
    into.tags = sorted(set(into.tags) | set(source.tags))
    for field in ("name", "email", "phone"):
        if not getattr(into, field) and getattr(source, field):
            setattr(into, field, getattr(source, field))
    into.save(update_fields=["lifetime_value", "order_count", "tags", "name", "email", "phone", "updated_at"])
    source.merged_into = into
    source.save(update_fields=["merged_into", "updated_at"])
    events.record_many(
        moved_tickets,
        TicketEvent.Kind.MERGED,
        actor=actor,
        data={"from_customer_id": source.pk, "into_customer_id": into.pk},
    )
    return into
