"""The AI resolving a ticket alone, and people looking over its shoulder.

``resolve_with_ai`` is the one entry point the pipeline calls once routing gave the ticket to
the AI tier (``settings.AI_RESOLUTION``): the flow for the issue type composes an answer from
the records, the verifier checks it, and the guardrails (``routing.guards`` via
``reply_to_ticket``) decide whether the AI may send it. Anything refused stays as the ticket's
draft and goes to people with the reason; a customer writing again after an AI answer also goes
to people, with the AI's attempt in the escalation package (its ``AI_ACTION`` event).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from resolution import flows, verifier
from resolution.context import load_context
from resolution.facts import Answer
from resolution.models import AiResolution, AiReview, ReviewSampling
from routing.automation import hand_to_people
from routing.guards import AiNotAllowed, ai_blockers, allowing_action_rule
from tickets import actions, events
from tickets.models import Message, RootCause, Ticket, TicketEvent
from tickets.queries import ROLE_ADMIN, ROLE_MANAGER, ROLE_SENIOR, has_role

AI_ROOT_CAUSE = "Routine question answered by AI"


def resolve_with_ai(tickets: Ticket | Iterable[Ticket]) -> list[AiResolution]:
    """Answer each ticket the AI owns through its flow (one ticket, or a batch from a worker)."""
    batch = [tickets] if isinstance(tickets, Ticket) else list(tickets)
    done = []
    for ticket in batch:
        attempt = _resolve_one(ticket)
        if attempt is not None:
            done.append(attempt)
    return done


def _unanswered(ticket: Ticket) -> bool:
    return ticket.last_customer_message_at is not None and (
        ticket.last_agent_message_at is None or ticket.last_agent_message_at < ticket.last_customer_message_at
    )


@transaction.atomic
def _resolve_one(ticket: Ticket) -> AiResolution | None:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("tier", "customer", "order")
        .get(pk=ticket.pk)
    )
    if not (ticket.is_open and ticket.handled_by_ai and _unanswered(ticket)):
        return None
    earlier = list(
        ticket.ai_resolutions.filter(outcome=AiResolution.Outcome.SENT).values_list("flow", "facts")
    )
    answered = next((flow for flow, facts in earlier if facts), None)
    if answered is not None:
        answer = Answer(
            flow=answered,
            handoff=f"the customer wrote again after the AI's {answered.replace('_', ' ')} answer",
        )
        return _refuse(ticket, answer, ticket.triage_confidence, keep_draft=True)
    context = load_context(ticket, asked_for_order_before=bool(earlier))
    # Asked before the flow runs, because some flows act at the store (a return, a cancellation):
    # nothing may happen on a ticket the AI may not handle alone.
    blockers = ai_blockers(ticket)
    rule = allowing_action_rule(ticket)
    if blockers or rule is None:
        why = "; ".join(blockers) or f"no action rule lets AI handle {ticket.issue_type or 'this'} alone"
        return _refuse(
            ticket, Answer(flow=ticket.issue_type or "none", handoff=why), ticket.triage_confidence
        )
    answer = flows.compose(context)
    if answer.handoff:
        return _refuse(ticket, answer, ticket.triage_confidence)
    problems = verifier.check(answer, context)
    if problems:
        answer.handoff = "verifier: " + "; ".join(problems)
        return _refuse(ticket, answer, ticket.triage_confidence)
    try:
        message = actions.reply_to_ticket(
            ticket, body=answer.body, author=None, author_kind=Message.AuthorKind.AI, commits_amount=None
        )
    except AiNotAllowed as refused:
        answer.handoff = str(refused.message)
        return _refuse(ticket, answer, ticket.triage_confidence)
    share = ReviewSampling.current_share()
    attempt = AiResolution.objects.create(
        ticket=ticket,
        message=message,
        flow=answer.flow,
        outcome=AiResolution.Outcome.SENT,
        body=answer.body,
        facts=[fact.as_json() for fact in answer.facts],
        confidence=ticket.triage_confidence,
        # Seeded by the message id: the same reply is always in (or out of) the sample.
        sampled=random.Random(message.pk).random() < share,
    )
    events.record(
        ticket,
        TicketEvent.Kind.AI_ACTION,
        actor_kind="ai",
        data={
            "action": rule.action if rule else "reply",
            "action_rule": rule.slug if rule else None,
            "message_id": message.pk,
            "flow": answer.flow,
            "facts": attempt.facts,
            "confidence": ticket.triage_confidence,
            "resolution_id": attempt.pk,
        },
    )
    return attempt


def _refuse(
    ticket: Ticket, answer: Answer, confidence: float | None, *, keep_draft: bool = False
) -> AiResolution:
    """Leave the composed text as the draft, record why the AI did not send it, hand to people."""
    if answer.body and not keep_draft:
        ticket.ai_draft = answer.body
        ticket.save(update_fields=["ai_draft", "updated_at"])
    attempt = AiResolution.objects.create(
        ticket=ticket,
        flow=answer.flow,
        outcome=AiResolution.Outcome.DRAFTED,
        body=answer.body,
        facts=[fact.as_json() for fact in answer.facts],
        confidence=confidence,
        refusal=answer.handoff,
    )
    events.record(
        ticket,
        TicketEvent.Kind.AI_ACTION,
        actor_kind="ai",
        data={
            "action": "handed_to_people",
            "flow": answer.flow,
            "reason": answer.handoff,
            "facts": attempt.facts,
            "resolution_id": attempt.pk,
        },
    )
    hand_to_people(ticket, reason=f"AI did not answer: {answer.handoff}", actor=None)
    return attempt


def resolve_quiet_tickets(*, now=None) -> int:
    """Resolve AI-answered tickets whose customer has not written back within
    ``settings.AI_QUIET_HOURS`` (the answer was enough). Returns how many were resolved."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=getattr(settings, "AI_QUIET_HOURS", 24))
    quiet = (
        Ticket.objects.open()
        .filter(handled_by_ai=True, last_agent_message_at__lte=cutoff, ai_resolutions__outcome="sent")
        .exclude(last_customer_message_at__gt=cutoff)
        .distinct()
        .values_list("pk", flat=True)
    )
    return sum(1 for ticket_id in list(quiet) if resolve_answered_ticket(Ticket(pk=ticket_id)))


