"""Return initiation: eligible (delivered within the policy's window, not over the small-returns
amount) -> the return is created at the store and the RMA and label go to the customer; not
eligible, above the amount, or no store connection to create it -> a person, with the reason."""

from __future__ import annotations

import re
from decimal import Decimal

from resolution import records
from resolution.context import Context
from resolution.facts import Answer, Fact, format_date
from resolution.flows.common import closing, greeting
from routing import config
from routing import policies as passages
from tickets.models import Order

FLOW = "returns"
_WINDOW = re.compile(r"within (\d+) days of delivery")


def small_returns_cap() -> Decimal | None:
    """The amount cap of the active action rule that lets AI start returns."""
    for rule in config.current().action_rules:
        if rule.action == "start_return":
            return rule.amount_cap
    return None


def eligibility(order: Order, context: Context) -> str:
    """Empty when the order may be returned by the AI alone; else why not."""
    rule = passages.passage_about(context.policies, "returns", "within", "days")
    match = _WINDOW.search(rule.text) if rule else None
    if match is None:
        return "no return window found in the return policy"
    if order.fulfillment_status != Order.Fulfillment.DELIVERED or order.delivered_at is None:
        return f"order #{order.number} is not delivered yet"
    days = int(match[1])
    if (context.now - order.delivered_at).days > days:
        return f"order #{order.number} was delivered on {format_date(order.delivered_at)}, outside the {days}-day window"
    cap = small_returns_cap()
    if cap is None or order.total > cap:
        return f"order #{order.number} ({order.total} {order.currency}) is above the small-returns amount ({cap})"
    return ""


def compose(context: Context) -> Answer:
    answer = Answer(flow=FLOW, resolution_method="return")
    if len(context.orders) != 1:
        answer.handoff = "the return needs exactly one order" if context.orders else "no order to return"
        return answer
    order = context.orders[0]
    reason = eligibility(order, context)
    if reason:
        answer.handoff = reason
        return answer
    if order.pk != context.ticket.order_id or not records.store_connected(order):
        answer.handoff = (
            f"order #{order.number} is eligible for a return, but no store connection can create it"
        )
        return answer
    result = records.request_store_action(
        context.ticket, "create_return", {"reason": "Customer return (started by the AI)"}
    )
    if not result.ok:
        answer.handoff = f"the store did not create the return: {result.error}"
        return answer
    source = result.source
    answer.facts += [
        Fact("order_number", f"#{order.number}", f"order #{order.number}", "order"),
        Fact("rma", result.rma, source, "RMA"),
    ]
    lines = [
        f"Your return for order #{order.number} is registered: your return reference (RMA) is {result.rma}.",
    ]
    if result.label_url:
        answer.facts.append(Fact("label_url", result.label_url, source, "return label"))
        lines.append(f"Print your prepaid return label here: {result.label_url}")
    refund = passages.passage_about(context.policies, "refunds", "returned item")
    if refund:
        answer.facts.append(Fact("passage", refund.text, refund.source, "refund timing"))
        lines.append(f"What happens next, from our {refund.policy.lower()}: “{refund.text}”")
    answer.body = "\n\n".join([greeting(context), *lines, closing()])
    return answer
