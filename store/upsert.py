"""Write store records (from webhooks and the backfill) idempotently, in batches.

Every write is ``INSERT ... ON CONFLICT (parent, store_id) DO UPDATE`` (``bulk_create`` with
``update_conflicts``), so two workers upserting the same order, a replayed webhook and an
overlapping backfill all land on one row each. A payload older than what is stored (by the
store's ``updated_at``) is skipped, so a late retry never rolls an order back.

Called by ``store.webhooks.process_receipt`` and ``store.sync``; nothing here calls a store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from helpdesk.queue import enqueue_on_commit
from store import vocabulary
from store.connectors.base import (
    CustomerRecord,
    FulfillmentRecord,
    OrderRecord,
    ProductRecord,
    RefundRecord,
    ReturnRecord,
)
from store.models import (
    Fulfillment,
    FulfillmentEvent,
    LineItem,
    OrderAction,
    Product,
    Refund,
    Return,
    StoreConnection,
    StoreCustomer,
    StoreOrder,
)
from tickets import intake
from tickets.models import Channel, Customer, Order


class OrderNotSynced(Exception):
    """A fulfilment/refund/return arrived for an order not stored yet (the next sync brings it)."""


def external_id(connection: StoreConnection, store_id: str) -> str:
    return f"{connection.order_id_prefix}{store_id}"


def _customers(connection: StoreConnection, records: Iterable[CustomerRecord]) -> dict[str, Customer]:
    """Resolve each store customer to one of ours (by email, then phone) and link the store id."""
    records = list(records)
    # Customers linked before (a backfill syncs them first) need no identity lookup.
    linked = {
        link.store_id: link.customer
        for link in StoreCustomer.objects.filter(
            connection=connection, store_id__in=[r.store_id for r in records]
        ).select_related("customer")
    }
    resolved: dict[str, Customer] = {}
    links = []
    for record in records:
        if record.store_id in resolved or not (record.email or record.phone):
            continue
        customer = linked.get(record.store_id)
        if customer is None:
            channel = Channel.EMAIL if record.email else Channel.SMS
            sender = intake.Sender(email=record.email, phone=record.phone, name=record.name)
            customer = intake.resolve_customer(channel, sender)
        updates = []
        if record.order_count is not None and record.order_count != customer.order_count:
            customer.order_count = record.order_count
            updates.append("order_count")
        if record.total_spent is not None and record.total_spent != customer.lifetime_value:
            customer.lifetime_value = record.total_spent
            updates.append("lifetime_value")
        if record.locale and not customer.locale:
            customer.locale = record.locale[:10]
            updates.append("locale")
        if updates:
            customer.save(update_fields=[*updates, "updated_at"])
            # VIP rules read order count and lifetime value.
            enqueue_on_commit("routing.jobs.customer_changed", customer.pk)
        resolved[record.store_id] = customer
        links.append(
            StoreCustomer(
                connection=connection,
                store_id=record.store_id,
                customer=customer,
                store_updated_at=record.updated_at,
            )
        )
    StoreCustomer.objects.bulk_create(
        links,
        update_conflicts=True,
        unique_fields=["connection", "store_id"],
        update_fields=["customer", "store_updated_at"],
    )
    return resolved


@transaction.atomic
def upsert_customers(connection: StoreConnection, records: Sequence[CustomerRecord]) -> int:
    return len(_customers(connection, records))


def _fresh(connection: StoreConnection, records: Sequence[OrderRecord]) -> list[OrderRecord]:
    """Drop records older than the stored copy (and duplicates within the batch: the newest wins)."""
    newest: dict[str, OrderRecord] = {}
    for record in records:
        seen = newest.get(record.store_id)
        if seen is None or (record.updated_at or timezone.now()) >= (seen.updated_at or timezone.now()):
            newest[record.store_id] = record
    stored = dict(
        StoreOrder.objects.filter(connection=connection, store_id__in=list(newest)).values_list(
            "store_id", "store_updated_at"
        )
    )
    return [
        r
        for r in newest.values()
        if stored.get(r.store_id) is None or r.updated_at is None or r.updated_at >= stored[r.store_id]
    ]


@transaction.atomic
def upsert_orders(connection: StoreConnection, records: Sequence[OrderRecord]) -> dict[str, Order]:
    """Upsert orders with their line items, fulfilments, refunds and returns; returns them by store id."""
    records = _fresh(connection, records)
    if not records:
        return {}
    customers = _customers(connection, [r.customer for r in records if r.customer])
    orders = Order.objects.bulk_create(
        [
            Order(
                external_id=external_id(connection, r.store_id),
                number=r.number[:50],
                customer=customers.get(r.customer.store_id) if r.customer else None,
                status=r.status,
                fulfillment_status=vocabulary.order_fulfillment(
                    r.store_fulfillment_status, [f.status for f in r.fulfillments]
                ),
                total=r.total,
                currency=r.currency[:3] or "EUR",
                placed_at=r.placed_at,
                line_items=[
                    {"sku": li.sku, "name": li.title, "quantity": li.quantity, "price": str(li.price)}
                    for li in r.line_items
                ],
                **_tracking_summary(r.fulfillments),
            )
            for r in records
        ],
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=[
            "number",
            "customer",
            "status",
            "fulfillment_status",
            "total",
            "currency",
            "placed_at",
            "line_items",
            "carrier",
            "tracking_number",
            "tracking_url",
            "shipped_at",
            "delivered_at",
            "updated_at",
        ],
    )
    by_store_id = {r.store_id: order for r, order in zip(records, orders, strict=True)}
    ours = set(
        OrderAction.objects.filter(
            order__in=orders, kind=OrderAction.Kind.CANCEL, status=OrderAction.Status.SUCCEEDED
        ).values_list("order_id", flat=True)
    )
    StoreOrder.objects.bulk_create(
        [
            StoreOrder(
                order=by_store_id[r.store_id],
                connection=connection,
                store_id=r.store_id,
                admin_graphql_id=r.admin_graphql_id,
                financial_status=r.financial_status[:40],
                store_fulfillment_status=r.store_fulfillment_status[:40],
                cancelled_at=r.cancelled_at,
                cancel_reason=r.cancel_reason[:60],
                # Outreach explains cancellations the customer did not ask for.
                cancelled_by_store=bool(r.cancelled_at)
                and r.cancel_reason.lower() != "customer"
                and by_store_id[r.store_id].pk not in ours,
                shipping_address=dict(r.shipping_address),
                total_refunded=r.total_refunded,
                store_updated_at=r.updated_at,
            )
            for r in records
        ],
        update_conflicts=True,
        unique_fields=["connection", "store_id"],
        update_fields=[
            "order",
            "admin_graphql_id",
            "financial_status",
            "store_fulfillment_status",
            "cancelled_at",
            "cancel_reason",
            "cancelled_by_store",
            "shipping_address",
            "total_refunded",
            "store_updated_at",
        ],
    )
    _line_items(connection, [(by_store_id[r.store_id], r) for r in records])
    # Children of the whole batch in one statement each (the order summary was computed above).
    _fulfillment_rows([(by_store_id[r.store_id], f) for r in records for f in r.fulfillments])
    _refund_rows([(by_store_id[r.store_id], x) for r in records for x in r.refunds], order_action=None)
    _return_rows([(by_store_id[r.store_id], x) for r in records for x in r.returns], order_action=None)
    return by_store_id


def _tracking_summary(fulfillments: Sequence[FulfillmentRecord]) -> dict:
    """The newest shipment's tracking on the order row itself (the inbox and triage read it there)."""
    live = [f for f in fulfillments if f.status != Fulfillment.Status.CANCELLED]
    if not live:
        return {
            "carrier": "",
            "tracking_number": "",
            "tracking_url": "",
            "shipped_at": None,
            "delivered_at": None,
        }
    latest = max(live, key=lambda f: f.shipped_at or timezone.now())
    delivered = [f.delivered_at for f in live if f.delivered_at]
    return {
        "carrier": latest.carrier[:60],
        "tracking_number": latest.tracking_number[:100],
        "tracking_url": latest.tracking_url[:200],
        "shipped_at": min((f.shipped_at for f in live if f.shipped_at), default=None),
        "delivered_at": max(delivered) if len(delivered) == len(live) else None,
    }


