"""The only writer of ``TicketEvent`` rows."""

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder

from helpdesk.queue import enqueue_on_commit
from tickets.event_kinds import declare, validate
from tickets.models import Ticket, TicketEvent

__all__ = [
    "WEBHOOK_KINDS",
    "build",
    "declare",
    "publish",
    "record",
    "record_built",
    "record_many",
    "subscribe",
]

# Kinds external tools can subscribe to (followups maps them to ticket.created, csat.received...).
WEBHOOK_KINDS = frozenset(
    {
        TicketEvent.Kind.CREATED,
        TicketEvent.Kind.ROUTED,
        TicketEvent.Kind.ESCALATED,
        TicketEvent.Kind.RESOLVED,
        TicketEvent.Kind.APPROVAL_REQUESTED,
        TicketEvent.Kind.APPROVAL_DECIDED,
        TicketEvent.Kind.CSAT_RECEIVED,
        TicketEvent.Kind.SNOOZED,
        TicketEvent.Kind.UNSNOOZED,
    }
)


# Jobs of apps above ``tickets`` that run (after commit, with the event's pk) whenever an event of
# a kind is recorded. Apps subscribe in their ``AppConfig.ready()``; ``tickets`` never names them.
_SUBSCRIBERS: dict[str, list[str]] = {}


def subscribe(kind: TicketEvent.Kind | str, job_path: str) -> None:
    """Run ``job_path(event_pk)`` after every committed event of ``kind`` (idempotent per path)."""
    paths = _SUBSCRIBERS.setdefault(str(kind), [])
    if job_path not in paths:
        paths.append(job_path)


def _notify_subscribers(event: TicketEvent) -> None:
    for path in _SUBSCRIBERS.get(str(event.kind), ()):
        enqueue_on_commit(path, event.pk)


def _user(actor: AbstractBaseUser | None) -> Any:
    # The signed-in person behind ``actor`` (the event's ``actor`` column), None for anyone else.
    return actor if actor is not None and actor.is_authenticated else None


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    # Decimals, datetimes and UUIDs become strings, so any action can pass its values as they are.
    return json.loads(json.dumps(dict(data), cls=DjangoJSONEncoder))


def record(
    ticket: Ticket,
    kind: TicketEvent.Kind | str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_kind: str | None = None,
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """Append one event to ``ticket``'s log. ``actor_kind`` defaults to "agent" with a user, else "system"."""
    event = build(ticket, kind, actor=actor, actor_kind=actor_kind, data=data, at=at)
    event.save()
    if kind in WEBHOOK_KINDS:
        enqueue_on_commit("followups.jobs.dispatch_webhook_event", event.pk)
    _notify_subscribers(event)
    return event


def build(
    ticket: Ticket,
    kind: TicketEvent.Kind | str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_kind: str | None = None,
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """An unsaved event for ``record_built`` (same arguments as ``record``).

    Raises ``UnknownEventKind``/``EventPayloadError`` (``tickets.event_kinds``) when ``kind`` is not
    declared or ``data`` lacks one of its required fields."""
    validate(kind, data or {})
    event = TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=_user(actor),
        actor_kind=actor_kind or ("agent" if actor is not None else "system"),
        data=_jsonable(data or {}),
    )
    if at is not None:
        event.at = at
    return event


def record_built(built: Sequence[TicketEvent], *, defer_webhooks: bool = False) -> list[TicketEvent]:
    """Append events made by ``build`` in one INSERT, in order.

    ``defer_webhooks`` leaves the webhook fan-out to a later ``publish`` call (intake: the
    pipeline publishes ``created`` when it picks the message up, so the request queues nothing).
    """
    saved = TicketEvent.objects.bulk_create(list(built)) if built else []
    if not defer_webhooks:
        publish(saved)
    return saved


def publish(saved: Iterable[TicketEvent]) -> None:
    """Queue, after commit, what ``record`` queues for each of ``saved``: the webhook fan-out
    for webhook kinds and the jobs subscribed to its kind."""
    for event in saved:
        if event.kind in WEBHOOK_KINDS:
            enqueue_on_commit("followups.jobs.dispatch_webhook_event", event.pk)
        _notify_subscribers(event)


def record_many(
    ticket_ids: Iterable[int],
    kind: TicketEvent.Kind | str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_kind: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> list[TicketEvent]:
    """Append the same event to many tickets' logs in one INSERT (set-based actions such as merges)."""
    validate(kind, data or {})
    payload = _jsonable(data or {})
    user = _user(actor)
    kind_of_actor = actor_kind or ("agent" if actor is not None else "system")
    created = TicketEvent.objects.bulk_create(
        [
            TicketEvent(ticket_id=pk, kind=kind, actor=user, actor_kind=kind_of_actor, data=payload)
            for pk in ticket_ids
        ]
    )
    for event in created:
        _notify_subscribers(event)
    return created
