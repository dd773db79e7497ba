"""The shapes every flow returns: an answer and the facts it rests on.

A fact is a value copied from a record (order, fulfilment, refund, return) or a policy passage,
with where it came from. The verifier requires each one to appear in the text, so a reply can
never claim to rest on a record it does not quote.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone


@dataclass(frozen=True)
class Fact:
    kind: str  # order_number, status, carrier, tracking_number, tracking_url, date, amount, rma, passage
    value: str
    source: str  # "order #1042", "Return policy v3"
    label: str = ""

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    """What a flow composed. ``handoff`` set means a person must take it (the body is their draft)."""

    flow: str
    body: str = ""
    facts: list[Fact] = field(default_factory=list)
    handoff: str = ""
    # The status a sentence claims for an order number, checked against the record.
    claims: dict[str, str] = field(default_factory=dict)
    resolution_method: str = "information"
    # Asking for the order number is the one answer that carries no record on purpose.
    asks_for_order: bool = False

    @property
    def sendable(self) -> bool:
        return not self.handoff


def format_amount(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}".strip()


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value:%A %-d %B %Y}"