def _line_items(connection: StoreConnection, pairs: Sequence[tuple[Order, OrderRecord]]) -> None:
    LineItem.objects.bulk_create(
        [
            LineItem(
                order=order,
                store_id=li.store_id,
                product_store_id=li.product_store_id,
                variant_store_id=li.variant_store_id,
                sku=li.sku[:100],
                title=li.title[:300],
                variant_title=li.variant_title[:300],
                quantity=li.quantity,
                price=li.price,
                fulfilled_quantity=li.fulfilled_quantity,
                refunded_quantity=li.refunded_quantity,
            )
            for order, record in pairs
            for li in record.line_items
        ],
        update_conflicts=True,
        unique_fields=["order", "store_id"],
        update_fields=[
            "product_store_id",
            "variant_store_id",
            "sku",
            "title",
            "variant_title",
            "quantity",
            "price",
            "fulfilled_quantity",
            "refunded_quantity",
        ],
    )
    link_products(connection, order_ids=[order.pk for order, _ in pairs])


def link_products(connection: StoreConnection, *, order_ids: Sequence[int] | None = None) -> int:
    """Point line items at their ``Product`` rows in one UPDATE (products may sync after orders)."""
    items = LineItem.objects.filter(product__isnull=True).exclude(product_store_id="")
    items = items.filter(order_id__in=order_ids) if order_ids is not None else items
    return items.update(
        product=Subquery(
            Product.objects.filter(connection=connection, store_id=OuterRef("product_store_id")).values("pk")[
                :1
            ]
        )
    )


