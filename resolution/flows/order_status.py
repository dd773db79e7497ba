"""Where is my order: one answer per fulfilment state, each quoting the order's own record.

Not shipped yet -> the expected ship date; on its way -> carrier, tracking number and link and
the last update; out for delivery; delayed -> what happens next (the shipping policy's rule);
delivered -> the date, except when the customer says it never arrived: that goes to a person,
as do lost and returned parcels. No order found -> ask for the number once, then a person.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from resolution import records
from resolution.context import Context
from resolution.facts import Answer, Fact, format_date
from resolution.flows.common import closing, greeting
from routing import policies as passages
from tickets.models import Order

FLOW = "order_status"
F = Order.Fulfillment
NOT_RECEIVED = re.compile(
    r"(?i)\b(?:not|never|haven'?t|didn'?t|did not|have not)\s+(?:been\s+)?(?:received|arrived|got|get|receive|come)\b"
    r"|\b(?:don'?t|do not) have it\b|\bnot (?:there|here)\b|\bstolen\b|\bnothing (?:arrived|came)\b"
)
# Orders placed before this hour on a business day ship the same day (the shipping policy).
CUTOFF = time(14, 0)
STATUS_WORDS = {
    F.UNFULFILLED: "not shipped yet",
    F.PROCESSING: "being packed",
    F.SHIPPED: "on its way",
    F.IN_TRANSIT: "on its way",
    F.OUT_FOR_DELIVERY: "out for delivery",
    F.DELAYED: "delayed",
    F.DELIVERED: "delivered",
}


def _next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def expected_ship_date(placed_at: datetime) -> date:
    """Same business day before the cut-off, else the next business day (the shipping policy)."""
    local = timezone.localtime(placed_at)
    ships = local.date()
    if local.weekday() >= 5 or local.time() >= CUTOFF:
        ships = _next_business_day(ships)
    return ships


def _tracking(order: Order, source: str, facts: list[Fact]) -> str:
    facts.append(Fact("carrier", order.carrier, source, "carrier"))
    facts.append(Fact("tracking_number", order.tracking_number, source, "tracking number"))
    text = f"with {order.carrier}, tracking number {order.tracking_number}"
    if order.tracking_url:
        facts.append(Fact("tracking_url", order.tracking_url, source, "tracking link"))
        text += f" (follow it here: {order.tracking_url})"
    return text


def _sentence(order: Order, context: Context, facts: list[Fact]) -> tuple[str, str]:
    """(sentence, hand-off reason) for one order."""
    source = f"order #{order.number}"
    facts.append(Fact("order_number", f"#{order.number}", source, "order"))
    state = order.fulfillment_status
    if order.status == Order.Status.CANCELLED:
        return "", f"order #{order.number} is cancelled"
    if state in (F.UNFULFILLED, F.PROCESSING):
        due = expected_ship_date(order.placed_at)
        if due < timezone.localtime(context.now).date():
            return "", f"order #{order.number} should have shipped on {format_date(due)} and has not"
        ships = format_date(due)
        placed = format_date(order.placed_at)
        facts += [Fact("date", placed, source, "placed"), Fact("date", ships, source, "expected ship date")]
        doing = "is being packed" if state == F.PROCESSING else "has not shipped yet"
        return (
            f"Your order #{order.number}, placed on {placed}, {doing}; it is expected to leave our "
            f"warehouse on {ships}, and the tracking link is emailed to you as soon as it does.",
            "",
        )
    if state in (F.SHIPPED, F.IN_TRANSIT, F.OUT_FOR_DELIVERY, F.DELAYED, F.DELIVERED) and not (
        order.carrier and order.tracking_number
    ):
        return "", f"order #{order.number} is {state} but has no carrier or tracking number on record"
    if state in (F.SHIPPED, F.IN_TRANSIT):
        shipped = format_date(order.shipped_at)
        line = f"Your order #{order.number} is on its way {_tracking(order, source, facts)}."
        scan = records.last_scan(order)
        if scan is not None:
            when = format_date(scan.at)
            facts.append(Fact("date", when, f"carrier scan of order #{order.number}", "last scan"))
            line += f" The last scan: {scan.text}, on {when}."
        elif shipped:
            facts.append(Fact("date", shipped, source, "shipped"))
            line += f" The last update: handed to {order.carrier} on {shipped}."
        return line, ""
    if state == F.OUT_FOR_DELIVERY:
        return f"Your order #{order.number} is out for delivery today {_tracking(order, source, facts)}.", ""
    if state == F.DELAYED:
        rule = passages.passage_about(context.policies, "shipping", "no movement")
        if rule is None:
            return "", f"order #{order.number} is delayed and no shipping policy says what happens next"
        facts.append(Fact("passage", rule.text, rule.source, "what happens next"))
        return (
            f"Your order #{order.number} is delayed {_tracking(order, source, facts)}. "
            f"What happens next, from our {rule.policy.lower()}: “{rule.text}”",
            "",
        )
    if state == F.DELIVERED:
        if NOT_RECEIVED.search(context.question):
            return "", f"order #{order.number} is marked delivered but the customer says it did not arrive"
        delivered = format_date(order.delivered_at)
        if not delivered:
            return "", f"order #{order.number} is marked delivered without a delivery date"
        facts.append(Fact("date", delivered, source, "delivered"))
        return (
            f"Your order #{order.number} was delivered on {delivered} {_tracking(order, source, facts)}.",
            "",
        )
    return "", f"order #{order.number} is {order.get_fulfillment_status_display().lower()}"


def compose(context: Context) -> Answer:
    answer = Answer(flow=FLOW)
    if not context.orders:
        if context.asked_for_order_before:
            answer.handoff = "no order found after asking the customer for the order number once"
            return answer
        answer.asks_for_order = True
        answer.body = "\n\n".join(
            [
                greeting(context),
                "Could you send me your order number (it starts with # in your confirmation email), or "
                "the email address you ordered with? Then I can tell you exactly where your parcel is.",
                closing(),
            ]
        )
        return answer
    lines, reasons = [], []
    for order in context.orders:
        line, reason = _sentence(order, context, answer.facts)
        if reason:
            reasons.append(reason)
        else:
            lines.append(line)
            answer.claims[order.number] = order.fulfillment_status
    answer.body = "\n\n".join([greeting(context), *lines, closing()]) if lines else ""
    if reasons:
        answer.handoff = "; ".join(reasons)
    return answer
