"""Running triage on a ticket: backend, validation, guardrails, and the write with its events."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from helpdesk.queue import enqueue_on_commit
from routing.models import ClassificationOverride, TriageResult
from routing.triage import brief, drafts, extraction
from routing.triage.backends import get_backend
from routing.triage.backends.base import Classification, DraftContext, TicketText, TriageBackend
from routing.triage.backends.heuristic import HeuristicBackend
from routing.triage.validation import validate_classification
from tickets import actions, events
from tickets.models import Message, Ticket, TicketEvent

logger = logging.getLogger(__name__)

TICKET_FIELDS = [
    "issue_type",
    "product",
    "sentiment_score",
    "sentiment",
    "urgency",
    "amount_at_stake",
    "currency",
    "signals",
    "triage_confidence",
    "triage_status",
    "triaged_at",
    "ai_summary",
    "ai_brief",
    "ai_draft",
    "updated_at",
]


def _jsonable(classification: Classification) -> dict[str, Any]:
    data = asdict(classification)
    data["amount"] = str(classification.amount) if classification.amount is not None else None
    return data


def _keep_agent_corrections(ticket: Ticket, result: Classification) -> Classification:
    """Re-triage never undoes an agent: overridden fields keep the agent's value.

    Signals are merged: the agent's set stays, and a new signal is still raised unless the
    agent removed that very signal before (a new legal threat is never hidden).
    """
    overridden = set(ClassificationOverride.objects.filter(ticket=ticket).values_list("field", flat=True))
    if not overridden:
        return result
    changes: dict[str, Any] = {}
    if "issue_type" in overridden:
        changes["issue_type"] = ticket.issue_type
    if "urgency" in overridden:
        changes["urgency"] = ticket.urgency
    if "sentiment" in overridden:
        changes["sentiment"] = ticket.sentiment
    if "signals" in overridden:
        removed: set[str] = set()
        for old, new in ClassificationOverride.objects.filter(ticket=ticket, field="signals").values_list(
            "old_value", "new_value"
        ):
            removed |= set(old or {}) - set(new or {})
        merged = dict(ticket.signals)
        for name, cues in result.signals.items():
            if name not in merged and name not in removed:
                merged[name] = list(cues)
        changes["signals"] = merged
    return replace(result, **changes)


def _analyse(
    ticket: Ticket,
    backend: TriageBackend,
    *,
    inputs: brief.TriageInputs | None = None,
    classification: Classification | None = None,
) -> dict[str, Any]:
    """Run ``backend`` on ``ticket`` and return the validated values to write (no writes here).

    The batch pipeline passes ``inputs`` and the ``classification`` it computed for many
    tickets at once; alone, both are computed here.
    """
    inputs = inputs or brief.load_inputs(ticket)
    if classification is None:
        classification = backend.classify(inputs.ticket_text)
    result = validate_classification(classification, issue_types=set(inputs.issue_types))
    result = _keep_agent_corrections(ticket, result)
    order = inputs.order or brief.find_order(
        ticket, [*result.order_numbers, *extraction.extract_numbers(inputs.ticket_text.customer_text)]
    )
    amount: Decimal | None = result.amount
    currency = result.currency
    if amount is None and order is not None and order.total and result.issue_type not in QUESTION_TYPES:
        amount, currency = order.total, order.currency
    if amount is not None and not currency:
        currency = order.currency if order is not None else ""
    customer_text = inputs.ticket_text.customer_text
    policy = brief.relevant_policy(result.issue_type, customer_text)
    summary = drafts.summarize_ticket(
        backend.summarize(inputs.ticket_text.thread).text.strip()
        or drafts.summarize_thread(inputs.ticket_text.thread),
        issue_type=result.issue_type,
        order=brief.order_facts(order),
        amount=amount,
        currency=currency,
    )
    context = DraftContext(
        thread=inputs.ticket_text.thread,
        classification=replace(result, amount=amount),
        customer=inputs.ticket_text.customer,
        order=brief.order_facts(order),
        policy=policy,
        approval_amount=inputs.thresholds.approval_amount,
        locale=result.language,
    )
    draft, removed = drafts.enforce_guardrails(backend.draft_reply(context).text, context)
    info = backend.describe()
    return {
        "result": result,
        "order": order,
        "amount": amount,
        "currency": currency,
        "summary": summary[:2000],
        "draft": draft,
        "brief": brief.build_brief(
            ticket,
            summary=summary,
            classification=result,
            order=order,
            policy=policy,
            complaint_types=inputs.complaint_types,
            amount=amount,
            currency=currency,
        ),
        "info": info,
        "guardrail_removed": removed,
    }


# A question about where an order is, or about a policy, a product or an account, puts no money
# at stake: the order's total stands in for the amount only where money is (refunds, returns,
# damage...). Otherwise every order-status question about a basket over the approval amount
# would need a manager's approval.
QUESTION_TYPES = frozenset({"order_status", "policy_question", "product_question", "account"})


@transaction.atomic
def _write(ticket: Ticket, analysis: dict[str, Any], *, message_id: int | None, duration_ms: int) -> Ticket:
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    result: Classification = analysis["result"]
    info = analysis["info"]
    previous_stage = ticket.stage
    ticket.issue_type = result.issue_type
    ticket.product = result.product or ticket.product
    ticket.sentiment_score = result.sentiment_score
    ticket.sentiment = result.sentiment
    ticket.urgency = result.urgency
    ticket.amount_at_stake = analysis["amount"]
    ticket.currency = analysis["currency"]
    ticket.signals = {k: list(v) for k, v in result.signals.items()}
    ticket.triage_confidence = result.confidence
    ticket.triage_status = Ticket.TriageStatus.DONE
    ticket.triaged_at = timezone.now()
    ticket.ai_summary = analysis["summary"]
    ticket.ai_brief = analysis["brief"]
    ticket.ai_draft = analysis["draft"]
    fields = list(TICKET_FIELDS)
    if ticket.order_id is None and analysis["order"] is not None:
        ticket.order = analysis["order"]
        fields.append("order")
    if previous_stage == Ticket.Stage.RECEIVED:
        actions.move_stage(ticket, Ticket.Stage.TRIAGED, actor_kind="ai", updates=fields)
    ticket.save(update_fields=fields)
    confidence = {
        "issue_type": result.confidence,
        "sentiment": result.sentiment_confidence,
        "urgency": result.urgency_confidence,
        "signals": dict(result.signal_confidence),
    }
    TriageResult.objects.create(
        ticket=ticket,
        message_id=message_id,
        backend=info.backend,
        model=info.model,
        prompt_version=info.prompt_version,
        issue_type=result.issue_type,
        confidence=confidence,
        output=_jsonable(result),
        raw_output={**dict(info.raw), "guardrail_removed": analysis["guardrail_removed"]},
        fallback_reason=info.fallback_reason,
        duration_ms=duration_ms,
    )
    events.record(
        ticket,
        TicketEvent.Kind.TRIAGED,
        actor_kind="ai",
        data={
            "backend": info.backend,
            "model": info.model,
            "issue_type": result.issue_type,
            "confidence": result.confidence,
            "sentiment": result.sentiment,
            "urgency": result.urgency,
            "signals": sorted(result.signals),
            "message_id": message_id,
            "fallback_reason": info.fallback_reason,
        },
    )
    return ticket


@transaction.atomic
def mark_triage_failed(ticket: Ticket, *, reason: str, backend: str) -> Ticket:
    """Mark ``ticket`` for a retry; nothing else on it changes. The retry job picks it up."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket.triage_status = Ticket.TriageStatus.FAILED
    ticket.save(update_fields=["triage_status", "updated_at"])
    events.record(
        ticket,
        TicketEvent.Kind.TRIAGE_FAILED,
        actor_kind="system",
        data={"backend": backend, "reason": reason[:500]},
    )
    return ticket


