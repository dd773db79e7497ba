"""The check every AI answer passes before it is sent; a refusal says why.

Refused: an empty text; a placeholder or a promise of details that are not there; an answer
without the facts it relies on (every fact's value must appear in the text); an order number the
customer does not own; a tracking number or a delivery state that contradicts the order record.
"""

from __future__ import annotations

import re

from resolution.context import Context
from resolution.facts import Answer
from routing.triage import extraction
from tickets.models import Order

PLACEHOLDER = re.compile(
    r"\{\{?[^}]*\}\}?|\[[A-Z][A-Z _]+\]|<[a-z_]+>|\bTBD\b|\bXXX+\b|\?\?\?|\blorem ipsum\b"
    r"|(?i:will answer below|i have the details here|insert [a-z ]+ here)"
)
# A phrase that claims a delivery state, and the record states it may describe.
STATE_PHRASES = {
    "was delivered": {Order.Fulfillment.DELIVERED},
    "out for delivery today": {Order.Fulfillment.OUT_FOR_DELIVERY},
    "is on its way": {Order.Fulfillment.SHIPPED, Order.Fulfillment.IN_TRANSIT},
    "is delayed": {Order.Fulfillment.DELAYED},
    "has not shipped yet": {Order.Fulfillment.UNFULFILLED},
    "is being packed": {Order.Fulfillment.PROCESSING},
}


def _orders_in(body: str) -> set[str]:
    return {n.lstrip("#") for n in extraction.extract_order_numbers(body)}


def check(answer: Answer, context: Context) -> list[str]:
    """Why ``answer`` may not be sent (empty: it may)."""
    problems: list[str] = []
    body = answer.body.strip()
    if not body:
        return ["the answer is empty"]
    if match := PLACEHOLDER.search(body):
        problems.append(f"placeholder in the text: {match[0]!r}")
    if not answer.facts and not answer.asks_for_order:
        problems.append("the answer carries no fact from a record or a policy")
    for fact in answer.facts:
        if fact.value and fact.value not in body:
            problems.append(f"{fact.label or fact.kind} ({fact.value}) from {fact.source} is missing")
    owned = {o.number: o for o in context.orders}
    # Record values (an RMA such as "#1001-R1", a tracking link) are not order numbers.
    prose = body
    for fact in answer.facts:
        if fact.kind != "order_number" and fact.value:
            prose = prose.replace(fact.value, " ")
    for number in _orders_in(prose):
        if number not in owned:
            problems.append(f"order #{number} is not one of this customer's orders on the ticket")
    for number, order in owned.items():
        paragraph = next((p for p in body.split("\n\n") if f"#{number}" in p), "")
        if not paragraph:
            continue
        for phrase, states in STATE_PHRASES.items():
            if phrase in paragraph and order.fulfillment_status not in states:
                problems.append(
                    f"says order #{number} {phrase}, but the record says {order.fulfillment_status}"
                )
        quoted = {f.value for f in answer.facts if f.kind == "passage"}
        unquoted = paragraph
        for text in quoted:
            unquoted = unquoted.replace(text, "")
        if order.tracking_number:
            for token in re.findall(r"tracking number (\S+?)[\s,.)]", unquoted):
                if token != order.tracking_number:
                    problems.append(
                        f"tracking number {token} is not order #{number}'s ({order.tracking_number})"
                    )
    return problems
