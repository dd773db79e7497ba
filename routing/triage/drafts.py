"""Summaries and draft replies in the store's voice, and the guardrail every draft passes.

A draft is a starting point for a person: it states only facts triage has (the order, the
policy), never invents a promise, never promises money above the approval threshold, and
never admits liability on legal or safety cases. Frustrated customers get an apology and
plain acknowledgement first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from routing import policies
from routing.triage import extraction, text
from routing.triage.backends.base import DraftContext, MessageText, OrderFacts

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PROMISE = re.compile(
    r"(?i)\b(?:refund|reimburse|compensat\w*|credit|pay (?:you|back)|send you|transfer|goodwill|voucher)\b"
)
_LIABILITY = re.compile(
    r"(?i)\b(?:our fault|we are (?:responsible|liable)|we accept (?:liability|responsibility)|we admit)\b"
)

TYPE_PHRASES = {
    "order_status": "where your order is",
    "delivery_problem": "the problem with your delivery",
    "return_request": "returning your item",
    "refund_request": "your refund",
    "cancellation": "cancelling your order",
    "order_change": "the change to your order",
    "product_defect": "the fault with your product",
    "billing": "the charge on your account",
    "account": "your account",
    "product_question": "your question about the product",
    "policy_question": "your question about our policy",
    "complaint": "your experience with us",
    "other": "your message",
}


def _first_sentence(body: str, limit: int = 200) -> str:
    cleaned = text.prepare(body)
    sentence = _SENTENCE.split(cleaned, maxsplit=1)[0] if cleaned else ""
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def summarize_thread(thread: Sequence[MessageText]) -> str:
    """What the customer asks (their latest message) and what has been done so far."""
    customer = [m for m in thread if m.author == "customer" and m.body.strip()]
    if not customer:
        return "No customer message with text yet."
    parts = [f"The customer asks: “{_first_sentence(customer[-1].body)}”"]
    if len(customer) > 1:
        parts.append(
            f"First message ({len(customer)} from the customer so far): “{_first_sentence(customer[0].body)}”"
        )
    replies = [m for m in thread if m.author in {"agent", "ai"}]
    if replies:
        by = {"agent": "an agent", "ai": "the AI"}
        answered = "; the customer wrote again after it" if thread[-1].author == "customer" else ""
        parts.append(
            f"So far: {len(replies)} repl{'y' if len(replies) == 1 else 'ies'}, the last from "
            f"{by[replies[-1].author]}{answered}."
        )
    else:
        parts.append("So far: no reply yet.")
    return " ".join(parts)


def summarize_ticket(
    summary: str,
    *,
    issue_type: str,
    order: OrderFacts | None,
    amount: Decimal | None,
    currency: str,
) -> str:
    """The summary with the ticket's facts: the ask, the order (state, total, tracking) and the
    amount at stake, so an agent reads them without opening the order."""
    facts = []
    if order is not None:
        state = (order.fulfillment_status or order.status or "").replace("_", " ")
        line = f"order #{order.number}" + (f" ({state}" if state else " (")
        line += f", {order.total} {order.currency})" if order.total else ")"
        if order.tracking_number:
            line += f", tracking {order.carrier} {order.tracking_number}".replace("  ", " ")
        facts.append(line)
    if amount is not None and (order is None or amount != order.total):
        facts.append(f"amount at stake {amount} {currency}".strip())
    ask = f"About {TYPE_PHRASES.get(issue_type, 'this')}."
    return " ".join([ask, summary, f"Facts: {'; '.join(facts)}." if facts else ""]).strip()


def _greeting(context: DraftContext) -> str:
    first_name = (context.customer.name or "").split(" ")[0].strip()
    return f"Hi {first_name}," if first_name else "Hello,"


def _order_line(context: DraftContext) -> str:
    order = context.order
    if order is None:
        return ""
    status = (order.fulfillment_status or order.status or "").replace("_", " ")
    line = (
        f"Your order #{order.number} is currently {status}"
        if status
        else f"I have your order #{order.number} in front of me"
    )
    if order.carrier and order.tracking_number:
        line += f", shipped with {order.carrier} (tracking {order.tracking_number})"
    if order.tracking_url:
        line += f": {order.tracking_url}"
    return line + "."


def _answering_sentence(context: DraftContext) -> str:
    """The sentence of the ticket's policy that answers what the customer wrote (empty when none
    does: a draft quotes only what applies to this ticket)."""
    if context.policy is None:
        return ""
    question = " ".join(m.body for m in context.thread if m.author == "customer")
    found = policies.best_sentences(question, context.policy.body, limit=1)
    return found[0] if found else ""


def _within_threshold(amount: Decimal | None, context: DraftContext) -> bool:
    return amount is not None and amount <= context.approval_amount


def _body(context: DraftContext) -> list[str]:
    c = context.classification
    signals = c.signals
    order_line = _order_line(context)
    ask_order = (
        "" if context.order or c.order_numbers else "Could you send me your order number so I can look it up?"
    )
    amount = c.amount if c.amount is not None else (context.order.total if context.order else None)
    lines: list[str] = []
    if "safety" in signals:
        lines.append(
            "Please stop using the product straight away. Your safety comes first, and a senior member of "
            "our team is taking this over personally today."
        )
        lines.append(
            "If anyone needs medical attention, please contact a doctor or the emergency services first."
        )
        return lines + ([ask_order] if ask_order else [])
    if "legal" in signals:
        lines.append(
            "I have passed your message to a senior member of our team, who will review the case in full "
            "and reply to you personally."
        )
        return lines
    kind = c.issue_type
    if kind == "order_status":
        lines += [
            order_line or ask_order,
            "As soon as the carrier scans the parcel again, the tracking page updates too.",
        ]
    elif kind == "delivery_problem":
        lines += [
            order_line or ask_order,
            "I am opening an investigation with the carrier now. If the parcel cannot be found or arrived "
            "damaged, we will send a replacement or refund it, as our shipping policy promises, without "
            "waiting for the carrier's outcome.",
        ]
    elif kind == "return_request":
        lines += [
            order_line,
            ask_order,
            "I can start the return for you: once you confirm which items you are sending back, I will email you a prepaid return label.",
        ]
    elif kind == "refund_request":
        lines.append(order_line or ask_order)
        if _within_threshold(amount, context):
            lines.append(
                "I am checking the refund now and will confirm the amount and timing as soon as it is processed; refunds reach the original payment method within 5 business days."
            )
        else:
            lines.append(
                "Because of the amount involved, a colleague needs to approve the refund; I have asked for it and will come back to you within one business day."
            )
    elif kind == "cancellation":
        lines += [
            order_line or ask_order,
            "If the order has not been packed yet I can cancel it, and the full amount goes back to your original payment method; I will confirm once it is done.",
        ]
    elif kind == "order_change":
        lines += [
            order_line or ask_order,
            "Please send me the exact change (new address or items). We can change an order until it is packed, and I will confirm as soon as it is updated.",
        ]
    elif kind == "product_defect":
        lines += [
            order_line or ask_order,
            "Could you send a photo or short video of the problem? Our warranty covers manufacturing "
            "defects for 2 years, and once I have it I will arrange a replacement or repair.",
        ]
    elif kind == "billing":
        lines += [
            "I am checking the payment on our side now.",
            "If you were charged twice or wrongly, the extra charge is reversed as soon as our payment provider confirms it, usually within 2 business days.",
        ]
    elif kind == "account":
        lines.append(
            "I can help with your account. For your security, please confirm the email address you signed up with, and never send us your password."
        )
    elif kind in {"product_question", "policy_question"}:
        if not _answering_sentence(context):
            lines.append("I am checking this for you and will come back to you with the answer.")
    elif kind == "complaint":
        lines.append(
            "Thank you for telling us. I have read your message in full and I am looking into what went wrong, so that I can put it right."
        )
    else:
        lines.append("Thank you for getting in touch; I am looking into this for you.")
    if context.policy and kind in {
        "return_request",
        "refund_request",
        "delivery_problem",
        "product_defect",
        "policy_question",
        "cancellation",
    }:
        policy_sentence = _answering_sentence(context)
        if policy_sentence:
            lines.append(f"Our {context.policy.title.lower()} says: “{policy_sentence}”")
    if kind != "refund_request" and "refund_request" in c.secondary_types:
        if amount is not None and not _within_threshold(amount, context):
            lines.append(
                "As for the refund you asked for, a colleague needs to approve it because of the amount; I have asked for it and will come back to you within one business day."
            )
        else:
            lines.append(
                "As for the refund you asked for, I will confirm it with you as soon as the details are checked."
            )
    if "policy_exception" in signals:
        lines.append(
            "Your request goes beyond our standard policy, so a team lead will review it and I will let you know their decision."
        )
    if "asks_for_human" in signals:
        lines.append("A member of our team is handling your case personally.")
    return [line for line in lines if line]


def compose_draft(context: DraftContext) -> str:
    """A reply built from the type, the customer's facts and the policy (guardrail applied)."""
    c = context.classification
    opening: list[str] = []
    if c.sentiment == "frustrated" or "repeat_complaint" in c.signals:
        topic = TYPE_PHRASES.get(c.issue_type, "this")
        opening.append(f"I am really sorry about {topic}, and I understand how frustrating this is.")
        if "repeat_complaint" in c.signals:
            opening.append("You should not have had to contact us about this again.")
    else:
        opening.append(
            f"Thank you for contacting {context.store_name} about {TYPE_PHRASES.get(c.issue_type, 'this')}."
        )
    paragraphs = [_greeting(context), " ".join(opening), " ".join(_body(context))]
    paragraphs.append("Kind regards,\nThe customer care team")
    draft = "\n\n".join(p for p in paragraphs if p.strip())
    return enforce_guardrails(draft, context)[0]


