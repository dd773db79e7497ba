"""The follow-up after a resolution: schedule, cancel, send exactly once, and the CSAT answer."""

from __future__ import annotations

import string
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from followups.actions.csat import csat_link
from followups.models import FollowUp, FollowUpTemplate
from followups.models.followups import PLACEHOLDERS
from helpdesk.queue import enqueue_on_commit
from routing.models import IssueType, Thresholds
from tickets import actions, events
from tickets.models import Channel, Message, Ticket, TicketEvent

DEFAULT_SUBJECT = "Is your request {ticket_reference} solved?"
DEFAULT_BODY = (
    "Hi {customer_name},\n\n"
    'a couple of days ago we resolved your request "{subject}" ({ticket_reference}). '
    "Is everything sorted now? If not, just reply to this message and tell us what is still wrong; "
    "we will pick it up straight away.\n\n"
    "How did we do? It takes ten seconds: {csat_link}\n\n"
    "Thank you,\n{agent_name}, {store_name}"
)


def followup_delay_hours(issue_type: str) -> int:
    """The issue type's override, else the workflow threshold (48 h by default)."""
    override = (
        IssueType.objects.filter(slug=issue_type, followup_delay_hours__isnull=False)
        .values_list("followup_delay_hours", flat=True)
        .first()
        if issue_type
        else None
    )
    return override if override is not None else Thresholds.current().followup_delay_hours


def is_complaint(ticket: Ticket) -> bool:
    """Complaint tickets (negative sentiment or a complaint issue type) count for recovery CSAT."""
    if ticket.sentiment == Ticket.Sentiment.FRUSTRATED or (ticket.sentiment_score or 0) < 0:
        return True
    return (
        bool(ticket.issue_type)
        and IssueType.objects.filter(slug=ticket.issue_type, is_complaint=True).exists()
    )


@transaction.atomic
def schedule_followup(ticket: Ticket, *, now: datetime | None = None) -> FollowUp | None:
    """Schedule the check-in of a resolved ticket; returns the follow-up of this resolution.

    Safe to call twice: a follow-up already made for the current resolution (scheduled, sent
    or not deliverable) is returned as it is.

    Does nothing for a ticket that is no longer resolved (reopened or closed in between).
    """
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if ticket.status != Ticket.Status.RESOLVED:
        return None
    now = now or timezone.now()
    current = (
        FollowUp.objects.filter(ticket=ticket, created_at__gte=ticket.resolved_at)
        .exclude(status=FollowUp.Status.CANCELLED)
        .first()
    )
    if current:
        return current
    stale = (
        FollowUp.objects.select_for_update().filter(ticket=ticket, status=FollowUp.Status.SCHEDULED).first()
    )
    if stale:
        # Left over from a resolution before a reopening whose job has not run yet.
        _cancel(stale, ticket=ticket, reason="superseded", now=now)
    delay = followup_delay_hours(ticket.issue_type)
    followup = FollowUp.objects.create(
        ticket=ticket,
        due_at=(ticket.resolved_at or now) + timedelta(hours=delay),
        channel=ticket.channel,
        is_complaint=is_complaint(ticket),
        created_at=now,
    )
    events.record(
        ticket,
        TicketEvent.Kind.FOLLOWUP_SCHEDULED,
        at=now,
        data={"followup_id": followup.pk, "due_at": followup.due_at, "delay_hours": delay},
    )
    return followup


@transaction.atomic
def cancel_followups(ticket: Ticket, *, reason: str, created_before: datetime | None = None) -> int:
    """Cancel the ticket's scheduled follow-ups (those created before ``created_before``, if given).

    Locks the ticket before the follow-ups, the same order as ``schedule_followup``.
    """
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    pending = FollowUp.objects.select_for_update().filter(
        ticket_id=ticket.pk, status=FollowUp.Status.SCHEDULED
    )
    if created_before is not None:
        pending = pending.filter(created_at__lte=created_before)
    now = timezone.now()
    cancelled = 0
    for followup in pending:
        _cancel(followup, ticket=ticket, reason=reason, now=now)
        cancelled += 1
    return cancelled


