"""Shopify's shapes -> store records: GraphQL Admin API nodes (backfill, mutation answers) and the
REST-shaped JSON of webhooks. Pure functions; no HTTP, no ORM."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime

from store import vocabulary
from store.connectors.base import (
    CustomerRecord,
    FulfillmentRecord,
    LineItemRecord,
    OrderRecord,
    ProductRecord,
    RefundRecord,
    ReturnRecord,
)


def when(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None


def tail_id(gid: Any) -> str:
    """``gid://shopify/LineItem/123`` -> ``123`` (webhooks use bare numbers, GraphQL gids)."""
    return str(gid or "").rsplit("/", 1)[-1]


def nodes(connection: Any) -> list[dict]:
    if isinstance(connection, list):
        return connection
    return list((connection or {}).get("nodes") or [])


def _name(first: Any, last: Any) -> str:
    return " ".join(part for part in (vocabulary.text(first), vocabulary.text(last)) if part)


# --- GraphQL shapes (reads) -------------------------------------------------------------------------


def customer_from_graphql(node: Mapping[str, Any]) -> CustomerRecord:
    return CustomerRecord(
        store_id=str(node.get("legacyResourceId") or tail_id(node.get("id"))),
        email=vocabulary.text(node.get("email")),
        phone=vocabulary.text(node.get("phone")),
        name=_name(node.get("firstName"), node.get("lastName")),
        order_count=int(node["numberOfOrders"]) if node.get("numberOfOrders") is not None else None,
        total_spent=vocabulary.money(node.get("amountSpent")) if node.get("amountSpent") else None,
        tags=list(node.get("tags") or []),
        locale=vocabulary.text(node.get("locale")),
        updated_at=when(node.get("updatedAt")),
    )


def order_from_graphql(node: Mapping[str, Any]) -> OrderRecord:
    currency = node.get("currencyCode") or "EUR"
    fulfillments = [
        _fulfillment(
            store_id=str(f.get("legacyResourceId") or tail_id(f.get("id"))),
            own=f.get("status"),
            shipment=f.get("displayStatus"),
            tracking=(f.get("trackingInfo") or [{}])[0] if f.get("trackingInfo") else {},
            created=f.get("createdAt"),
            updated=f.get("updatedAt"),
            delivered=f.get("deliveredAt"),
            estimated=f.get("estimatedDeliveryAt"),
            history=[
                (
                    vocabulary.shipment_status(e.get("status")),
                    when(e.get("happenedAt")),
                    vocabulary.text(e.get("message")),
                )
                for e in nodes(f.get("events"))
                if when(e.get("happenedAt"))
            ],
        )
        for f in node.get("fulfillments") or []
    ]
    refunds = [
        RefundRecord(
            store_id=str(r.get("legacyResourceId") or tail_id(r.get("id"))),
            amount=vocabulary.money((r.get("totalRefundedSet") or {}).get("shopMoney")),
            currency=((r.get("totalRefundedSet") or {}).get("shopMoney") or {}).get("currencyCode")
            or currency,
            reason=vocabulary.text(r.get("note")),
            processed_at=when(r.get("createdAt")),
            line_items=[
                {
                    "line_item_store_id": tail_id((i.get("lineItem") or {}).get("id")),
                    "sku": vocabulary.text((i.get("lineItem") or {}).get("sku")),
                    "title": vocabulary.text((i.get("lineItem") or {}).get("title")),
                    "quantity": i.get("quantity", 0),
                }
                for i in nodes(r.get("refundLineItems"))
            ],
        )
        for r in node.get("refunds") or []
    ]
    returns = [
        ReturnRecord(
            store_id=tail_id(r.get("id")),
            status=vocabulary.return_status(r.get("status")),
            store_status=vocabulary.text(r.get("status")),
            rma=vocabulary.text(r.get("name")),
            items=[
                {"quantity": i.get("quantity", 0), "reason": vocabulary.text(i.get("returnReason"))}
                for i in nodes(r.get("returnLineItems"))
            ],
        )
        for r in nodes(node.get("returns"))
    ]
    customer = customer_from_graphql(node["customer"]) if node.get("customer") else None
    cancelled = when(node.get("cancelledAt"))
    return OrderRecord(
        store_id=str(node.get("legacyResourceId") or tail_id(node.get("id"))),
        admin_graphql_id=vocabulary.text(node.get("id")),
        number=vocabulary.text(node.get("name")).lstrip("#"),
        status=vocabulary.order_status(node.get("displayFinancialStatus"), cancelled=bool(cancelled)),
        fulfillment_status=vocabulary.order_fulfillment(node.get("displayFulfillmentStatus")),
        financial_status=vocabulary.text(node.get("displayFinancialStatus")),
        store_fulfillment_status=vocabulary.text(node.get("displayFulfillmentStatus")),
        total=vocabulary.money((node.get("totalPriceSet") or {}).get("shopMoney")),
        total_refunded=vocabulary.money((node.get("totalRefundedSet") or {}).get("shopMoney")),
        currency=currency,
        placed_at=when(node.get("createdAt")) or datetime.now().astimezone(),
        updated_at=when(node.get("updatedAt")),
        cancelled_at=cancelled,
        cancel_reason=vocabulary.text(node.get("cancelReason")).lower(),
        shipping_address=dict(node.get("shippingAddress") or {}),
        customer=customer,
        line_items=[
            LineItemRecord(
                store_id=tail_id(li.get("id")),
                title=vocabulary.text(li.get("title")),
                variant_title=vocabulary.text(li.get("variantTitle")),
                sku=vocabulary.text(li.get("sku")),
                quantity=int(li.get("quantity") or 0),
                price=vocabulary.money((li.get("originalUnitPriceSet") or {}).get("shopMoney")),
                product_store_id=vocabulary.text((li.get("product") or {}).get("legacyResourceId")),
                variant_store_id=vocabulary.text((li.get("variant") or {}).get("legacyResourceId")),
            )
            for li in nodes(node.get("lineItems"))
        ],
        fulfillments=fulfillments,
        refunds=refunds,
        returns=returns,
    )


