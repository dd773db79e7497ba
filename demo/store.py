"""The demo's store: connect to the loopback fake (``run_fake_store``), backfill it, and open a few
tickets about its orders so an agent can press Refund (or Return, Cancel...) end to end.

Runs after ``seed_demo`` (``scripts/run.sh``); safe to run twice (the connection is updated, the
backfill upserts, and tickets are opened only for orders that have none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from helpdesk.queue import jobs_inline
from store import connections, sync
from store.models import StoreConnection, StoreOrder
from tickets import intake
from tickets.models import Channel, Ticket

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