def order_for(connection: StoreConnection, store_id: str) -> Order:
    record = (
        StoreOrder.objects.filter(connection=connection, store_id=store_id).select_related("order").first()
    )
    if record is None:
        raise OrderNotSynced(f"Order {store_id} of {connection} is not synced yet.")
    return record.order


def upsert_fulfillments(order: Order, records: Sequence[FulfillmentRecord]) -> list[Fulfillment]:
    """Upsert one order's shipments (a fulfilment webhook) and refresh the order's summary."""
    rows = _fulfillment_rows([(order, r) for r in records])
    if rows:
        _refresh_order_fulfillment(order)
    return rows


def _fulfillment_rows(pairs: Sequence[tuple[Order, FulfillmentRecord]]) -> list[Fulfillment]:
    """Upsert shipments and append each new status to their history (three statements for any batch)."""
    if not pairs:
        return []
    now = timezone.now()
    known = {
        (order_id, store_id): (status, scan)
        for order_id, store_id, status, scan in Fulfillment.objects.filter(
            order_id__in={order.pk for order, _ in pairs}, store_id__in={r.store_id for _, r in pairs}
        ).values_list("order_id", "store_id", "status", "last_scan_at")
    }

    def last_scan(order: Order, r: FulfillmentRecord):
        # A changed status is a carrier scan; an unchanged one keeps the last scan time.
        status, scan = known.get((order.pk, r.store_id), (None, None))
        return (r.updated_at or now) if status != r.status else scan or r.updated_at or now

    rows = Fulfillment.objects.bulk_create(
        [
            Fulfillment(
                order=order,
                store_id=r.store_id,
                status=r.status,
                store_status=r.store_status[:40],
                store_shipment_status=r.store_shipment_status[:40],
                carrier=r.carrier[:100],
                tracking_number=r.tracking_number[:100],
                tracking_url=r.tracking_url[:500],
                line_items=list(r.line_items),
                shipped_at=r.shipped_at,
                last_scan_at=last_scan(order, r),
                delivered_at=r.delivered_at,
                estimated_delivery_at=r.estimated_delivery_at,
                store_updated_at=r.updated_at,
            )
            for order, r in pairs
        ],
        update_conflicts=True,
        unique_fields=["order", "store_id"],
        update_fields=[
            "status",
            "store_status",
            "store_shipment_status",
            "carrier",
            "tracking_number",
            "tracking_url",
            "line_items",
            "shipped_at",
            "last_scan_at",
            "delivered_at",
            "estimated_delivery_at",
            "store_updated_at",
        ],
    )
    history = []
    for (_, record), row in zip(pairs, rows, strict=True):
        steps = list(record.history) or [(record.status, record.updated_at or record.shipped_at or now, "")]
        history += [
            FulfillmentEvent(fulfillment=row, status=status, happened_at=at, message=message[:500])
            for status, at, message in steps
        ]
    FulfillmentEvent.objects.bulk_create(history, ignore_conflicts=True)
    return rows