@transaction.atomic
def resolve_answered_ticket(ticket: Ticket) -> bool:
    """Resolve one ticket the AI answered and the customer did not come back on (idempotent)."""
    ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket.pk).first()
    if ticket is None or not (ticket.is_open and ticket.handled_by_ai) or _unanswered(ticket):
        return False
    attempt = ticket.ai_resolutions.filter(outcome=AiResolution.Outcome.SENT).first()
    if attempt is None or not attempt.facts:
        return False
    cause, _ = RootCause.objects.get_or_create(name=AI_ROOT_CAUSE)
    actions.resolve_ticket(
        ticket,
        actor=None,
        actor_kind="ai",
        resolution_method=Ticket.ResolutionMethod.AI_AUTOMATED,
        root_cause=cause,
        note=f"Answered by the {attempt.flow.replace('_', ' ')} flow; the customer did not write back.",
    )
    return True


def may_review(user: AbstractBaseUser) -> bool:
    return has_role(user, ROLE_MANAGER, ROLE_SENIOR, ROLE_ADMIN)


def check_may_review(user: AbstractBaseUser) -> None:
    if not may_review(user):
        raise NotAllowed("Only managers and senior agents review the AI's replies.")


@transaction.atomic
def review_ai_reply(
    attempt: AiResolution,
    *,
    reviewer: AbstractBaseUser,
    verdict: str,
    reason: str,
    correct_issue_type: str = "",
) -> AiReview:
    """Mark one AI reply right or wrong with a reason; a wrong one with the right issue type is a
    classification override too, which the triage learning loop trains on."""
    check_may_review(reviewer)
    if verdict not in AiReview.Verdict.values:
        raise InvalidInput("Say whether the AI's reply was right or wrong.", field="verdict")
    if verdict == AiReview.Verdict.WRONG and not reason.strip():
        raise InvalidInput("Say what was wrong.", field="reason")
    attempt = AiResolution.objects.select_for_update().select_related("ticket").get(pk=attempt.pk)
    if AiReview.objects.filter(resolution=attempt).exists():
        raise IllegalTransition("This AI reply has already been reviewed.")
    review = AiReview.objects.create(
        resolution=attempt,
        reviewer=reviewer,
        verdict=verdict,
        reason=reason.strip(),
        correct_issue_type=correct_issue_type,
    )
    events.record(
        attempt.ticket,
        TicketEvent.Kind.AI_ACTION,
        actor=reviewer,
        data={
            "action": "reviewed",
            "verdict": verdict,
            "reason": reason.strip(),
            "resolution_id": attempt.pk,
        },
    )
    if correct_issue_type and correct_issue_type != attempt.ticket.issue_type:
        from routing.triage import override_classification

        override_classification(
            attempt.ticket,
            actor=reviewer,
            issue_type=correct_issue_type,
            reason=f"AI review: {reason.strip() or 'wrong issue type'}",
        )
    return review


@transaction.atomic
def set_review_share(share: float, *, actor: AbstractBaseUser) -> ReviewSampling:
    """A manager sets the share of AI replies sampled into the review queue."""
    check_may_review(actor)
    if not 0 <= share <= 1:
        raise InvalidInput("The share is between 0 and 1.", field="share")
    row = ReviewSampling.objects.select_for_update().order_by("pk").first() or ReviewSampling()
    row.share, row.updated_by = share, actor
    row.save()
    return row


def take_over(ticket: Ticket, *, actor: AbstractBaseUser, reason: str = "") -> Ticket:
    """One click: a person takes the ticket from the AI (routing records and reverts it)."""
    from routing.automation import take_over_from_ai

    return take_over_from_ai(ticket, actor=actor, reason=reason or "Taken over from the AI.")
