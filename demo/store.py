"""The demo's store: connect to the loopback fake (``run_fake_store``), backfill it, and open a few
tickets about its orders so an agent can press Refund (or Return, Cancel...) end to end.

Runs after ``seed_demo`` (``scripts/run.sh``); safe to run twice (the connection is updated, the
backfill upserts, and tickets are opened only for orders that have none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from helpdesk.queue import jobs_inline
from store import connections, sync
from store.models import Fulfillment, FulfillmentEvent, Product, Refund, StoreConnection, StoreOrder
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
    date). A ``demo.seed`` setup step: runs once the orders exist, before the first ticket;
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


# The demo catalogue's product pages (``demo.content.PRODUCTS`` by SKU), which the AI
# quotes for product questions.
PRODUCT_PAGES = {
    "MUG-STN-01": "Four 350 ml stoneware mugs in sand, slate and white. Dishwasher and microwave safe. Each mug is 9 cm tall and 8.5 cm wide.",
    "KTL-GLS-02": "A 1.7 l borosilicate glass kettle with a blue LED ring. The glass jug is dishwasher safe; the base is not. It runs on 220-240 V only and is not made for 110 V sockets. It is 24 cm tall with a 16 cm base and comes in clear glass only.",
    "PAN-CST-28": "A pre-seasoned 28 cm cast-iron skillet for every hob, including induction, and the oven. Wash it by hand and oil it lightly: it is not dishwasher safe.",
    "KNF-CHF-20": "A 20 cm chef's knife forged from one piece of German stainless steel. Hand wash only; it is not dishwasher safe.",
    "BLN-PRO-15": "A 1500 W blender with a 2 l Tritan jar. The jar and lid are dishwasher safe. It runs on 220-240 V only. It is 45 cm tall and comes in black or silver.",
    "CFM-ESP-03": "A 15 bar espresso machine with a steam wand and a 1.8 l tank. It runs on 220-240 V only. It comes in black and stainless steel.",
    "LMP-DSK-07": "An LED desk lamp with five brightness levels and a USB-C charging port. It works on any USB-C power supply from 100 to 240 V. It comes in white or black.",
    "CHR-USB-65": "A 65 W USB-C charger with two ports. It works from 100 to 240 V, so it works in the US with a plug adapter.",
    "HDP-NC-900": "Over-ear noise-cancelling headphones with 30 hours of battery. They come in black, navy and sand.",
    "BAG-WKD-40": "A 40 l weekender bag in waxed cotton that fits airline cabin size limits: 55 x 35 x 20 cm. It comes in olive and navy.",
    "JKT-RAI-M": "A waterproof rain jacket with taped seams and a packable hood. It comes in sizes S to XL and in yellow, navy and blue.",
    "SHO-TRL-42": "Trail running shoes with a 6 mm drop and a grippy outsole. They come in EU sizes 36 to 47 and fit true to size.",
    "TWL-CTN-06": "Six organic cotton towels (two bath, two hand, two guest). Machine washable at 60 degrees and tumble-dry safe.",
    "BED-LIN-DB": "A linen bedding set for a double bed: one 200 x 200 cm duvet cover and two pillowcases. Machine washable at 40 degrees.",
    "PLN-MON-01": "A 60 cm Monstera in a 17 cm ceramic pot. It likes bright, indirect light and water once a week.",
    "SPK-BT-20": "A waterproof Bluetooth speaker with 12 hours of battery. It charges over USB-C and comes in black, red and blue.",
    "WTC-SMT-02": "A smartwatch with heart-rate, sleep and GPS tracking and a 7-day battery. It is water resistant to 50 m and works with Android and iPhone.",
    "VAC-ROB-11": "A robot vacuum with a 90-minute battery and app control. It works on hard floors and low-pile carpets.",
}


def seed_products(connection: StoreConnection) -> int:
    """The demo catalogue as the shop's product records (title, description, price); existing
    rows are updated. Returns how many there are."""
    from demo.content import PRODUCTS

    for sku, title, price in PRODUCTS:
        Product.objects.update_or_create(
            connection=connection,
            store_id=f"demo-{sku}",
            defaults={
                "title": title,
                "description": PRODUCT_PAGES.get(sku, ""),
                "status": "active",
                "variants": [{"sku": sku, "title": title, "price": price}],
                "price_min": Decimal(price),
                "price_max": Decimal(price),
                "currency": "EUR",
            },
        )
    return len(PRODUCTS)


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
    seed_products(connection)
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
