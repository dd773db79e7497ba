"""Guardrails asked before an outbound reply leaves (``settings.REPLY_POLICY``).

- Money above ``Thresholds.approval_amount`` is held until a person with the approving role
  approves it, whoever sends the reply, so neither the inbox nor the API nor AI can promise it
  first. The amount is read from the reply's words (``routing.money``) as well as the declared
  field, and added to what the ticket's earlier replies promised; each held reply gets its own
  approval, bound to it and its amount.
- Automatic acknowledgements (``OutboundReply.is_auto``, no money) are not answers: AI may send
  them on any ticket.
- AI never answers high-emotion, reputation, legal/safety or policy-exception tickets, nor at a
  tier where AI may not answer; elsewhere only where an active action rule allows it and the
  triage confidence reaches that rule's floor.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from helpdesk.errors import NotAllowed
from routing import config, money
from routing.conditions import active_signals
from routing.models import ActionRule, Thresholds
from tickets.actions import OutboundReply, PolicyAnswer, ReplyDecision
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


def earlier_commitments(ticket: Ticket) -> Decimal:
    """Money the ticket's replies already promised (sent or on their way; held and discarded
    replies promised nothing yet). One aggregate over the ticket's messages."""
    total = (
        Message.objects.filter(
            ticket=ticket,
            direction=Message.Direction.OUTBOUND,
            is_internal=False,
            metadata__has_key="commits_amount",
        )
        .exclude(delivery_status__in=[Message.Delivery.HELD, Message.Delivery.NOT_APPLICABLE])
        .aggregate(
            total=Sum(
                Cast(
                    KeyTextTransform("commits_amount", "metadata"),
                    DecimalField(max_digits=14, decimal_places=2),
                )
            )
        )["total"]
    )
    return total or Decimal("0")


def reply_commitment(reply: OutboundReply) -> tuple[Decimal | None, bool]:
    """What ``reply`` promises: the larger of the declared amount and what its words say
    (``routing.money``), and whether a full refund of an unknown sum is promised."""
    ticket = reply.ticket
    whole_order = ticket.order.total if ticket.order_id and ticket.order else ticket.amount_at_stake
    read, unbounded = money.committed_amount(reply.body, whole_order=whole_order)
    declared = reply.commits_amount
    amount = max(declared or Decimal("0"), read)
    if amount == 0 and declared is None:
        return None, unbounded
    return amount, unbounded


def check_reply(reply: OutboundReply) -> PolicyAnswer:
    """Answer ``SEND`` or ``HOLD`` for ``reply``; raise ``AiNotAllowed`` to refuse an AI reply.

    Called by ``tickets.actions.reply_to_ticket`` with the ticket locked. The money the reply
    promises (declared or written) is added to what earlier replies promised; above the
    approval amount the reply is held and bound to an approval for its amount (a routing rule's
    pending money gate that covers it, else a new one); approving releases that message and no
    other.
    """
    ticket = reply.ticket
    thresholds = config.current().thresholds
    amount, unbounded = reply_commitment(reply)
    # An automatic acknowledgement answers nothing and promises nothing: the AI guardrails are
    # about answers, so it goes out even on guarded tickets (money is still checked below).
    acknowledgement = reply.is_auto and amount is None and not unbounded
    if reply.author_kind == Message.AuthorKind.AI and not acknowledgement:
        blockers = ai_blockers(ticket, thresholds=thresholds)
        if blockers:
            raise AiNotAllowed(f"AI may not reply alone: {'; '.join(blockers)}. A person must send it.")
        if allowing_action_rule(ticket) is None:
            raise AiNotAllowed(
                "No action rule lets AI answer this ticket alone "
                f"(issue type {ticket.issue_type or 'unknown'}, confidence {ticket.triage_confidence})."
            )
    if not unbounded and (amount is None or amount == 0):
        return PolicyAnswer(ReplyDecision.SEND, commits_amount=amount)
    earlier = earlier_commitments(ticket)
    total = earlier + (amount or Decimal("0"))
    if not unbounded and total <= thresholds.approval_amount:
        return PolicyAnswer(ReplyDecision.SEND, commits_amount=amount)
    if unbounded:
        reason = "A reply promises a full refund of an amount the ticket does not know."
    elif earlier:
        reason = (
            f"A reply commits {amount}; with {earlier} promised earlier on this ticket that is {total}, "
            f"above the approval amount {thresholds.approval_amount}."
        )
    else:
        reason = f"A reply commits {amount}, above the approval amount {thresholds.approval_amount}."

    def open_approval(message: Message) -> None:
        from routing.approvals import bind_pending, request_approval

        # A gate already open for this much money (a routing rule's) takes this reply; otherwise
        # the reply gets its own approval. Either way the approval is bound to this message.
        if amount is not None and bind_pending(ticket, message, amount=amount):
            return
        request_approval(
            ticket,
            requested_by=reply.author,
            amount=amount,
            reason=reason,
            role=approval_role_for(ticket),
            message=message,
        )

    return PolicyAnswer(ReplyDecision.HOLD, commits_amount=amount, on_stored=open_approval)