def triage_ticket(
    ticket: Ticket, *, backend: TriageBackend | None = None, message_id: int | None = None
) -> Ticket:
    """Classify ``ticket``'s thread, write the triage fields, brief and draft; return the ticket.

    Reads and the backend run outside any lock (an LLM can take seconds); the write locks the
    row. Agents' overrides survive re-triage. On any failure the ticket is marked
    ``triage_status=failed`` with a ``TRIAGE_FAILED`` event and is otherwise untouched;
    ``routing.triage.jobs.retry_failed_triage`` retries it. Never raises for backend errors.
    """
    backend = backend or get_backend()
    started = time.perf_counter()
    try:
        analysis = _analyse(ticket, backend)
    except Exception as exc:
        logger.exception("Triage failed for ticket %s with %s", ticket.pk, getattr(backend, "name", backend))
        return mark_triage_failed(
            ticket, reason=f"{type(exc).__name__}: {exc}", backend=getattr(backend, "name", "?")
        )
    duration_ms = int((time.perf_counter() - started) * 1000)
    return _write(ticket, analysis, message_id=message_id, duration_ms=duration_ms)


def classify_many(backend: TriageBackend, texts: Sequence[TicketText]) -> list[Classification]:
    """Classify many tickets in one call where the backend can (the semantic backend encodes
    them in one matrix product), else one by one."""
    batch = getattr(backend, "classify_many", None)
    if batch is not None:
        return list(batch(texts))
    return [backend.classify(text) for text in texts]