def enforce_guardrails(draft: str, context: DraftContext) -> tuple[str, list[str]]:
    """Remove what a draft may not say; return the safe text and what was removed and why.

    Every backend's draft passes here: any sentence that offers money above the approval
    threshold (or, on legal and safety cases, any money or admission of liability) is
    replaced by a neutral line that a person must fill in.
    """
    removed: list[str] = []
    kept: list[str] = []
    sensitive = bool({"legal", "safety"} & set(context.classification.signals))
    for paragraph in draft.split("\n\n"):
        sentences = []
        for sentence in _SENTENCE.split(paragraph):
            amounts = [value for value, _ in extraction.extract_amounts(sentence)]
            offers_money = bool(_PROMISE.search(sentence))
            too_much = offers_money and any(value > context.approval_amount for value in amounts)
            if too_much or (sensitive and (_LIABILITY.search(sentence) or (offers_money and amounts))):
                removed.append(sentence)
                if not any("approve" in s for s in sentences):
                    sentences.append(
                        "A colleague needs to approve any compensation, and we will confirm the details with you."
                    )
                continue
            if _LIABILITY.search(sentence):
                removed.append(sentence)
                continue
            sentences.append(sentence)
        kept.append(" ".join(sentences))
    return "\n\n".join(p for p in kept if p.strip()), removed
