"""Merge two tickets of one customer, split messages into a new ticket, and undo either.

``merge_tickets`` moves the source's messages and events to the target, closes the source as a
duplicate with ``merged_into`` set (its page redirects, intake follows the pointer, so the
source's reply address and thread keys now lead to the target) and stores a ``TicketMerge``
with what moved. ``split_ticket`` moves chosen messages into a new ticket of the same customer
and stores a ``TicketSplit``. Each can be undone within a minute by ``undo_merge`` /
``undo_split``, which check the minute here, on the server, and restore exactly what the
record says moved. Both tickets are locked in id order, so two agents merging the same pair
at once are serialised and the second is refused with a clear error, never a deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Field, Max, Q
from django.utils import timezone

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from tickets import events, permissions
from tickets.models import Message, Ticket, TicketEvent, TicketMerge, TicketSplit

# Fields the merge changes on the source and the target (and the undo writes back).
MERGE_SOURCE_FIELDS = ("status", "stage", "closed_at", "resolution_method", "snoozed_at", "snoozed_until")
MERGE_TARGET_FIELDS = ("tags", "last_customer_message_at", "last_agent_message_at")
SPLIT_SOURCE_FIELDS = ("last_customer_message_at", "last_agent_message_at")


class UndoExpired(IllegalTransition):
    """The minute to undo has passed."""

    code = "undo_expired"


def _lock_pair(*ids: int) -> dict[int, Ticket]:
    """Lock the tickets ``ids`` in id order (the same order for every caller: no deadlock)."""
    rows = Ticket.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {ticket.pk: ticket for ticket in rows}


def _snapshot(ticket: Ticket, fields: Iterable[str]) -> dict:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name in fields
        for value in [getattr(ticket, name)]
    }


def _restore(ticket: Ticket, saved: dict) -> list[str]:
    for name, value in saved.items():
        field = cast(Field, Ticket._meta.get_field(name))
        setattr(ticket, name, field.to_python(value))
    return list(saved)


def _check_undo_window(created_at: datetime, window, now: datetime, what: str) -> None:
    if now - created_at > window:
        seconds = int(window.total_seconds())
        raise UndoExpired(f"The {what} can only be undone within {seconds} seconds; it is final now.")


def _check_may_undo(actor: AbstractBaseUser | None, done_by_id: int | None, what: str) -> None:
    permissions.check_support_staff(actor, f"undo a {what}")
    if actor is not None and actor.pk != done_by_id and not permissions.may_assign_others(actor):
        raise NotAllowed(f"Only the agent who made the {what} (or a senior agent) may undo it.")


def _has_held_reply(ticket: Ticket, message_ids: Iterable[int] | None = None) -> bool:
    held = Message.objects.filter(ticket=ticket, delivery_status=Message.Delivery.HELD)
    if message_ids is not None:
        held = held.filter(pk__in=list(message_ids))
    return held.exists()


# --- merge ---------------------------------------------------------------------------------------


@transaction.atomic
def merge_tickets(source: Ticket, *, into: Ticket, actor: AbstractBaseUser | None) -> TicketMerge:
    """Merge ``source`` into ``into`` (the target). Both must belong to one customer.

    Raises ``InvalidInput`` for a ticket merged into itself or tickets of different customers,
    ``IllegalTransition`` when the source is already merged, the target is closed or merged, or
    the source holds a reply or an approval still waiting for a decision (decide it first).
    """
    permissions.check_support_staff(actor, "merge tickets")
    permissions.check_sees(actor, source, into)
    if source.pk == into.pk:
        raise InvalidInput("A ticket cannot be merged into itself.", field="target")
    locked = _lock_pair(source.pk, into.pk)
    source, target = locked[source.pk], locked[into.pk]
    if source.customer_id != target.customer_id:
        raise InvalidInput(
            f"{source.reference} and {target.reference} belong to different customers; "
            "only tickets of one customer can be merged.",
            field="target",
        )
    if source.merged_into_id:
        raise IllegalTransition(f"{source.reference} was already merged into HD-{source.merged_into_id}.")
    if target.merged_into_id:
        raise IllegalTransition(
            f"{target.reference} was merged into HD-{target.merged_into_id}; merge into that one."
        )
    if target.status == Ticket.Status.CLOSED:
        raise IllegalTransition(f"{target.reference} is closed; reopen it before merging into it.")
    if _has_held_reply(source):
        raise IllegalTransition(
            f"{source.reference} has a reply held for approval; decide it before merging."
        )
    # Routing's approvals (``Ticket.approvals``) would be left pending on a closed ticket.
    if source.approvals.filter(status="pending").exists():
        raise IllegalTransition(f"{source.reference} has a pending approval; decide it before merging.")

    now = timezone.now()
    message_ids = list(Message.objects.filter(ticket=source).values_list("pk", flat=True))
    event_ids = list(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    merge = TicketMerge.objects.create(
        source=source,
        target=target,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        message_ids=message_ids,
        event_ids=event_ids,
        source_before=_snapshot(source, MERGE_SOURCE_FIELDS),
        target_before=_snapshot(target, MERGE_TARGET_FIELDS),
        created_at=now,
    )
    Message.objects.filter(pk__in=message_ids).update(ticket=target)
    TicketEvent.objects.filter(pk__in=event_ids).update(ticket=target)

    target.tags = sorted(set(target.tags) | set(source.tags))
    for name in ("last_customer_message_at", "last_agent_message_at"):
        mine, theirs = getattr(target, name), getattr(source, name)
        setattr(target, name, max(filter(None, [mine, theirs]), default=None))
    target.save(update_fields=[*MERGE_TARGET_FIELDS, "updated_at"])

    source.status, source.stage = Ticket.Status.CLOSED, Ticket.Stage.CLOSED
    source.closed_at, source.resolution_method = now, Ticket.ResolutionMethod.DUPLICATE
    source.snoozed_at = source.snoozed_until = None
    source.merged_into = target
    source.save(update_fields=[*MERGE_SOURCE_FIELDS, "merged_into", "updated_at"])

    data = {
        "merge_id": merge.pk,
        "source_id": source.pk,
        "target_id": target.pk,
        "messages": len(message_ids),
        "events": len(event_ids),
    }
    _record_on_each(TicketEvent.Kind.TICKET_MERGED, {"source": source, "target": target}, actor, now, data)
    return merge


@transaction.atomic
def undo_merge(
    merge: TicketMerge, *, actor: AbstractBaseUser | None, now: datetime | None = None
) -> TicketMerge:
    """Put back exactly what ``merge`` moved and changed, within ``TicketMerge.UNDO_WINDOW``.

    Messages that reached the target after the merge (a reply through the source's address)
    stay on the target. Raises ``UndoExpired`` after the minute, ``IllegalTransition`` when it
    was undone already, ``NotAllowed`` for anyone but its author and senior agents and above.
    """
    now = now or timezone.now()
    merge = TicketMerge.objects.select_for_update().get(pk=merge.pk)
    _check_may_undo(actor, merge.actor_id, "merge")
    if merge.undone_at is not None:
        raise IllegalTransition("This merge was already undone.")
    _check_undo_window(merge.created_at, TicketMerge.UNDO_WINDOW, now, "merge")
    locked = _lock_pair(merge.source_id, merge.target_id)
    source, target = locked[merge.source_id], locked[merge.target_id]

    Message.objects.filter(pk__in=merge.message_ids, ticket=target).update(ticket=source)
    TicketEvent.objects.filter(pk__in=merge.event_ids, ticket=target).update(ticket=source)
    source.merged_into = None
    source.save(update_fields=[*_restore(source, merge.source_before), "merged_into", "updated_at"])
    target.save(update_fields=[*_restore(target, merge.target_before), "updated_at"])
    merge.undone_at = now
    merge.save(update_fields=["undone_at"])

    data = {"merge_id": merge.pk, "source_id": source.pk, "target_id": target.pk}
    events.record_built(
        [
            events.build(source, TicketEvent.Kind.TICKET_MERGE_UNDONE, actor=actor, at=now, data=data),
            events.build(target, TicketEvent.Kind.TICKET_MERGE_UNDONE, actor=actor, at=now, data=data),
        ]
    )
    return merge


# --- split ---------------------------------------------------------------------------------------


def _message_times(ticket_id: int, *, exclude: Iterable[int] = (), only: Iterable[int] | None = None) -> dict:
    messages = Message.objects.filter(ticket_id=ticket_id).exclude(pk__in=list(exclude))
    if only is not None:
        messages = messages.filter(pk__in=list(only))
    return messages.aggregate(
        last_customer_message_at=Max("created_at", filter=Q(direction=Message.Direction.INBOUND)),
        last_agent_message_at=Max(
            "created_at", filter=Q(direction=Message.Direction.OUTBOUND, is_internal=False, is_auto=False)
        ),
    )


@transaction.atomic
def split_ticket(
    ticket: Ticket, *, message_ids: Iterable[int], actor: AbstractBaseUser | None, subject: str = ""
) -> TicketSplit:
    """Move the messages ``message_ids`` of ``ticket`` into a new ticket of the same customer.

    The new ticket keeps the source's queue, tier, assignee, priority and classification and
    opens in the same place. Raises ``InvalidInput`` when no message is chosen, a message is not
    on this ticket, every message is chosen (nothing would be left) or one is held for approval;
    ``IllegalTransition`` for a closed or merged ticket.
    """
    permissions.check_support_staff(actor, "split tickets")
    permissions.check_sees(actor, ticket)
    wanted = sorted({int(pk) for pk in message_ids})
    if not wanted:
        raise InvalidInput("Choose the messages to move into the new ticket.", field="messages")
    source = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if source.status == Ticket.Status.CLOSED or source.merged_into_id:
        raise IllegalTransition(f"{source.reference} is closed; reopen it before splitting it.")
    on_ticket = set(Message.objects.filter(ticket=source).values_list("pk", flat=True))
    foreign = [pk for pk in wanted if pk not in on_ticket]
    if foreign:
        raise InvalidInput(
            f"Message {foreign[0]} is not on {source.reference}; choose messages of this ticket.",
            field="messages",
        )
    if len(wanted) == len(on_ticket):
        raise InvalidInput(
            "Leave at least one message on the ticket; split moves some, not all.", field="messages"
        )
    if _has_held_reply(source, wanted):
        raise InvalidInput(
            "A chosen reply is held for approval; decide it before splitting.", field="messages"
        )

    now = timezone.now()
    moved = list(Message.objects.filter(pk__in=wanted).order_by("created_at", "id"))
    first = moved[0]
    times = _message_times(source.pk, only=wanted)
    replies = [m for m in moved if m.is_public_reply and m.created_at >= first.created_at]
    created = Ticket.objects.create(
        customer_id=source.customer_id,
        subject=(subject.strip() or f"Split from {source.reference}: {source.subject}")[:300],
        channel=source.channel,
        order_id=source.order_id,
        status=Ticket.Status.OPEN,
        stage=Ticket.Stage.ASSIGNED if source.assignee_id else Ticket.Stage.QUEUED,
        priority=source.priority,
        tags=list(source.tags),
        issue_type=source.issue_type,
        product=source.product,
        sentiment=source.sentiment,
        urgency=source.urgency,
        triage_status=source.triage_status,
        triaged_at=source.triaged_at,
        tier_id=source.tier_id,
        team_id=source.team_id,
        assignee_id=source.assignee_id,
        assigned_at=now if source.assignee_id else None,
        first_message_at=first.created_at,
        first_response_at=replies[0].created_at if replies else None,
        created_at=now,
        **times,
    )
    split = TicketSplit.objects.create(
        source=source,
        created=created,
        created_reference=created.reference,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        message_ids=wanted,
        source_before=_snapshot(source, SPLIT_SOURCE_FIELDS),
        created_at=now,
    )
    Message.objects.filter(pk__in=wanted).update(ticket=created)
    for name, value in _message_times(source.pk).items():
        setattr(source, name, value)
    source.save(update_fields=[*SPLIT_SOURCE_FIELDS, "updated_at"])

    data = {"split_id": split.pk, "source_id": source.pk, "new_ticket_id": created.pk, "message_ids": wanted}
    _record_on_each(TicketEvent.Kind.TICKET_SPLIT, {"source": source, "new": created}, actor, now, data)
    return split


@transaction.atomic
def undo_split(
    split: TicketSplit, *, actor: AbstractBaseUser | None, now: datetime | None = None
) -> TicketSplit:
    """Move the messages back and delete the ticket the split made, within a minute.

    Refused (``IllegalTransition``) when a message arrived on the new ticket since: deleting
    it would lose that message, and moving it would not restore the source exactly.
    """
    now = now or timezone.now()
    split = TicketSplit.objects.select_for_update().get(pk=split.pk)
    _check_may_undo(actor, split.actor_id, "split")
    if split.undone_at is not None or split.created_id is None:
        raise IllegalTransition("This split was already undone.")
    _check_undo_window(split.created_at, TicketSplit.UNDO_WINDOW, now, "split")
    locked = _lock_pair(split.source_id, split.created_id)
    source, created = locked[split.source_id], locked[split.created_id]
    if Message.objects.filter(ticket=created).exclude(pk__in=split.message_ids).exists():
        raise IllegalTransition(
            f"{created.reference} has new messages since the split; it can no longer be undone."
        )

    Message.objects.filter(pk__in=split.message_ids, ticket=created).update(ticket=source)
    source.save(update_fields=[*_restore(source, split.source_before), "updated_at"])
    created.delete()
    split.undone_at = now
    split.save(update_fields=["undone_at"])
    events.record(
        source,
        TicketEvent.Kind.TICKET_SPLIT_UNDONE,
        actor=actor,
        data={
            "split_id": split.pk,
            "deleted_ticket": split.created_reference,
            "message_ids": split.message_ids,
        },
    )
    return split


def undoable_for(ticket: Ticket, *, now: datetime | None = None) -> dict:
    """The merge into ``ticket`` and the split out of it that may still be undone (or None)."""
    since = (now or timezone.now()) - TicketMerge.UNDO_WINDOW
    return {
        "merge": TicketMerge.objects.filter(target=ticket, undone_at__isnull=True, created_at__gte=since)
        .select_related("source")
        .first(),
        "split": TicketSplit.objects.filter(
            source=ticket, undone_at__isnull=True, created_id__isnull=False, created_at__gte=since
        ).first(),
    }


def _record_on_each(
    kind: str, tickets: dict[str, Ticket], actor: AbstractBaseUser | None, at: datetime, data: dict
) -> None:
    """One ``kind`` event on each ticket of a move, with the ticket's role in it, in one INSERT."""
    events.record_built(
        [
            events.build(ticket, kind, actor=actor, at=at, data={**data, "role": role})
            for role, ticket in tickets.items()
        ]
    )
