"""Cancellation of an order that has not shipped, within policy, through the store connection.

Above the approval amount the approval gate applies (a person); shipped, already cancelled or no
store connection to cancel it -> a person, with the reason.
"""

from __future__ import annotations

from resolution import records
from resolution.context import Context
from resolution.facts import Answer
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
    elif not records.store_connected():
        answer.handoff = f"order #{order.number} can be cancelled, but no store connection can do it"
    else:
        answer.handoff = "cancelling at the store is not wired to the AI yet"
    return answer
