"""Cancellation of an order that has not shipped, within policy, through the store connection.

Above the approval amount the approval gate applies (a person); shipped, already cancelled or no
store connection to cancel it -> a person, with the reason.
"""

from __future__ import annotations

from resolution import records
from resolution.context import Context
from resolution.facts import Answer, Fact, format_amount
from resolution.flows.common import closing, greeting
from routing import policies as passages
from tickets.models import Order

FLOW = "cancellation"
CANCELLABLE = (Order.Fulfillment.UNFULFILLED, Order.Fulfillment.PROCESSING)


def compose(context: Context) -> Answer:
    answer = Answer(flow=FLOW, resolution_method="cancellation")
    if len(context.orders) != 1:
        answer.handoff = (
            "the cancellation needs exactly one order" if context.orders else "no order to cancel"
        )
        return answer
    order = context.orders[0]
    if order.status != Order.Status.PAID or order.fulfillment_status not in CANCELLABLE:
        answer.handoff = (
            f"order #{order.number} is {order.get_status_display().lower()}, "
            f"{order.get_fulfillment_status_display().lower()}: it cannot be cancelled as it is"
        )
    elif order.total > context.approval_amount:
        answer.handoff = f"cancelling order #{order.number} refunds {order.total}, above the approval amount"
    elif order.pk != context.ticket.order_id or not records.store_connected(order):
        answer.handoff = f"order #{order.number} can be cancelled, but no store connection can do it"
    else:
        result = records.request_store_action(
            context.ticket, "cancel", {"reason": "customer", "refund": True, "restock": True, "notify": False}
        )
        if not result.ok:
            answer.handoff = f"the store did not cancel the order: {result.error}"
            return answer
        amount = format_amount(order.total, order.currency)
        source = f"order #{order.number}"
        answer.facts += [
            Fact("order_number", f"#{order.number}", source, "order"),
            Fact("amount", amount, source, "refund amount"),
        ]
        lines = [
            f"Your order #{order.number} is cancelled, and {amount} goes back to your original payment method."
        ]
        rule = passages.passage_about(context.policies, "refunds", "cancellation is confirmed")
        if rule:
            answer.facts.append(Fact("passage", rule.text, rule.source, "refund timing"))
            lines.append(f"From our {rule.policy.lower()}: “{rule.text}”")
        answer.body = "\n\n".join([greeting(context), *lines, closing()])
    return answer
