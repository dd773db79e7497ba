"""What happens after intake commits a message: the batched pipeline between tickets and routing.

``tickets.intake`` stores each customer message marked ``awaiting_pipeline`` and wakes the job
named in ``settings.INTAKE_PIPELINE`` (``drain``). A drain claims marked messages in batches
with ``SELECT ... FOR UPDATE SKIP LOCKED`` (several workers share the backlog, none waits on
another), and for each batch, in one transaction:

1. triages the batch's tickets together (one classification call, one encoder pass);
2. routes the batch's tickets together (``routing.batch.route_batch``: the configuration, the
   queues and the facts read once, decisions made in memory, bulk writes); tickets routed to
   the AI tier get the AI resolution flows (``routing.jobs.ai_take_over``) after commit;
3. clears the batch's marks in one UPDATE and publishes the events intake recorded (webhook
   ``ticket.created``, subscribed jobs).

A worker killed mid-batch rolls the whole batch back (its row locks go with its connection), so
another worker claims the same messages again: nothing is lost, nothing is done twice. Side
effects (webhooks, notifications, assignment jobs) are queued on commit as one job per batch
(``helpdesk.queue.coalesced``), so they never leave for a batch that did not commit. When
routing the batch together fails, its savepoint is rolled back and the tickets are routed one
by one: a failing ticket is rolled back to its own savepoint, marked ``triage_status=failed``
for ``routing.triage.jobs.retry_failed_triage`` and does not stop the batch.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.db import transaction

from helpdesk import queue
from routing import config
from routing.batch import route_batch
from routing.engine import route_ticket
from routing.models import RoutingDecision
from tickets import events
from tickets.models import Message, Ticket, TicketEvent

logger = logging.getLogger(__name__)

BATCH_SIZE = 32
# A drain hands over to a fresh job after this long (well inside django-q2's job timeout), so
# other jobs get a worker between two drains.
RUN_SECONDS = 20.0
DRAIN_JOB = "routing.pipeline.drain"
# The events intake records without queueing their webhooks and subscribers: published here.
INTAKE_EVENT_KINDS = (
    TicketEvent.Kind.CREATED,
    TicketEvent.Kind.STATUS_CHANGED,
    TicketEvent.Kind.MESSAGE_RECEIVED,
    TicketEvent.Kind.UNSNOOZED,  # a customer message woke a snoozed ticket (its SLA clocks resume)
)


@dataclass
class BatchResult:
    claimed: int = 0
    routed: int = 0
    failed: int = 0
    ticket_ids: list[int] = field(default_factory=list)


def drain(run_seconds: float = RUN_SECONDS) -> int:
    """Job: process batches until the backlog is empty; return how many messages were done.

    Started by intake's wake-ups (each sent after the message's commit, so a drain started by
    it sees the message), by the schedule (``helpdesk/schedules.py``, a backstop) and by itself:
    after ``run_seconds`` with work left it queues a fresh drain and ends. Inline (tests,
    seeding) it runs until the backlog is empty.
    """
    inline = queue.runs_inline()
    deadline = time.monotonic() + run_seconds
    done = 0
    while True:
        batch = process_batch()
        done += batch.claimed
        if not batch.claimed:
            return done
        if not inline and time.monotonic() > deadline:
            queue.enqueue(DRAIN_JOB)
            return done


def backlog() -> int:
    """Messages waiting for the pipeline (the benchmark and the health view read this)."""
    return Message.objects.filter(awaiting_pipeline=True).count()


def process_batch(size: int = BATCH_SIZE) -> BatchResult:
    """Claim up to ``size`` waiting messages and take them through triage and routing, in one
    transaction. Messages locked by another worker are skipped, not waited for."""
    from routing import triage
    from routing.triage import brief

    result = BatchResult()
    with queue.coalesced(), config.pinned(), brief.batch_reads(), transaction.atomic():
        claimed = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(awaiting_pipeline=True)
            .order_by("pk")
            .values_list("pk", "ticket_id", "author_kind")[:size]
        )
        if not claimed:
            return result
        result.claimed = len(claimed)
        # The newest customer message of each ticket is the one triage names; one pass per ticket.
        latest: dict[int, int] = {}
        for message_id, ticket_id, author_kind in claimed:
            if author_kind == Message.AuthorKind.CUSTOMER:
                latest[ticket_id] = max(message_id, latest.get(ticket_id, 0))
        tickets = list(Ticket.objects.filter(pk__in=latest).order_by("pk"))
        backend = triage.get_backend()
        if backend.is_fast:
            triaged = triage.triage_tickets(tickets, backend=backend, message_ids=latest)
        else:
            triaged = [t for t in (triage.run_for_message(t.pk, latest[t.pk]) for t in tickets) if t]
        ready = [t for t in triaged if t.triage_status == Ticket.TriageStatus.DONE and t.is_open]
        for ticket_id in _route(ready, latest):
            if ticket_id is None:
                result.failed += 1
                continue
            result.routed += 1
            result.ticket_ids.append(ticket_id)
        message_ids = [message_id for message_id, _, _ in claimed]
        Message.objects.filter(pk__in=message_ids).update(awaiting_pipeline=False)
        events.publish(
            TicketEvent.objects.filter(
                ticket_id__in={ticket_id for _, ticket_id, _ in claimed},
                kind__in=INTAKE_EVENT_KINDS,
                data__message_id__in=message_ids,
            ).order_by("pk")
        )
    return result


def _route(tickets: list[Ticket], latest: dict[int, int]) -> list[int | None]:
    """Route the batch's triaged tickets together (``routing.batch``); when that fails, route
    them one by one, so one bad ticket is marked failed and does not stop the others. Returns
    the routed ticket ids (None for each failure)."""
    if not tickets:
        return []
    try:
        with transaction.atomic():
            decisions = route_batch(tickets, trigger="message")
        return [t.pk for t in tickets if t.pk in decisions]
    except Exception:
        logger.exception(
            "Batch routing failed for tickets %s: routing them one by one", [t.pk for t in tickets]
        )
    routed = []
    for ticket in tickets:
        decision = _route_one(ticket, message_id=latest[ticket.pk])
        routed.append(ticket.pk if decision is not None else None)
    return routed


def _route_one(ticket: Ticket, *, message_id: int) -> RoutingDecision | None:
    """Route one triaged ticket in a savepoint of the batch. A ticket routed to the AI tier gets
    ``routing.jobs.ai_take_over`` queued (the AI resolution flows, ``settings.AI_RESOLUTION``);
    with the batch's other side effects it leaves as one job when the batch commits."""
    try:
        with transaction.atomic():
            return route_ticket(ticket, trigger="message")
    except Exception as exc:
        logger.exception("Routing failed for ticket %s (message %s)", ticket.pk, message_id)
        from routing.triage import mark_triage_failed

        mark_triage_failed(ticket, reason=f"routing: {type(exc).__name__}: {exc}", backend="pipeline")
        return None


def message_received(ticket_id: int, message_id: int) -> RoutingDecision | None:
    """Triage one message, then route its ticket, now (no batch): for callers outside intake
    that need the decision at once. None when triage deferred (it retries later)."""
    from routing import triage

    ticket = triage.run_for_message(ticket_id, message_id)
    if ticket is None:
        return None
    if not ticket.is_open:
        return None
    return route_ticket(ticket, trigger="message")


def drain_now(limit: int | None = None) -> int:
    """Process every waiting message in this process, now (tests, seeding, the benchmark)."""
    done = 0
    while limit is None or done < limit:
        batch = process_batch()
        if not batch.claimed:
            break
        done += batch.claimed
    return done