def triage_tickets(
    tickets: Sequence[Ticket], *, backend: TriageBackend, message_ids: Mapping[int, int]
) -> list[Ticket]:
    """Triage a batch of tickets with a fast backend: inputs per ticket, one classification call
    for the batch, then each ticket's write (its own savepoint). Same outcome per ticket as
    ``triage_ticket``: a failure marks that ticket for retry and does not stop the others.
    Called by ``routing.pipeline`` inside the batch's transaction."""
    started = time.perf_counter()
    prepared: list[tuple[Ticket, brief.TriageInputs]] = []
    triaged: list[Ticket] = []
    for ticket in tickets:
        try:
            prepared.append((ticket, brief.load_inputs(ticket)))
        except Exception as exc:
            logger.exception("Triage inputs failed for ticket %s", ticket.pk)
            triaged.append(
                mark_triage_failed(ticket, reason=f"{type(exc).__name__}: {exc}", backend=backend.name)
            )
    try:
        results: list[Classification | None] = list(
            classify_many(backend, [inputs.ticket_text for _, inputs in prepared])
        )
    except Exception:
        logger.exception("Batch classification failed; classifying one by one")
        results = [None] * len(prepared)
    shared_ms = int((time.perf_counter() - started) * 1000 / max(len(prepared), 1))
    for (ticket, inputs), classification in zip(prepared, results, strict=True):
        own = time.perf_counter()
        try:
            analysis = _analyse(ticket, backend, inputs=inputs, classification=classification)
        except Exception as exc:
            logger.exception("Triage failed for ticket %s with %s", ticket.pk, backend.name)
            triaged.append(
                mark_triage_failed(ticket, reason=f"{type(exc).__name__}: {exc}", backend=backend.name)
            )
            continue
        duration_ms = shared_ms + int((time.perf_counter() - own) * 1000)
        triaged.append(
            _write(ticket, analysis, message_id=message_ids.get(ticket.pk), duration_ms=duration_ms)
        )
    return triaged


def run_for_message(ticket_id: int, message_id: int) -> Ticket | None:
    """Triage after intake committed ``message_id`` (called by ``routing.pipeline``).

    Fast backends run inline and return the triaged ticket (the caller routes it). A slow
    backend (an LLM) is queued as ``routing.triage.jobs.triage_ticket_job``, which re-routes
    when done, and this returns None. A new customer message on an already triaged ticket is
    re-triaged inline with the built-in backend: cheap, and routing sees the new words at once.
    """
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return None
    is_customer_message = Message.objects.filter(
        pk=message_id, ticket_id=ticket_id, author_kind=Message.AuthorKind.CUSTOMER
    ).exists()
    if not is_customer_message:
        return None
    backend = get_backend()
    if backend.is_fast:
        return triage_ticket(ticket, backend=backend, message_id=message_id)
    if ticket.triaged_at is not None:
        return triage_ticket(ticket, backend=HeuristicBackend(), message_id=message_id)
    enqueue_on_commit("routing.triage.jobs.triage_ticket_job", ticket_id, message_id)
    return None


def draft_reply(ticket: Ticket, *, backend: TriageBackend | None = None) -> str:
    """Re-draft the reply for ``ticket`` from its current classification; store and return it."""
    backend = backend or get_backend()
    inputs = brief.load_inputs(ticket)
    ticket = Ticket.objects.select_related("order").get(pk=ticket.pk)
    classification = Classification(
        issue_type=ticket.issue_type or "other",
        confidence=ticket.triage_confidence or 0.0,
        sentiment=ticket.sentiment or "neutral",
        sentiment_score=ticket.sentiment_score or 0.0,
        urgency=ticket.urgency or "low",
        signals=dict(ticket.signals or {}),
        amount=ticket.amount_at_stake,
        currency=ticket.currency,
        secondary_types=list((ticket.ai_brief or {}).get("also_mentions", [])),
    )
    context = DraftContext(
        thread=inputs.ticket_text.thread,
        classification=classification,
        customer=inputs.ticket_text.customer,
        order=brief.order_facts(ticket.order),
        policy=brief.relevant_policy(classification.issue_type, inputs.ticket_text.customer_text),
        approval_amount=inputs.thresholds.approval_amount,
    )
    try:
        text = backend.draft_reply(context).text
    except Exception:
        logger.exception("Draft failed with %s; using the built-in draft", getattr(backend, "name", backend))
        text = HeuristicBackend().draft_reply(context).text
    text, _ = drafts.enforce_guardrails(text, context)
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        locked.ai_draft = text
        brief_data = dict(locked.ai_brief or {})
        if context.policy:
            brief_data["policy"] = asdict(context.policy)
        locked.ai_brief = brief_data
        locked.save(update_fields=["ai_draft", "ai_brief", "updated_at"])
    return text


@transaction.atomic
def refresh_summary(ticket: Ticket) -> Ticket:
    """Rebuild the summary after a reply (what has been done changed; the ask and facts did not
    need a new classification). Keeps the triage's issue type and amount."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("order").get(pk=ticket.pk)
    if ticket.triage_status != Ticket.TriageStatus.DONE:
        return ticket
    summary = drafts.summarize_ticket(
        drafts.summarize_thread(brief.thread_of(ticket)),
        issue_type=ticket.issue_type,
        order=brief.order_facts(ticket.order),
        amount=ticket.amount_at_stake,
        currency=ticket.currency,
    )[:2000]
    if summary != ticket.ai_summary:
        ticket.ai_summary = summary
        ticket.ai_brief = {**ticket.ai_brief, "summary": summary}
        ticket.save(update_fields=["ai_summary", "ai_brief", "updated_at"])
    return ticket
