"""Measure the store connection: webhook ingest, a 10,000-order backfill, the ticket page.

    python manage.py benchmark_store                      # 2,000 webhooks, 10,000 orders
    python manage.py benchmark_store --webhooks 500 --orders 1000

Everything runs inside one transaction that is rolled back, so the database is left as it was.
Webhooks go through the whole request stack (HMAC check, receipt insert, 200) and are then
processed by the job function; the backfill pulls pages over loopback HTTP from the fake store.
"""

from __future__ import annotations

import json
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from store import connections, sync, webhooks
from store.fakestore import FakeStore
from store.models import StoreOrder, WebhookReceipt
from tickets.models import Ticket


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark webhook ingest, a backfill and the ticket page's query count (rolled back)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--webhooks", type=int, default=2000)
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--page-size", type=int, default=250)

    def handle(self, *args, webhooks: int, orders: int, page_size: int, **options) -> None:
        self.console = Console(file=self.stdout, highlight=False)
        self.rows: list[tuple[str, str]] = []
        fake = FakeStore().start()
        try:
            with transaction.atomic():
                self.backfill(fake, orders, page_size)
                self.ingest(fake, webhooks)
                self.ticket_page()
                raise Rollback
        except Rollback:
            pass
        finally:
            fake.stop()
        table = Table(title="Store connection benchmark", title_justify="left")
        table.add_column("measure")
        table.add_column("result")
        for row in self.rows:
            table.add_row(*row)
        self.console.print(table)

    def progress(self, label: str) -> Progress:
        return Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )

    def backfill(self, fake: FakeStore, orders: int, page_size: int) -> None:
        fake.seed(orders=orders)
        self.connection, _ = connections.connect_store(
            kind="shopify",
            domain="bench.myshopify.com",
            api_base_url=fake.url,
            secrets={"access_token": ("shpat_bench", ""), "webhook_secret": ("bench-secret", "")},
        )
        with self.progress(f"Backfilling {orders} orders") as progress:
            task = progress.add_task("orders", total=orders)
            started = time.perf_counter()
            counts = sync.sync_connection(
                self.connection,
                page_size=page_size,
                on_page=lambda resource, n: progress.advance(task, n if resource == "orders" else 0),
            )
            elapsed = time.perf_counter() - started
        stored = StoreOrder.objects.filter(connection=self.connection).count()
        self.rows.append(
            (
                f"backfill of {counts['orders']:,} orders (page {page_size}, loopback HTTP)",
                f"{elapsed:.1f} s ({counts['orders'] / elapsed:,.0f} orders/s); {stored:,} stored",
            )
        )

    def ingest(self, fake: FakeStore, count: int) -> None:
        client = Client()
        nodes = fake.orders[:count] if len(fake.orders) >= count else fake.orders
        bodies = []
        for n in range(count):
            node = nodes[n % len(nodes)]
            payload = {
                "id": int(node["legacyResourceId"]) + 10_000_000 + n,
                "order_number": 90_000 + n,
                "email": node["customer"]["email"],
                "created_at": node["createdAt"],
                "updated_at": node["updatedAt"],
                "currency": "EUR",
                "total_price": "49.90",
                "financial_status": "paid",
                "fulfillment_status": None,
                "customer": {
                    "id": int(node["customer"]["legacyResourceId"]),
                    "email": node["customer"]["email"],
                },
                "line_items": [
                    {"id": 1, "title": "Trail Runner 2", "sku": "SKU-10", "quantity": 1, "price": "49.90"}
                ],
                "fulfillments": [
                    {
                        "id": 1,
                        "status": "success",
                        "shipment_status": "in_transit",
                        "tracking_company": "DHL",
                        "tracking_number": f"JD{n}",
                        "created_at": node["createdAt"],
                        "updated_at": node["updatedAt"],
                    }
                ],
            }
            body = json.dumps(payload).encode()
            bodies.append((body, webhooks.signature("bench-secret", body)))
        with self.progress(f"Receiving {count} webhooks") as progress:
            task = progress.add_task("webhooks", total=count)
            started = time.perf_counter()
            for n, (body, sig) in enumerate(bodies):
                response = client.post(
                    "/api/v1/integrations/shopify/webhooks/",
                    data=body,
                    content_type="application/json",
                    headers={
                        "X-Shopify-Topic": "orders/create",
                        "X-Shopify-Shop-Domain": "bench.myshopify.com",
                        "X-Shopify-Webhook-Id": f"bench-{n}",
                        "X-Shopify-Hmac-Sha256": sig,
                    },
                )
                assert response.status_code == 200, response.content
                progress.advance(task)
            received = time.perf_counter() - started
        replay_started = time.perf_counter()
        for n, (body, sig) in enumerate(bodies[:200]):
            client.post(
                "/api/v1/integrations/shopify/webhooks/",
                data=body,
                content_type="application/json",
                headers={
                    "X-Shopify-Topic": "orders/create",
                    "X-Shopify-Shop-Domain": "bench.myshopify.com",
                    "X-Shopify-Webhook-Id": f"bench-{n}",
                    "X-Shopify-Hmac-Sha256": sig,
                },
            )
        replayed = time.perf_counter() - replay_started
        ids = list(WebhookReceipt.objects.filter(connection=self.connection).values_list("pk", flat=True))
        with self.progress(f"Processing {len(ids)} webhooks") as progress:
            task = progress.add_task("jobs", total=len(ids))
            started = time.perf_counter()
            for pk in ids:
                webhooks.process_receipt(pk)
                progress.advance(task)
            processed = time.perf_counter() - started
        done = WebhookReceipt.objects.filter(connection=self.connection, status="processed").count()
        self.rows.append(
            (
                f"webhook receive ({count:,} signed orders/create, full request stack)",
                f"{count / received:,.0f} webhooks/s ({received * 1000 / count:.1f} ms each)",
            )
        )
        self.rows.append(("replayed webhook (same id, 200 duplicates)", f"{200 / replayed:,.0f} webhooks/s"))
        self.rows.append(
            (
                "webhook processing job (parse + upsert order, line items, fulfilment)",
                f"{len(ids) / processed:,.0f} webhooks/s; {done:,} processed",
            )
        )

    def ticket_page(self) -> None:
        user = get_user_model().objects.create_superuser("bench-admin", "bench@example.com", "x")
        client = Client()
        client.force_login(user)
        counts = {}
        for size in (1, 50):
            record = StoreOrder.objects.filter(connection=self.connection).select_related("order").first()
            customer = record.order.customer
            ids = list(
                StoreOrder.objects.filter(connection=self.connection)
                .exclude(order__customer=customer)
                .values_list("order_id", flat=True)[: size - 1]
            )
            from tickets.models import Order

            Order.objects.filter(pk__in=ids).update(customer=customer)
            ticket = Ticket.objects.create(
                customer=customer, subject="Where is my order?", channel="email", order=record.order
            )
            client.get(f"/tickets/{ticket.pk}/")  # warm caches (config snapshot, templates)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/tickets/{ticket.pk}/")
            assert response.status_code == 200
            counts[size] = (len(queries), Order.objects.filter(customer=customer).count())
        self.rows.append(
            (
                "ticket page queries (customer with 1 order / with 50 orders)",
                f"{counts[1][0]} / {counts[50][0]} (orders on the customer: {counts[1][1]} / {counts[50][1]})",
            )
        )
