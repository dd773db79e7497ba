"""The demo's store: connect to the loopback fake (``run_fake_store``), backfill it, and open a few
tickets about its orders so an agent can press Refund (or Return, Cancel...) end to end.

Runs after ``seed_demo`` (``scripts/run.sh``); safe to run twice (the connection is updated, the
backfill upserts, and tickets are opened only for orders that have none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpdesk.queue import jobs_inline
from store import connections, sync
from store.models import Fulfillment, FulfillmentEvent, Refund, StoreConnection, StoreOrder
from tickets import intake
from tickets.models import Channel, Order, Ticket

DEMO_DOMAIN = "handoff-demo.myshopify.com"
DEMO_TOKEN = "shpat_demo_token"  # the fake accepts any token; a real shop needs its own
DEMO_WEBHOOK_SECRET = "demo-webhook-secret"

ASKS = [
    (
        "Damaged on arrival",
        "Hi, my {title} from order #{number} arrived damaged. Could I get a refund please?",
    ),
    (
        "Where is my parcel?",
        "Order #{number} still hasn't arrived and the tracking hasn't moved. What's going on?",
    ),
    ("Return please", "The {title} in order #{number} doesn't fit. How do I send it back?"),
]


# Where the demo's parcels are scanned: (status, message, location, hours after shipping).
WAREHOUSE = "Northwind warehouse, Leipzig"
SCANS = {
    "label_printed": ("Label created, parcel handed to {carrier}", WAREHOUSE, 0),
    "in_transit": ("Arrived at the {carrier} sorting hub", "Hub Frankfurt", 20),
    "out_for_delivery": ("Out for delivery", "Delivery base", 44),
    "delayed": ("Delayed at the sorting hub: high volume", "Hub Frankfurt", 44),
    "failure": ("Parcel not found at the hub; investigation opened", "Hub Frankfurt", 60),
}
# The scans each order fulfilment state has had (delivered adds its delivery scan).
SCAN_STEPS = {
    "shipped": ("label_printed",),
    "in_transit": ("label_printed", "in_transit"),
    "out_for_delivery": ("label_printed", "in_transit", "out_for_delivery"),
    "delayed": ("label_printed", "in_transit", "delayed"),
    "lost": ("label_printed", "in_transit", "failure"),
    "delivered": ("label_printed", "in_transit", "out_for_delivery"),
    "returned": ("label_printed", "in_transit", "out_for_delivery"),
}
FULFILLMENT_STATUS = {"lost": "failure", "returned": "delivered", "shipped": "label_printed"}
# A returned parcel reaches the warehouse and is refunded this long after it was delivered.
REFUND_AFTER = timedelta(days=8)


def seed_order_records(context) -> None:
    """The store records of the demo's own orders, as a connected shop reports them: a
    fulfilment with its carrier scans for every order that shipped, and the refund of every
    order that came back. The AI's flows quote them (the last scan, the refund's amount and
    date). A ``tickets.demo`` setup step: runs once the orders exist, before the first ticket;
    an order that already has a fulfilment is left as it is, so a second run writes nothing."""
    orders = Order.objects.filter(external_id__startswith="demo-order-").exclude(shipped_at=None)
    orders = list(orders.exclude(fulfillments__isnull=False))
    fulfillments = Fulfillment.objects.bulk_create(
        [
            Fulfillment(
                order=order,
                store_id=f"demo-{order.number}-1",
                status=FULFILLMENT_STATUS.get(order.fulfillment_status, order.fulfillment_status),
                carrier=order.carrier,
                tracking_number=order.tracking_number,
                tracking_url=order.tracking_url,
                line_items=[
                    {
                        "sku": item.get("sku", ""),
                        "title": item.get("name", ""),
                        "quantity": item.get("quantity", 1),
                    }
                    for item in order.line_items
                ],
                shipped_at=order.shipped_at,
                last_scan_at=_scans(order)[-1][1],
                delivered_at=order.delivered_at,
            )
            for order in orders
        ]
    )
    FulfillmentEvent.objects.bulk_create(
        [
            FulfillmentEvent(
                fulfillment=fulfillment, status=status, happened_at=at, message=message, location=location
            )
            for fulfillment, order in zip(fulfillments, orders, strict=True)
            for status, at, message, location in _scans(order)
        ]
    )
    Refund.objects.bulk_create(
        [
            Refund(
                order=order,
                store_id=f"demo-{order.number}-refund",
                amount=order.total,
                currency=order.currency,
                status=Refund.Status.SUCCEEDED,
                reason="Return received",
                processed_at=order.delivered_at + REFUND_AFTER,
                created_at=order.delivered_at + REFUND_AFTER,
            )
            for order in orders
            if order.status == Order.Status.REFUNDED and order.delivered_at
        ],
        ignore_conflicts=True,
    )


def _scans(order: Order) -> list[tuple[str, datetime, str, str]]:
    """(status, when, message, location) of the order's carrier scans, oldest first."""
    rows = []
    for step in SCAN_STEPS.get(order.fulfillment_status, ("label_printed",)):
        message, location, hours = SCANS[step]
        rows.append(
            (step, order.shipped_at + timedelta(hours=hours), message.format(carrier=order.carrier), location)
        )
    if order.delivered_at:
        rows.append(("delivered", order.delivered_at, "Delivered", "At the front door"))
    return rows


@dataclass
class DemoStoreReport:
    connection: StoreConnection
    orders: int
    tickets: list[Ticket]


def seed(api_base_url: str, *, log: Callable[[str], None] = print) -> DemoStoreReport:
    connection, _ = connections.connect_store(
        kind=StoreConnection.Kind.SHOPIFY,
        domain=DEMO_DOMAIN,
        name="Demo store (loopback fake)",
        api_base_url=api_base_url,
        secrets={"access_token": (DEMO_TOKEN, ""), "webhook_secret": (DEMO_WEBHOOK_SECRET, "")},
    )
    counts = sync.sync_connection(connection, restart=True)
    tickets = []
    records = StoreOrder.objects.filter(connection=connection).select_related("order", "order__customer")
    with jobs_inline():
        for (subject, text), record in zip(
            ASKS, records.order_by("order__placed_at")[: len(ASKS)], strict=False
        ):
            order = record.order
            existing = Ticket.objects.filter(order=order).first()
            if existing is not None:
                tickets.append(existing)
                continue
            title = order.store_line_items.values_list("title", flat=True).first() or "item"
            result = intake.receive(
                intake.InboundMessage(
                    channel=Channel.EMAIL,
                    sender=intake.Sender(email=order.customer.email, name=order.customer.name),
                    subject=subject,
                    body=text.format(title=title, number=order.number),
                    external_id=f"demo-store-{record.store_id}",
                    order_number=order.number,
                )
            )
            tickets.append(result.ticket)
    log(
        f"Demo store: {counts['orders']} orders synced from {api_base_url}. Try Refund on "
        + ", ".join(t.reference for t in tickets)
        + " (Store order card, right-hand side)."
    )
    return DemoStoreReport(connection=connection, orders=counts["orders"], tickets=tickets)