def cancel_followups_after_reopen(ticket: Ticket) -> int:
    """Cancel what was scheduled before the ticket's latest reopening.

    The job runs after commit and may run late: if the ticket was resolved again meanwhile,
    the follow-up of that newer resolution must survive.
    """
    reopened_at = (
        TicketEvent.objects.filter(ticket_id=ticket.pk, kind=TicketEvent.Kind.REOPENED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if reopened_at is None:
        return 0
    return cancel_followups(ticket, reason="ticket_reopened", created_before=reopened_at)


def _cancel(followup: FollowUp, *, ticket: Ticket, reason: str, now: datetime) -> None:
    followup.status = FollowUp.Status.CANCELLED
    followup.cancelled_at = now
    followup.note = reason[:300]
    followup.save(update_fields=["status", "cancelled_at", "note"])
    events.record(
        ticket,
        TicketEvent.Kind.FOLLOWUP_CANCELLED,
        at=now,
        data={"followup_id": followup.pk, "reason": reason},
    )


def pick_template(issue_type: str, language: str) -> FollowUpTemplate | None:
    """Most specific active template: (type, language), (any, language), (type, en), (any, en)."""
    language = (language or "en").split("-")[0].lower()
    candidates = list(
        FollowUpTemplate.objects.filter(
            is_active=True, issue_type__in={issue_type, ""}, language__in={language, "en"}
        )
    )
    order = [(issue_type, language), ("", language), (issue_type, "en"), ("", "en")]
    by_key = {(t.issue_type, t.language): t for t in candidates}
    return next((by_key[key] for key in order if key in by_key), None)


def render_followup(template: FollowUpTemplate | None, context: dict[str, str]) -> tuple[str, str]:
    """Subject and body with placeholders filled; unknown placeholders are left as written."""

    class Missing(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    values = Missing({key: context.get(key, "") for key in PLACEHOLDERS})
    subject = template.subject if template else DEFAULT_SUBJECT
    body = template.body if template else DEFAULT_BODY
    formatter = string.Formatter()
    return formatter.vformat(subject, (), values), formatter.vformat(body, (), values)


def _send(followup: FollowUp, *, ticket: Ticket, now: datetime, deliver: bool) -> None:
    if ticket.is_open:
        _cancel(followup, ticket=ticket, reason="ticket_reopened", now=now)
        return
    template = pick_template(ticket.issue_type, ticket.customer.locale)
    link = csat_link(followup)
    agent = ticket.assignee
    subject, body = render_followup(
        template,
        {
            "customer_name": ticket.customer.name or "there",
            "ticket_reference": ticket.reference,
            "subject": ticket.subject,
            "csat_link": link,
            "store_name": settings.STORE_NAME,
            "agent_name": (agent.get_full_name() or agent.get_username()) if agent else "Customer care",
        },
    )
    deliverable = (
        ticket.channel == Channel.EMAIL and bool(ticket.customer.email)
    ) or ticket.channel == Channel.CHAT
    if not deliverable:
        delivery = Message.Delivery.UNDELIVERABLE
    else:
        delivery = Message.Delivery.QUEUED if deliver else Message.Delivery.SENT
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        author_kind=Message.AuthorKind.SYSTEM,
        channel=ticket.channel,
        subject=subject[:300],
        body=body,
        is_auto=True,
        delivery_status=delivery,
        delivery_error=""
        if deliverable
        else f"No way to reach the customer on {ticket.get_channel_display()}.",
        sent_at=now if delivery == Message.Delivery.SENT else None,
        metadata={"followup_id": followup.pk, "csat_link": link},
        created_at=now,
    )
    followup.status = FollowUp.Status.SENT if deliverable else FollowUp.Status.UNDELIVERABLE
    followup.sent_at = now
    followup.message = message
    followup.template = template
    followup.save(update_fields=["status", "sent_at", "message", "template"])
    events.record(
        ticket,
        TicketEvent.Kind.FOLLOWUP_SENT,
        at=now,
        data={
            "followup_id": followup.pk,
            "message_id": message.pk,
            "channel": ticket.channel,
            "delivered": deliverable,
        },
    )
    if ticket.status == Ticket.Status.RESOLVED and ticket.stage != Ticket.Stage.FOLLOWUP_SENT:
        updates = ["updated_at"]
        actions.move_stage(ticket, Ticket.Stage.FOLLOWUP_SENT, updates=updates, at=now)
        ticket.save(update_fields=updates)
    if delivery == Message.Delivery.QUEUED:
        enqueue_on_commit(settings.OUTBOUND_DELIVERY, message.pk)


def send_due_followups(*, now: datetime | None = None, batch: int = 100) -> int:
    """Send every follow-up due by ``now``, each exactly once; returns how many were handled.

    Claims follow-ups and then their tickets with ``FOR UPDATE SKIP LOCKED``: concurrent
    workers take disjoint rows and never wait, so they cannot deadlock with an action that
    holds a ticket (a follow-up whose ticket is busy is left for the next run).
    """
    now = now or timezone.now()
    handled = 0
    busy: set[int] = set()
    while True:
        with transaction.atomic():
            due = list(
                FollowUp.objects.due(now)
                .exclude(pk__in=busy)
                .select_for_update(skip_locked=True)
                .order_by("due_at")[:batch]
            )
            if not due:
                break
            tickets = {
                ticket.pk: ticket
                for ticket in Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("customer", "assignee")
                .filter(pk__in={f.ticket_id for f in due})
                .order_by("pk")
            }
            for followup in due:
                if followup.ticket_id not in tickets:
                    busy.add(followup.pk)
                    continue
                _send(followup, ticket=tickets[followup.ticket_id], now=now, deliver=True)
                handled += 1
        if len(due) < batch:
            break
    return handled


@transaction.atomic
def send_followup_now(followup: FollowUp, *, now: datetime, deliver: bool = True) -> FollowUp:
    """Send one scheduled follow-up at ``now`` (the demo seeds history with ``deliver=False``)."""
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.status == FollowUp.Status.SCHEDULED:
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "assignee")
            .get(pk=followup.ticket_id)
        )
        _send(followup, ticket=ticket, now=now, deliver=deliver)
    return followup
