"""Guardrails asked before an outbound reply leaves (``settings.REPLY_POLICY``).

- Money above ``Thresholds.approval_amount`` is held until a person with the approving role
  approves it (the approval request is created here if none is open), whoever sends the reply,
  so neither the inbox nor the API nor AI can promise it first.
- Automatic acknowledgements (``OutboundReply.is_auto``, no money) are not answers: AI may send
  them on any ticket.
- AI never answers high-emotion, reputation, legal/safety or policy-exception tickets, nor at a
  tier where AI may not answer; elsewhere only where an active action rule allows it and the
  triage confidence reaches that rule's floor.
"""

from __future__ import annotations

from decimal import Decimal

from helpdesk.errors import NotAllowed
from routing import config
from routing.conditions import active_signals
from routing.models import ActionRule, Approval, Thresholds
from tickets.actions import OutboundReply, ReplyDecision
from tickets.models import Message, Ticket

GUARDED_SIGNALS = ("legal", "safety", "reputation", "policy_exception")
# Actions that move money (a return refunds, a cancellation refunds): their rule's amount cap
# applies to the amount at stake. Answering a question moves none, so an order's total (which
# triage records as the amount at stake) does not stop AI from saying where the order is; a
# reply that commits money is still held by the approval check below.
MONEY_ACTIONS = frozenset({"start_return", "cancel_order"})
DEFAULT_APPROVER = "manager"


class AiNotAllowed(NotAllowed):
    """AI may not act alone on this ticket; a person must send the reply."""

    code = "ai_not_allowed"


def ai_blockers(ticket: Ticket, *, thresholds: Thresholds | None = None) -> list[str]:
    """Why AI may not answer ``ticket`` by itself (empty when nothing forbids it)."""
    thresholds = thresholds or config.current().thresholds
    reasons = [
        f"{signal.replace('_', ' ')} signal" for signal in active_signals(ticket) if signal in GUARDED_SIGNALS
    ]
    if ticket.sentiment_score is not None and ticket.sentiment_score <= thresholds.high_emotion_sentiment:
        reasons.append(f"high emotion (sentiment {ticket.sentiment_score:.2f})")
    if ticket.tier_id and not ticket.tier.ai_may_answer:
        reasons.append(f"AI may not answer at tier {ticket.tier}")
    return reasons


def allowing_action_rule(ticket: Ticket, *, rules=None) -> ActionRule | None:
    """The first active action rule that lets AI act alone on ``ticket``, if any."""
    candidates = rules if rules is not None else config.current().action_rules
    for rule in candidates:
        if ticket.issue_type not in rule.issue_types:
            continue
        if ticket.triage_confidence is None or ticket.triage_confidence < rule.confidence_floor:
            continue
        if rule.requires_order and not ticket.order_id:
            continue
        amount = ticket.amount_at_stake if rule.action in MONEY_ACTIONS else None
        if amount is not None and amount > 0 and (rule.amount_cap is None or amount > rule.amount_cap):
            continue
        return rule
    return None


def approval_role_for(ticket: Ticket) -> str:
    """The role a routing rule named for this ticket's approvals, else managers."""
    decision = ticket.routing_decisions.order_by("-created_at", "-id").first()
    for item in decision.approvals_required if decision else []:
        if item.get("role"):
            return item["role"]
    return DEFAULT_APPROVER


def money_is_approved(ticket: Ticket, amount: Decimal) -> bool:
    """A person approved at least ``amount`` on this ticket (an approval covers replies up to it)."""
    return Approval.objects.filter(
        ticket=ticket, status=Approval.Status.APPROVED, amount__gte=amount
    ).exists()


def check_reply(reply: OutboundReply) -> str:
    """Return ``SEND`` or ``HOLD`` for ``reply``; raise ``AiNotAllowed`` to refuse an AI reply.

    Called by ``tickets.actions.reply_to_ticket`` with the ticket locked. A HOLD creates the
    approval request (unless one is already pending on the ticket); the approval releases it.
    """
    ticket = reply.ticket
    thresholds = config.current().thresholds
    # An automatic acknowledgement answers nothing and promises nothing: the AI guardrails are
    # about answers, so it goes out even on guarded tickets (money is still checked below).
    acknowledgement = reply.is_auto and reply.commits_amount is None
    if reply.author_kind == Message.AuthorKind.AI and not acknowledgement:
        blockers = ai_blockers(ticket, thresholds=thresholds)
        if blockers:
            raise AiNotAllowed(f"AI may not reply alone: {'; '.join(blockers)}. A person must send it.")
        if allowing_action_rule(ticket) is None:
            raise AiNotAllowed(
                "No action rule lets AI answer this ticket alone "
                f"(issue type {ticket.issue_type or 'unknown'}, confidence {ticket.triage_confidence})."
            )
    amount = reply.commits_amount
    if amount is None or amount <= thresholds.approval_amount:
        return ReplyDecision.SEND
    if money_is_approved(ticket, amount):
        return ReplyDecision.SEND
    if not Approval.objects.pending().filter(ticket=ticket, amount__gte=amount).exists():
        from routing.approvals import request_approval

        request_approval(
            ticket,
            requested_by=reply.author,
            amount=amount,
            reason=f"A reply commits {amount}, above the approval amount {thresholds.approval_amount}.",
            role=approval_role_for(ticket),
        )
    return ReplyDecision.HOLD
