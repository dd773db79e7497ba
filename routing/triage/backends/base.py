"""The triage backend protocol and the plain dataclasses it speaks (no ORM objects here).

A backend is pure: it gets text and facts, returns a classification, a summary and a draft.
``routing.triage`` loads the facts from the database, validates whatever a backend returns
(``routing.triage.validation``) and writes the ticket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from tickets.taxonomy import ISSUE_TYPE_SLUGS
from tickets.taxonomy import SIGNALS as SIGNALS  # re-exported: the backends validate against it

ISSUE_TYPES = ISSUE_TYPE_SLUGS
SENTIMENTS = ("frustrated", "neutral", "satisfied")
URGENCIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class MessageText:
    """One message of a thread, oldest first; ``author`` is customer, agent, ai or system."""

    author: str
    body: str
    subject: str = ""


@dataclass(frozen=True)
class CustomerFacts:
    """What triage may know about the customer (filled from the database by the service)."""

    name: str = ""
    vip_level: str = ""
    lifetime_value: Decimal = Decimal("0")
    order_count: int = 0
    # Complaints by the same customer inside the repeat window, this ticket excluded.
    recent_complaints: int = 0
    locale: str = ""


@dataclass(frozen=True)
class OrderFacts:
    number: str
    status: str = ""
    fulfillment_status: str = ""
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    total: Decimal = Decimal("0")
    currency: str = ""
    items: Sequence[str] = ()


@dataclass(frozen=True)
class PolicyText:
    slug: str
    title: str
    version: int
    body: str


@dataclass(frozen=True)
class TicketText:
    """The input of ``classify``: the thread, the subject and the customer facts."""

    subject: str
    thread: Sequence[MessageText]
    customer: CustomerFacts = field(default_factory=CustomerFacts)
    order: OrderFacts | None = None
    issue_types: Sequence[str] = ISSUE_TYPES

    @property
    def customer_text(self) -> str:
        """The customer's own words, newest message last (what triage classifies)."""
        parts = [self.subject] if self.subject else []
        parts += [m.body for m in self.thread if m.author == "customer"]
        return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Classification:
    issue_type: str
    confidence: float
    sentiment: str
    sentiment_score: float
    urgency: str
    # {"legal": ["lawyer", "sue"]}: each raised signal with the words that raised it.
    signals: Mapping[str, Sequence[str]] = field(default_factory=dict)
    signal_confidence: Mapping[str, float] = field(default_factory=dict)
    sentiment_confidence: float = 0.5
    urgency_confidence: float = 0.5
    amount: Decimal | None = None
    currency: str = ""
    order_numbers: Sequence[str] = ()
    product: str = ""
    language: str = "en"
    # Other types the message also touches ("refund and cancel"), most likely first.
    secondary_types: Sequence[str] = ()
    # Why: the cues per type that fired, for the admin and the history row.
    explanation: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    text: str


@dataclass(frozen=True)
class DraftContext:
    """Everything a draft may use: the facts, never more (no invented promises)."""

    thread: Sequence[MessageText]
    classification: Classification
    customer: CustomerFacts
    order: OrderFacts | None
    policy: PolicyText | None
    approval_amount: Decimal
    store_name: str = "the store"
    locale: str = "en"


@dataclass(frozen=True)
class Draft:
    text: str


@dataclass(frozen=True)
class BackendInfo:
    """Stored with every result: which backend and model, which prompt version."""

    backend: str
    model: str = ""
    prompt_version: str = ""
    fallback_reason: str = ""
    raw: Mapping[str, object] = field(default_factory=dict)


@runtime_checkable
class TriageBackend(Protocol):
    name: str
    # Fast backends run inline after intake; slow ones (an LLM) run in a job.
    is_fast: bool

    def classify(self, ticket: TicketText) -> Classification: ...

    def summarize(self, thread: Sequence[MessageText]) -> Summary: ...

    def draft_reply(self, context: DraftContext) -> Draft: ...

    def describe(self) -> BackendInfo: ...