def product_from_graphql(node: Mapping[str, Any]) -> ProductRecord:
    from tickets.intake import html_to_text

    return ProductRecord(
        store_id=str(node.get("legacyResourceId") or tail_id(node.get("id"))),
        title=vocabulary.text(node.get("title")),
        handle=vocabulary.text(node.get("handle")),
        description=html_to_text(vocabulary.text(node.get("descriptionHtml"))),
        vendor=vocabulary.text(node.get("vendor")),
        product_type=vocabulary.text(node.get("productType")),
        status=vocabulary.text(node.get("status")),
        tags=list(node.get("tags") or []),
        variants=[
            {
                "store_id": vocabulary.text(v.get("legacyResourceId")),
                "sku": vocabulary.text(v.get("sku")),
                "title": vocabulary.text(v.get("title")),
                "options": {o.get("name"): o.get("value") for o in v.get("selectedOptions") or []},
                "price": vocabulary.text(v.get("price")),
                "stock": v.get("inventoryQuantity"),
            }
            for v in nodes(node.get("variants"))
        ],
        updated_at=when(node.get("updatedAt")),
    )


def _fulfillment(
    *,
    store_id,
    own,
    shipment,
    tracking,
    created,
    updated,
    delivered=None,
    estimated=None,
    history=(),
    items=(),
) -> FulfillmentRecord:
    status = vocabulary.shipment_status(shipment, own)
    return FulfillmentRecord(
        store_id=store_id,
        status=status,
        store_status=vocabulary.text(own),
        store_shipment_status=vocabulary.text(shipment),
        carrier=vocabulary.text(tracking.get("company")),
        tracking_number=vocabulary.text(tracking.get("number")),
        tracking_url=vocabulary.text(tracking.get("url")),
        shipped_at=when(created),
        updated_at=when(updated) or when(created),
        delivered_at=when(delivered) or (when(updated) if status == "delivered" else None),
        estimated_delivery_at=when(estimated),
        history=list(history),
        line_items=list(items),
    )


# --- webhooks (REST-shaped JSON) --------------------------------------------------------------


def customer_from_rest(data: Mapping[str, Any]) -> CustomerRecord:
    return CustomerRecord(
        store_id=str(data.get("id")),
        email=vocabulary.text(data.get("email")),
        phone=vocabulary.text(data.get("phone")),
        name=_name(data.get("first_name"), data.get("last_name")),
        order_count=data.get("orders_count"),
        total_spent=vocabulary.money(data["total_spent"]) if data.get("total_spent") is not None else None,
        tags=[t.strip() for t in vocabulary.text(data.get("tags")).split(",") if t.strip()],
        locale=vocabulary.text(data.get("locale")),
        updated_at=when(data.get("updated_at")),
    )


def fulfillment_from_rest(data: Mapping[str, Any]) -> FulfillmentRecord:
    return _fulfillment(
        store_id=str(data.get("id")),
        own=data.get("status"),
        shipment=data.get("shipment_status"),
        tracking={
            "company": data.get("tracking_company"),
            "number": data.get("tracking_number"),
            "url": data.get("tracking_url"),
        },
        created=data.get("created_at"),
        updated=data.get("updated_at"),
        items=[
            {
                "line_item_store_id": str(li.get("id")),
                "sku": vocabulary.text(li.get("sku")),
                "title": vocabulary.text(li.get("title")),
                "quantity": li.get("quantity", 0),
            }
            for li in data.get("line_items") or []
        ],
    )


