"""Facts for triage and the agent's brief, read from the database in a fixed number of queries.

Backends never touch the ORM; this module turns a ticket into the plain dataclasses they read
(``TicketText``, ``CustomerFacts``, ``OrderFacts``, ``PolicyText``) and builds the brief the
agent sees: summary, customer history, the order, and the relevant policy with its version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from routing.models import IssueType, Policy, PolicyVersion, Thresholds
from routing.triage.backends.base import (
    ISSUE_TYPES,
    Classification,
    CustomerFacts,
    MessageText,
    OrderFacts,
    PolicyText,
    TicketText,
)
from tickets.models import Message, Order, Ticket

# The newest messages are what matter; a thread of hundreds is cut to its last ones.
MAX_THREAD_MESSAGES = 30
PAST_TICKETS_SHOWN = 5
_POLICY_WORDS = {
    "returns": ("return", "exchange", "send it back", "send back"),
    "refunds": ("refund", "money back", "reimburse", "charge"),
    "shipping": ("ship", "deliver", "parcel", "tracking", "courier", "arrive"),
    "warranty": ("warranty", "guarantee", "broken", "faulty", "defect", "stopped working"),
}


@dataclass(frozen=True)
class TriageInputs:
    ticket_text: TicketText
    order: Order | None
    thresholds: Thresholds
    issue_types: frozenset[str]
    complaint_types: frozenset[str]


_batch_memo: ContextVar[dict | None] = ContextVar("triage_batch_memo", default=None)


@contextmanager
def batch_reads() -> Iterator[None]:
    """Inside the block (one pipeline batch, in one transaction), the reads that do not depend on
    the ticket (thresholds, issue types, policies and their versions) are made once."""
    token = _batch_memo.set({})
    try:
        yield
    finally:
        _batch_memo.reset(token)


def _read_once(key: tuple, read: Callable[[], Any]) -> Any:
    memo = _batch_memo.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def active_issue_types() -> tuple[frozenset[str], frozenset[str]]:
    """(all active slugs, the complaint ones); the defaults when the table is empty."""
    rows = _read_once(
        ("issue_types",),
        lambda: list(IssueType.objects.filter(is_active=True).values_list("slug", "is_complaint")),
    )
    if not rows:
        return frozenset(ISSUE_TYPES), frozenset({"complaint", "delivery_problem", "product_defect"})
    return frozenset(s for s, _ in rows), frozenset(s for s, c in rows if c)


def thread_of(ticket: Ticket) -> list[MessageText]:
    messages = (
        Message.objects.filter(ticket=ticket, is_internal=False)
        .order_by("-created_at", "-id")
        .values_list("author_kind", "body", "subject")[:MAX_THREAD_MESSAGES]
    )
    return [MessageText(author=a, body=b or "", subject=s or "") for a, b, s in reversed(list(messages))]


def order_facts(order: Order | None) -> OrderFacts | None:
    if order is None:
        return None
    items = [
        str(i.get("name") or i.get("title") or i.get("sku") or "")
        for i in order.line_items
        if isinstance(i, dict)
    ]
    return OrderFacts(
        number=order.number,
        status=order.status,
        fulfillment_status=order.fulfillment_status,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        tracking_url=order.tracking_url,
        total=order.total,
        currency=order.currency,
        items=[i for i in items if i],
    )


def recent_complaints(ticket: Ticket, *, days: int, complaint_types: frozenset[str]) -> int:
    """The customer's other complaints opened within the repeat window before this ticket."""
    since = (ticket.created_at or timezone.now()) - timedelta(days=days)
    return (
        Ticket.objects.filter(
            customer_id=ticket.customer_id, created_at__gte=since, created_at__lte=ticket.created_at
        )
        .exclude(pk=ticket.pk)
        .filter(Q(issue_type__in=complaint_types) | Q(sentiment=Ticket.Sentiment.FRUSTRATED))
        .count()
    )


def load_inputs(ticket: Ticket) -> TriageInputs:
    """Everything a backend needs for ``ticket`` (six queries whatever the thread length)."""
    ticket = Ticket.objects.select_related("customer", "order").get(pk=ticket.pk)
    thresholds = _read_once(("thresholds",), Thresholds.current)
    issue_types, complaint_types = active_issue_types()
    customer = ticket.customer
    facts = CustomerFacts(
        name=customer.name,
        vip_level=customer.vip_level,
        lifetime_value=customer.lifetime_value,
        order_count=customer.order_count,
        recent_complaints=recent_complaints(
            ticket, days=thresholds.repeat_complaint_days, complaint_types=complaint_types
        ),
        locale=customer.locale,
    )
    text = TicketText(
        subject=ticket.subject,
        thread=thread_of(ticket),
        customer=facts,
        order=order_facts(ticket.order),
        issue_types=tuple(sorted(issue_types)),
    )
    return TriageInputs(text, ticket.order, thresholds, issue_types, complaint_types)


