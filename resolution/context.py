"""Everything a flow reads, loaded once per ticket: the question, the orders it is about, the
current policies and the limits the admin set."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from routing import config
from routing import policies as passages
from routing.models import PolicyVersion
from routing.triage import extraction
from tickets.models import Message, Order, Ticket

# How many of the customer's recent orders a question without a number may be about.
RECENT_ORDERS = 5


@dataclass
class Context:
    ticket: Ticket
    question: str
    orders: list[Order]
    policies: list[PolicyVersion]
    approval_amount: Decimal
    first_name: str = ""
    asked_for_order_before: bool = False
    now: datetime = field(default_factory=timezone.now)

    @property
    def store_name(self) -> str:
        return getattr(settings, "STORE_NAME", "") or "our store"


def unanswered_text(ticket: Ticket) -> str:
    """The customer's messages since the last public reply (what the answer must address)."""
    rows = list(
        ticket.messages.filter(is_internal=False)
        .order_by("-created_at", "-id")
        .values_list("direction", "body")[:10]
    )
    texts = []
    for direction, body in rows:
        if direction == Message.Direction.OUTBOUND:
            break
        texts.append(body)
    return "\n".join(reversed(texts))


def orders_for(ticket: Ticket, question: str) -> list[Order]:
    """The orders named in the question (the customer's own only), else the ticket's order."""
    numbers = {n.lstrip("#") for n in extraction.extract_order_numbers(question)}
    if numbers and ticket.customer_id:
        named = list(
            Order.objects.filter(customer_id=ticket.customer_id, number__in=numbers).order_by("placed_at")
        )
        if named:
            return named
    if ticket.order_id:
        return [ticket.order]
    return []


def load_context(ticket: Ticket, *, asked_for_order_before: bool = False) -> Context:
    """``asked_for_order_before``: the AI already sent its one question for the order number."""
    question = unanswered_text(ticket)
    return Context(
        ticket=ticket,
        question=question,
        orders=orders_for(ticket, question),
        policies=passages.current_policies(ticket.issue_type),
        approval_amount=config.current().thresholds.approval_amount,
        first_name=re.split(r"\s+", (ticket.customer.name or "").strip())[0] if ticket.customer.name else "",
        asked_for_order_before=asked_for_order_before,
    )
