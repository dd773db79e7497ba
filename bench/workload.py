"""The workload both apps are seeded with: the same customers, subjects, bodies and dates.

Pure Python (no Django), imported by seed_handoff.py in Handoff's virtualenv and by
peer/seed_peer.py in django-helpdesk's, so both databases hold the same tickets.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SEED = 20261207
CUSTOMERS = 5_000
# The tickets the page figures open have four messages (customer, agent, customer, agent);
# the rest have one, which keeps seeding to a couple of minutes.
DETAILED = 200
WORDS = [
    "parcel",
    "order",
    "refund",
    "late",
    "broken",
    "kettle",
    "jacket",
    "size",
    "address",
    "invoice",
    "delivery",
    "return",
    "damaged",
    "missing",
    "charge",
    "account",
    "password",
    "discount",
    "voucher",
    "tracking",
    "courier",
    "exchange",
    "colour",
    "wrong",
]
SUBJECTS = [
    "Where is my order {n}?",
    "Order {n} arrived damaged",
    "Refund for order {n}",
    "Wrong size in order {n}",
    "Charged twice for order {n}",
    "Return label for order {n}",
]
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    index: int
    customer: int  # 0..CUSTOMERS-1
    subject: str
    bodies: tuple[str, ...]  # customer, agent, customer, agent ... alternating
    created_at: datetime
    is_open: bool
    priority: int  # 1 (urgent) .. 4 (low)


def customer_email(number: int) -> str:
    return f"buyer{number}@bench.example"


def items(count: int) -> Iterator[Item]:
    rng = random.Random(SEED)
    for index in range(count):
        order = 100_000 + index
        created = NOW - timedelta(minutes=rng.randint(5, 60 * 24 * 90))
        messages = 4 if index < DETAILED else 1
        yield Item(
            index=index,
            customer=rng.randrange(CUSTOMERS),
            subject=rng.choice(SUBJECTS).format(n=order),
            bodies=tuple(f"Order {order}: " + " ".join(rng.choices(WORDS, k=30)) for _ in range(messages)),
            created_at=created,
            is_open=rng.random() < 0.3,
            priority=rng.randint(1, 4),
        )


def new_message(index: int) -> dict:
    """A message posted during the creation measurement (the same text to both apps)."""
    return {
        "subject": f"Bench order {900_000 + index} has not arrived",
        "body": f"Order {900_000 + index} was due last week and the tracking has not moved since Monday.",
        "email": customer_email(index % CUSTOMERS),
    }
