"""Snooze: put a ticket out of the working views until a time or until the customer replies.

A snoozed ticket has ``snoozed_at`` set (and ``snoozed_until`` for a timed snooze). It is
hidden from every working view of the inbox and listed under "Snoozed"; its SLA clocks are
paused (routing subscribes to ``snoozed``/``unsnoozed`` and the SLA sweep treats a snoozed
ticket as waiting). It wakes on the time (``wake_due_snoozes``, every minute), on a customer
message (``tickets.intake``) or by hand (``unsnooze_ticket``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from helpdesk.errors import IllegalTransition, InvalidInput
from tickets import events, permissions
from tickets.models import Ticket, TicketEvent

MAX_SNOOZE = timedelta(days=90)
# A wake-up time closer than this is a typo (the sweep runs every minute).
MIN_SNOOZE = timedelta(minutes=1)
WAKE_BATCH = 500


class WakeReason:
    TIME = "time"
    CUSTOMER_REPLIED = "customer_replied"
    MANUAL = "manual"
    RESOLVED = "resolved"


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def snooze_ticket(
    ticket: Ticket, *, actor: AbstractBaseUser | None, until: datetime | None, now: datetime | None = None
) -> Ticket:
    """Snooze ``ticket`` until ``until`` (or, with ``until=None``, until the customer replies).

    Raises ``InvalidInput`` for a time in the past, under a minute away or over 90 days away,
    ``IllegalTransition`` for a resolved, closed or merged ticket. Snoozing a snoozed ticket
    again moves its wake-up time (and records it).
    """
    permissions.check_support_staff(actor, "snooze tickets")
    now = now or timezone.now()
    if until is not None:
        if timezone.is_naive(until):
            raise InvalidInput("Give the wake-up time with its time zone.", field="until")
        if until < now + MIN_SNOOZE:
            raise InvalidInput("The wake-up time must be at least a minute from now.", field="until")
        if until > now + MAX_SNOOZE:
            raise InvalidInput("A ticket can be snoozed for at most 90 days.", field="until")
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise IllegalTransition(
            f"The ticket is {ticket.get_status_display().lower()}; only open tickets snooze."
        )
    ticket.snoozed_at = now
    ticket.snoozed_until = until
    ticket.save(update_fields=["snoozed_at", "snoozed_until", "updated_at"])
    events.record(
        ticket,
        TicketEvent.Kind.SNOOZED,
        actor=actor,
        data={"until": until, "until_reply": until is None},
    )
    return ticket


def _unsnooze_event(
    ticket: Ticket, *, reason: str, now: datetime, actor=None, actor_kind=None
) -> TicketEvent:
    snoozed_at = ticket.snoozed_at or now
    return events.build(
        ticket,
        TicketEvent.Kind.UNSNOOZED,
        actor=actor,
        actor_kind=actor_kind,
        at=now,
        data={
            "reason": reason,
            "snoozed_at": snoozed_at,
            "snoozed_minutes": round((now - snoozed_at).total_seconds() / 60, 1),
        },
    )


@transaction.atomic
def unsnooze_ticket(ticket: Ticket, *, actor: AbstractBaseUser | None, now: datetime | None = None) -> Ticket:
    """Wake ``ticket`` by hand. A ticket that is not snoozed is returned unchanged."""
    permissions.check_support_staff(actor, "wake snoozed tickets")
    now = now or timezone.now()
    ticket = _lock(ticket)
    if ticket.snoozed_at is None:
        return ticket
    event = _unsnooze_event(ticket, reason=WakeReason.MANUAL, now=now, actor=actor)
    ticket.snoozed_at = ticket.snoozed_until = None
    ticket.save(update_fields=["snoozed_at", "snoozed_until", "updated_at"])
    events.record_built([event])
    return ticket


def wake_on_customer_message(ticket: Ticket, *, now: datetime, updates: list[str]) -> TicketEvent | None:
    """For intake, on the locked ``ticket`` it is about to save: clear the snooze (adding the
    fields to ``updates``) and return the unsaved ``unsnoozed`` event, or None if not snoozed."""
    if ticket.snoozed_at is None:
        return None
    event = _unsnooze_event(ticket, reason=WakeReason.CUSTOMER_REPLIED, now=now, actor_kind="customer")
    ticket.snoozed_at = ticket.snoozed_until = None
    updates += ["snoozed_at", "snoozed_until"]
    return event


def wake_on_resolve(ticket: Ticket, *, actor, actor_kind, now: datetime, updates: list[str]) -> None:
    """For ``resolve_ticket``, on the locked ``ticket``: a resolved ticket is not snoozed any more
    (reopened later, it must show in the working views). Records ``unsnoozed`` if it was."""
    if ticket.snoozed_at is None:
        return
    event = _unsnooze_event(ticket, reason=WakeReason.RESOLVED, now=now, actor=actor, actor_kind=actor_kind)
    events.record_built([event])
    ticket.snoozed_at = ticket.snoozed_until = None
    updates += ["snoozed_at", "snoozed_until"]


def wake_due_snoozes(now: datetime | None = None, *, batch: int = WAKE_BATCH) -> int:
    """Wake every ticket whose snooze time has come; returns how many woke.

    Each batch is one set-based UPDATE over ``FOR UPDATE SKIP LOCKED`` rows (so concurrent
    sweeps share the work and a ticket an agent holds is taken next minute) plus one INSERT of
    the events, in one transaction.
    """
    now = now or timezone.now()
    table = Ticket._meta.db_table
    woken = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    WITH due AS (
                      SELECT id, snoozed_at FROM {table}
                      WHERE snoozed_at IS NOT NULL AND snoozed_until <= %(now)s
                      ORDER BY snoozed_until LIMIT %(batch)s
                      FOR UPDATE SKIP LOCKED)
                    UPDATE {table} t SET snoozed_at = NULL, snoozed_until = NULL, updated_at = %(now)s
                    FROM due WHERE t.id = due.id
                    RETURNING t.id, due.snoozed_at""",
                    {"now": now, "batch": batch},
                )
                rows = cursor.fetchall()
            if not rows:
                return woken
            events.record_built(
                [
                    _unsnooze_event(Ticket(pk=pk, snoozed_at=snoozed_at), reason=WakeReason.TIME, now=now)
                    for pk, snoozed_at in rows
                ]
            )
            woken += len(rows)
            if len(rows) < batch:
                return woken