def refund_from_rest(data: Mapping[str, Any]) -> RefundRecord:
    transactions = [t for t in data.get("transactions") or [] if t.get("kind") in (None, "refund")]
    ok = [t for t in transactions if t.get("status") in (None, "success")]
    amount = sum((vocabulary.money(t.get("amount")) for t in ok), Decimal("0"))
    status = (
        "succeeded" if ok or not transactions else vocabulary.refund_status(transactions[0].get("status"))
    )
    return RefundRecord(
        store_id=str(data.get("id")),
        amount=amount,
        currency=vocabulary.text((transactions[0] if transactions else {}).get("currency")),
        status=status,
        reason=vocabulary.text(data.get("note")),
        processed_at=when(data.get("processed_at") or data.get("created_at")),
        line_items=[
            {
                "line_item_store_id": str(i.get("line_item_id")),
                "sku": vocabulary.text((i.get("line_item") or {}).get("sku")),
                "title": vocabulary.text((i.get("line_item") or {}).get("title")),
                "quantity": i.get("quantity", 0),
                "amount": vocabulary.text(i.get("subtotal")),
            }
            for i in data.get("refund_line_items") or []
        ],
    )


def return_from_rest(data: Mapping[str, Any]) -> ReturnRecord:
    status = vocabulary.text(data.get("status"))
    return ReturnRecord(
        store_id=str(data.get("id")),
        status=vocabulary.return_status(status),
        store_status=status,
        rma=vocabulary.text(data.get("name")),
        label_url=vocabulary.text(data.get("label_url")),
        items=[
            {
                "line_item_store_id": str(
                    (i.get("fulfillment_line_item") or {}).get("line_item", {}).get("id", "")
                ),
                "quantity": i.get("quantity", 0),
                "reason": vocabulary.text(i.get("return_reason")),
            }
            for i in data.get("return_line_items") or []
        ],
        requested_at=when(data.get("created_at") or data.get("requested_at")),
        closed_at=when(data.get("closed_at")),
    )


def product_from_rest(data: Mapping[str, Any]) -> ProductRecord:
    from tickets.intake import html_to_text

    options = [o.get("name") for o in data.get("options") or []]
    return ProductRecord(
        store_id=str(data.get("id")),
        title=vocabulary.text(data.get("title")),
        handle=vocabulary.text(data.get("handle")),
        description=html_to_text(vocabulary.text(data.get("body_html"))),
        vendor=vocabulary.text(data.get("vendor")),
        product_type=vocabulary.text(data.get("product_type")),
        status=vocabulary.text(data.get("status")),
        tags=[t.strip() for t in vocabulary.text(data.get("tags")).split(",") if t.strip()],
        variants=[
            {
                "store_id": str(v.get("id")),
                "sku": vocabulary.text(v.get("sku")),
                "title": vocabulary.text(v.get("title")),
                "options": {
                    name: v.get(f"option{n}")
                    for n, name in enumerate(options, start=1)
                    if v.get(f"option{n}")
                },
                "price": vocabulary.text(v.get("price")),
                "stock": v.get("inventory_quantity"),
            }
            for v in data.get("variants") or []
        ],
        updated_at=when(data.get("updated_at")),
    )


def order_from_rest(data: Mapping[str, Any]) -> OrderRecord:
    cancelled = when(data.get("cancelled_at"))
    customer = data.get("customer") or None
    customer_record = customer_from_rest(customer) if customer and customer.get("id") else None
    if customer_record is None and data.get("email"):
        customer_record = CustomerRecord(store_id=f"email:{data['email']}", email=data["email"])
    fulfillments = [fulfillment_from_rest(f) for f in data.get("fulfillments") or []]
    return OrderRecord(
        store_id=str(data.get("id")),
        admin_graphql_id=vocabulary.text(data.get("admin_graphql_api_id")),
        number=vocabulary.text(data.get("order_number") or data.get("name")).lstrip("#"),
        status=vocabulary.order_status(data.get("financial_status"), cancelled=bool(cancelled)),
        fulfillment_status=vocabulary.order_fulfillment(
            data.get("fulfillment_status"), [f.status for f in fulfillments]
        ),
        financial_status=vocabulary.text(data.get("financial_status")),
        store_fulfillment_status=vocabulary.text(data.get("fulfillment_status")),
        total=vocabulary.money(data.get("total_price")),
        currency=vocabulary.text(data.get("currency")) or "EUR",
        placed_at=when(data.get("created_at")) or datetime.now().astimezone(),
        updated_at=when(data.get("updated_at")),
        cancelled_at=cancelled,
        cancel_reason=vocabulary.text(data.get("cancel_reason")).lower(),
        shipping_address=dict(data.get("shipping_address") or {}),
        customer=customer_record,
        line_items=[
            LineItemRecord(
                store_id=str(li.get("id")),
                title=vocabulary.text(li.get("title") or li.get("name")),
                variant_title=vocabulary.text(li.get("variant_title")),
                sku=vocabulary.text(li.get("sku")),
                quantity=int(li.get("quantity") or 0),
                price=vocabulary.money(li.get("price")),
                product_store_id=vocabulary.text(li.get("product_id")),
                variant_store_id=vocabulary.text(li.get("variant_id")),
                fulfilled_quantity=int(li.get("quantity") or 0) - int(li.get("fulfillable_quantity") or 0)
                if li.get("fulfillable_quantity") is not None
                else 0,
            )
            for li in data.get("line_items") or []
        ],
        fulfillments=fulfillments,
        refunds=[refund_from_rest(r) for r in data.get("refunds") or []],
    )
