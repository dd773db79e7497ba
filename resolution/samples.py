"""Varied routine customer messages with their store records, for the pipeline test and the
flow benchmark: order status in every fulfilment state, refund status, small returns,
cancellations, policy and product questions, and the guarded cases (legal, safety, VIP, above
the approval amount, angry) that must never get an AI-sent message. Orders come with the records
a connected store reports: the shipment with its last carrier scan, and the refund if one went
through."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from tickets.models import Customer, Order

ROUTINE = {
    "order_status": (
        "Where is my order #{n}? Could you tell me where it is?",
        "Hi, any update on order #{n}? I ordered it last week.",
        "When will my order #{n} arrive?",
        "Can you give me the tracking for order #{n} please?",
        "Has my order #{n} shipped yet?",
        "Hello, I'm waiting for #{n}, what's the status?",
    ),
    "policy_question": (
        "What's your return policy for items bought on sale?",
        "How long do I have to return something?",
        "How long does standard delivery take within the EU?",
        "Does the warranty cover manufacturing defects, and for how long?",
        "Can I exchange an item for a different size?",
        "Do you ship express, and how fast is it?",
    ),
    "product_question": (
        "Does the kettle come with a warranty?",
        "How long is the warranty on the blender?",
        "Is the rain jacket available in blue?",
    ),
    "refund_request": (
        "Where is my refund for order #{n}?",
        "I cancelled order #{n}, when do I get my money back?",
    ),
    "return_request": ("I'd like to return order #{n}, it doesn't fit.",),
    "cancellation": ("Please cancel my order #{n}, I ordered by mistake.",),
}
GUARDED = {
    "legal": "Order #{n} never arrived. My lawyer will contact you about this.",
    "safety": "The charger from order #{n} overheated and caught fire.",
    "vip": "Where is my order #{n}?",
    "over_threshold": "I want a refund of 450 EUR for order #{n} now.",
    "angry": "This is RIDICULOUS!!! Where the hell is my order #{n}?? Worst service ever, I am furious.",
}
STATES = ["unfulfilled", "processing", "in_transit", "shipped", "out_for_delivery", "delayed", "delivered"]


@dataclass
class Sample:
    kind: str  # an issue type from ROUTINE, or a key of GUARDED
    body: str
    customer: Customer
    order: Order

    @property
    def guarded(self) -> bool:
        return self.kind in GUARDED


def make_samples(count: int, *, seed: int = 11, guarded_share: float = 0.1) -> list[Sample]:
    """``count`` messages, each with its own customer and order (records written here)."""
    rng = random.Random(seed)
    now = timezone.now()
    samples = []
    for i in range(count):
        guarded = rng.random() < guarded_share
        kind = rng.choice(list(GUARDED)) if guarded else rng.choice(list(ROUTINE))
        state = rng.choice(STATES)
        total = (
            Decimal("450.00")
            if kind == "over_threshold"
            else Decimal(rng.choice(["24.90", "39.90", "64.00", "89.00"]))
        )
        customer = Customer.objects.create(
            name=f"{rng.choice(['Ana', 'Ben', 'Chloe', 'Dev', 'Eli'])} Sample{i}",
            email=f"sample{seed}-{i}@example.org",
            tags=["vip"] if kind == "vip" else [],
            lifetime_value=Decimal("2500") if kind == "vip" else Decimal("80"),
        )
        shipped = state not in ("unfulfilled", "processing")
        # A refund question is about a cancelled order, a refund the store recorded, or neither.
        refund_case = rng.choice(["cancelled", "refunded", "none"]) if kind == "refund_request" else ""
        status = {"cancelled": "cancelled", "refunded": "refunded"}.get(refund_case, "paid")
        refunded = refund_case == "refunded"
        order = Order.objects.create(
            external_id=f"sample-{seed}-{i}",
            number=f"{80000 + seed * 1000 + i}",
            customer=customer,
            status=status,
            fulfillment_status=state,
            carrier="DHL" if shipped else "",
            tracking_number=f"JJD{seed:02d}{i:08d}" if shipped else "",
            tracking_url=f"https://track.example/JJD{seed:02d}{i:08d}" if shipped else "",
            total=total,
            # Unshipped orders are from today: older ones are late, which a person handles.
            placed_at=now - timedelta(days=rng.randint(2, 20)) if shipped else now,
            shipped_at=now - timedelta(days=1) if shipped else None,
            delivered_at=now - timedelta(hours=rng.randint(5, 200)) if state == "delivered" else None,
        )
        _store_records(order, refunded=refunded, at=now)
        template = GUARDED[kind] if guarded else rng.choice(ROUTINE[kind])
        samples.append(Sample(kind, template.format(n=order.number), customer, order))
    return samples


def _store_records(order: Order, *, refunded: bool, at) -> None:
    """What a connected store reports for the order: its shipment with the carrier's last scan,
    and the refund when one went through."""
    if order.tracking_number:
        fulfillment = apps.get_model("store", "Fulfillment").objects.create(
            order=order,
            store_id=f"{order.external_id}-f1",
            status=order.fulfillment_status if order.fulfillment_status != "shipped" else "confirmed",
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            tracking_url=order.tracking_url,
            shipped_at=order.shipped_at,
            last_scan_at=order.shipped_at + timedelta(hours=6),
            delivered_at=order.delivered_at,
        )
        apps.get_model("store", "FulfillmentEvent").objects.create(
            fulfillment=fulfillment,
            status="in_transit",
            happened_at=order.shipped_at + timedelta(hours=6),
            message="Arrived at the sorting hub",
            location="Hub Leipzig",
        )
    if refunded:
        apps.get_model("store", "Refund").objects.create(
            order=order,
            store_id=f"{order.external_id}-r1",
            amount=order.total,
            currency=order.currency,
            processed_at=at - timedelta(days=2),
        )
