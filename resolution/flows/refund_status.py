"""Where is my refund: the amount, the method, the date it was processed and the bank's delay.

No refund recorded: a cancelled order gets what happens next from the refund policy; anything
else (a refund still to be decided, a partial refund without records) goes to a person.
"""

from __future__ import annotations

from resolution import records
from resolution.context import Context
from resolution.facts import Answer, Fact, format_amount, format_date
from resolution.flows.common import closing, greeting
from routing import policies as passages
from tickets.models import Order

FLOW = "refund_status"
# Banks usually show a processed refund within this many business days (stated, not promised).
BANK_DAYS = "3-5"


def compose(context: Context) -> Answer:
    answer = Answer(flow=FLOW)
    if not context.orders:
        answer.handoff = "no order to look the refund up on"
        return answer
    lines, reasons = [], []
    for order in context.orders:
        source = f"order #{order.number}"
        refunds = records.refunds_for(order)
        if refunds:
            answer.facts.append(Fact("order_number", f"#{order.number}", source, "order"))
            for refund in refunds:
                amount = format_amount(refund.amount, refund.currency)
                answer.facts.append(Fact("amount", amount, refund.source, "refund amount"))
                line = f"A refund of {amount} on your order #{order.number} went back to your original payment method"
                if refund.processed_at:
                    processed = format_date(refund.processed_at)
                    answer.facts.append(Fact("date", processed, refund.source, "processed"))
                    line += f" on {processed}"
                lines.append(
                    line + f"; banks usually show it on your statement within {BANK_DAYS} business days."
                )
            continue
        if order.status == Order.Status.CANCELLED:
            rule = passages.passage_about(context.policies, "refunds", "cancelled before")
            if rule:
                amount = format_amount(order.total, order.currency)
                answer.facts += [
                    Fact("order_number", f"#{order.number}", source, "order"),
                    Fact("amount", amount, source, "order total"),
                    Fact("passage", rule.text, rule.source, "what happens next"),
                ]
                lines.append(
                    f"Your order #{order.number} is cancelled and its {amount} is on its way back to you; "
                    f"our {rule.policy.lower()} says: “{rule.text}”"
                )
                continue
        reasons.append(f"no refund recorded on order #{order.number}")
    answer.body = "\n\n".join([greeting(context), *lines, closing()]) if lines else ""
    if reasons:
        answer.handoff = "; ".join(reasons)
    answer.resolution_method = "information"
    return answer