def find_order(ticket: Ticket, numbers: Sequence[str]) -> Order | None:
    """The customer's own order named in the message (never another customer's)."""
    if not numbers:
        return None
    wanted = [n.lstrip("#") for n in numbers]
    return (
        Order.objects.filter(customer_id=ticket.customer_id)
        .filter(Q(number__in=wanted) | Q(external_id__in=wanted))
        .order_by("-placed_at")
        .first()
    )


def relevant_policy(issue_type: str, text: str) -> PolicyText | None:
    """The active policy covering ``issue_type`` that best matches the words, at its current version."""
    policies = _read_once(
        ("policies", issue_type),
        lambda: list(Policy.objects.filter(is_active=True, issue_types__contains=[issue_type])),
    )
    if not policies:
        return None
    lowered = text.lower()

    def rank(policy: Policy) -> tuple[int, int]:
        words = _POLICY_WORDS.get(policy.slug, tuple(policy.title.lower().split()[:1]))
        mentions = sum(1 for w in words if w in lowered)
        primary = 1 if policy.issue_types and policy.issue_types[0] == issue_type else 0
        return (mentions * 2 + primary, -policy.pk)

    best = max(policies, key=rank)
    version = _read_once(
        ("policy_version", best.pk),
        lambda: PolicyVersion.objects.filter(policy=best).order_by("-number").first(),
    )
    if version is None:
        return None
    return PolicyText(slug=best.slug, title=best.title, version=version.number, body=version.body)


def customer_history(ticket: Ticket, *, complaint_types: frozenset[str]) -> dict[str, Any]:
    customer = ticket.customer
    past = Ticket.objects.filter(customer_id=customer.pk).exclude(pk=ticket.pk)
    counts = past.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=Ticket.OPEN_STATUSES)),
        open_complaints=Count(
            "id", filter=Q(status__in=Ticket.OPEN_STATUSES, issue_type__in=complaint_types)
        ),
    )
    recent = past.order_by("-created_at").values(
        "id", "issue_type", "status", "resolution_method", "created_at", "resolved_at"
    )[:PAST_TICKETS_SHOWN]
    return {
        "name": customer.name,
        "email": customer.email,
        "tier": customer.vip_level or "standard",
        "vip": bool(customer.vip_level),
        "lifetime_value": str(customer.lifetime_value),
        "orders": customer.order_count,
        "past_tickets": counts["total"],
        "open_tickets": counts["open"],
        "open_complaints": counts["open_complaints"],
        "recent_tickets": [
            {
                "reference": f"HD-{row['id']}",
                "issue_type": row["issue_type"],
                "status": row["status"],
                "outcome": row["resolution_method"] or "",
                "created_at": row["created_at"].isoformat(),
            }
            for row in recent
        ],
    }


def order_brief(order: Order | None) -> dict[str, Any] | None:
    if order is None:
        return None
    return {
        "number": order.number,
        "status": order.status,
        "fulfillment_status": order.fulfillment_status,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "tracking_url": order.tracking_url,
        "total": str(order.total),
        "currency": order.currency,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
        "items": order_facts(order).items if order else [],
    }


def build_brief(
    ticket: Ticket,
    *,
    summary: str,
    classification: Classification,
    order: Order | None,
    policy: PolicyText | None,
    complaint_types: frozenset[str],
    amount: Decimal | None,
    currency: str,
) -> dict[str, Any]:
    """The agent's brief, stored as JSON on the ticket."""
    return {
        "summary": summary,
        "issue_type": classification.issue_type,
        "also_mentions": list(classification.secondary_types),
        "signals": {k: list(v) for k, v in classification.signals.items()},
        "amount_at_stake": str(amount) if amount is not None else None,
        "currency": currency,
        "language": classification.language,
        "customer": customer_history(ticket, complaint_types=complaint_types),
        "order": order_brief(order),
        "order_numbers_mentioned": list(classification.order_numbers),
        "policy": (
            {"slug": policy.slug, "title": policy.title, "version": policy.version, "body": policy.body}
            if policy
            else None
        ),
    }
