"""Triage jobs (thin: load by id, call the service; idempotent)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from helpdesk.queue import enqueue_on_commit
from tickets.models import Ticket, TicketEvent

# A ticket that failed this many times stops being retried automatically (an admin can still
# use "Re-run triage"); each failure is in its event log.
MAX_ATTEMPTS = 8
RETRY_BATCH = 100
# A ticket still pending after this long lost its triage job (worker restart, pipeline crash).
PENDING_GRACE = timedelta(minutes=10)


def reply_sent(event_id: int) -> None:
    """A public reply went out (a ``REPLY_SENT`` event): the summary's "so far" is rebuilt."""
    from routing.triage.runner import refresh_summary

    event = TicketEvent.objects.filter(pk=event_id).select_related("ticket").first()
    if event is not None and not event.data.get("is_auto"):
        refresh_summary(event.ticket)


def triage_ticket_job(ticket_id: int, message_id: int | None = None) -> None:
    """Triage one ticket with the configured backend, then re-route it."""
    from routing.triage import triage_ticket

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return
    ticket = triage_ticket(ticket, message_id=message_id)
    if ticket.triage_status == Ticket.TriageStatus.DONE:
        enqueue_on_commit("routing.jobs.reroute_ticket", ticket.pk)


def retry_failed_triage() -> int:
    """Retry tickets whose triage failed or never ran; return how many were attempted."""
    stale = timezone.now() - PENDING_GRACE
    ids = list(
        Ticket.objects.filter(
            Q(triage_status=Ticket.TriageStatus.FAILED)
            | Q(triage_status=Ticket.TriageStatus.PENDING, created_at__lt=stale)
        )
        .annotate(failures=Count("events", filter=Q(events__kind=TicketEvent.Kind.TRIAGE_FAILED)))
        .filter(failures__lt=MAX_ATTEMPTS)
        .order_by("created_at")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    for ticket_id in ids:
        triage_ticket_job(ticket_id)
    return len(ids)


def redraft_reply_job(ticket_id: int) -> None:
    """Re-draft after an agent corrected the type (the policy and wording follow the type)."""
    from routing.triage import draft_reply

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is not None:
        draft_reply(ticket)