def _refresh_order_fulfillment(order: Order) -> None:
    statuses = list(Fulfillment.objects.filter(order=order).values_list("status", flat=True))
    summary = vocabulary.order_fulfillment(order.fulfillment_status, statuses)
    live = list(
        Fulfillment.objects.filter(order=order)
        .exclude(status=Fulfillment.Status.CANCELLED)
        .order_by("-shipped_at", "-id")
        .values("carrier", "tracking_number", "tracking_url", "shipped_at")[:1]
    )
    updates = {"fulfillment_status": summary}
    if live:
        updates.update(
            carrier=live[0]["carrier"][:60],
            tracking_number=live[0]["tracking_number"],
            tracking_url=live[0]["tracking_url"][:200],
        )
        if order.shipped_at is None:
            updates["shipped_at"] = live[0]["shipped_at"]
    Order.objects.filter(pk=order.pk).update(**updates, updated_at=timezone.now())


def upsert_refunds(
    order: Order, records: Sequence[RefundRecord], *, order_action: OrderAction | None = None
) -> list[Refund]:
    return _refund_rows([(order, r) for r in records], order_action=order_action)


def _refund_rows(
    pairs: Sequence[tuple[Order, RefundRecord]], *, order_action: OrderAction | None
) -> list[Refund]:
    if not pairs:
        return []
    rows = Refund.objects.bulk_create(
        [
            Refund(
                order=order,
                store_id=r.store_id,
                amount=r.amount,
                currency=r.currency[:3] or order.currency,
                line_items=list(r.line_items),
                status=r.status,
                reason=r.reason[:500],
                processed_at=r.processed_at,
                order_action=order_action,
            )
            for order, r in pairs
        ],
        update_conflicts=True,
        unique_fields=["order", "store_id"],
        update_fields=["amount", "currency", "line_items", "status", "reason", "processed_at"],
    )
    if order_action is not None:
        Refund.objects.filter(pk__in=[r.pk for r in rows], order_action__isnull=True).update(
            order_action=order_action
        )
    return rows


def upsert_returns(
    order: Order, records: Sequence[ReturnRecord], *, order_action: OrderAction | None = None
) -> list[Return]:
    return _return_rows([(order, r) for r in records], order_action=order_action)


def _return_rows(
    pairs: Sequence[tuple[Order, ReturnRecord]], *, order_action: OrderAction | None
) -> list[Return]:
    if not pairs:
        return []
    rows = Return.objects.bulk_create(
        [
            Return(
                order=order,
                store_id=r.store_id,
                status=r.status,
                store_status=r.store_status[:40],
                items=list(r.items),
                rma=r.rma[:100],
                label_url=r.label_url[:500],
                requested_at=r.requested_at,
                closed_at=r.closed_at,
                order_action=order_action,
            )
            for order, r in pairs
        ],
        update_conflicts=True,
        unique_fields=["order", "store_id"],
        update_fields=["status", "store_status", "items", "rma", "label_url", "requested_at", "closed_at"],
    )
    if order_action is not None:
        Return.objects.filter(pk__in=[r.pk for r in rows], order_action__isnull=True).update(
            order_action=order_action
        )
    return rows


@transaction.atomic
def upsert_products(connection: StoreConnection, records: Sequence[ProductRecord]) -> list[Product]:
    if not records:
        return []
    rows = []
    for r in records:
        prices = [vocabulary.money(v.get("price")) for v in r.variants if v.get("price") not in (None, "")]
        stocks = [v.get("stock") for v in r.variants if v.get("stock") is not None]
        rows.append(
            Product(
                connection=connection,
                store_id=r.store_id,
                title=r.title[:300] or r.store_id,
                handle=r.handle[:300],
                description=r.description,
                vendor=r.vendor[:200],
                product_type=r.product_type[:200],
                tags=list(r.tags),
                status=r.status[:20].lower(),
                variants=[dict(v) for v in r.variants],
                price_min=min(prices) if prices else None,
                price_max=max(prices) if prices else None,
                currency=r.currency[:3],
                stock=sum(int(s) for s in stocks) if stocks else None,
                store_updated_at=r.updated_at,
            )
        )
    products = Product.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["connection", "store_id"],
        update_fields=[
            "title",
            "handle",
            "description",
            "vendor",
            "product_type",
            "tags",
            "status",
            "variants",
            "price_min",
            "price_max",
            "currency",
            "stock",
            "store_updated_at",
            "updated_at",
        ],
    )
    link_products(connection)
    return products
