"""WooCommerce: the REST API v3 (``/wp-json/wc/v3``) with a consumer key and secret.

Pages are numbered (``X-WP-TotalPages``); the cursor is the next page number. Woo has no returns
API in core and no idempotency header, so a return is an order note carrying the RMA, and the
once-only guarantee for writes comes from ``store.actions`` (one ``OrderAction`` row per key,
plus the key in the order's ``meta_data`` where Woo takes it). Tracking comes from the Shipment
Tracking extension's ``_wc_shipment_tracking_items`` meta when present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime

from store import credentials, vocabulary
from store.connectors import http
from store.connectors.base import (
    ActionResult,
    CustomerRecord,
    FulfillmentRecord,
    LineItemRecord,
    OrderRecord,
    OrderRef,
    Page,
    ProductRecord,
    RefundRecord,
    ReturnRecord,
    StoreRejected,
    WebhookRecords,
)
from store.models import StoreConnection


def _dt(value: Any) -> datetime | None:
    """Woo's ``*_gmt`` fields carry no offset; they are UTC."""
    if not isinstance(value, str) or not value:
        return None
    parsed = parse_datetime(value)
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class WooCommerceBackend:
    kind = "woocommerce"

    def __init__(self, connection: StoreConnection) -> None:
        self.connection = connection
        base = connection.api_base_url.rstrip("/") or f"https://{connection.shop_domain}"
        self.base = f"{base}/wp-json/wc/v3"
        self.label = f"WooCommerce ({connection.shop_domain})"

    def request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None):
        response = http.send(
            method,
            f"{self.base}{path}",
            headers={"Accept": "application/json"},
            json=json,
            params=params,
            auth=(
                credentials.secret(self.connection, "access_token"),
                credentials.secret(self.connection, "api_secret"),
            ),
            store=self.label,
        )
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            message = body.get("message") if isinstance(body, dict) else ""
            raise StoreRejected(f"{self.label} refused it: {message or response.status_code}")
        return response, body

    def _page(self, path: str, cursor: str | None, page_size: int, extra: Mapping[str, Any] | None = None):
        page = int(cursor or 1)
        response, body = self.request(
            "GET", path, params={"per_page": page_size, "page": page, **(extra or {})}
        )
        total = int(response.headers.get("X-WP-TotalPages", page) or page)
        return body, str(page + 1) if page < total else None

    # --- reads ----------------------------------------------------------------------------------

    def fetch_orders(self, *, cursor: str | None, page_size: int = 50) -> Page[OrderRecord]:
        body, after = self._page("/orders", cursor, page_size, {"orderby": "id", "order": "asc"})
        return Page([self.order_from_json(o) for o in body], after)

    def fetch_customers(self, *, cursor: str | None, page_size: int = 50) -> Page[CustomerRecord]:
        body, after = self._page("/customers", cursor, page_size, {"orderby": "id", "order": "asc"})
        return Page([self.customer_from_json(c) for c in body], after)

    def fetch_products(self, *, cursor: str | None, page_size: int = 50) -> Page[ProductRecord]:
        body, after = self._page("/products", cursor, page_size, {"orderby": "id", "order": "asc"})
        return Page([self.product_from_json(p) for p in body], after)

    # --- writes ---------------------------------------------------------------------------------

    def refund(
        self,
        order: OrderRef,
        *,
        amount: Decimal,
        reason: str,
        line_items: Sequence[Mapping[str, Any]],
        notify: bool,
        idempotency_key: str,
    ) -> ActionResult:
        _, body = self.request(
            "POST",
            f"/orders/{order.store_id}/refunds",
            json={
                "amount": str(amount),
                "reason": reason,
                "api_refund": True,
                "line_items": [
                    {"id": int(li["line_item_store_id"]), "quantity": li.get("quantity", 1)}
                    for li in line_items
                    if str(li.get("line_item_store_id", "")).isdigit()
                ],
                "meta_data": [{"key": "_handoff_idempotency_key", "value": idempotency_key}],
            },
        )
        record = RefundRecord(
            store_id=str(body.get("id")),
            amount=vocabulary.money(body.get("amount"), amount),
            currency=order.currency,
            reason=vocabulary.text(body.get("reason")) or reason,
            processed_at=_dt(body.get("date_created_gmt")),
            line_items=list(line_items),
        )
        return ActionResult(
            summary=f"Refunded {record.amount} {record.currency} on order {order.number}.",
            data={"refund_id": record.store_id, "amount": str(record.amount), "currency": record.currency},
            refund=record,
        )

    def cancel(
        self, order: OrderRef, *, reason: str, refund: bool, restock: bool, notify: bool, idempotency_key: str
    ) -> ActionResult:
        self.request("PUT", f"/orders/{order.store_id}", json={"status": "cancelled"})
        self.request(
            "POST", f"/orders/{order.store_id}/notes", json={"note": f"Cancelled from Handoff: {reason}"}
        )
        return ActionResult(summary=f"Order {order.number} cancelled.", data={"refunded": False})

    def create_return(
        self, order: OrderRef, *, items: Sequence[Mapping[str, Any]], reason: str, idempotency_key: str
    ) -> ActionResult:
        rma = f"RMA-{order.number}-{idempotency_key[-6:].upper()}"
        lines = ", ".join(
            f"{i.get('quantity', 1)} x {i.get('title') or i.get('sku') or i.get('line_item_store_id')}"
            for i in items
        )
        _, body = self.request(
            "POST",
            f"/orders/{order.store_id}/notes",
            json={
                "note": f"Return {rma} requested from Handoff: {lines}. Reason: {reason}",
                "customer_note": True,
            },
        )
        record = ReturnRecord(
            store_id=f"note-{body.get('id')}",
            status="requested",
            store_status="note",
            rma=rma,
            items=list(items),
            requested_at=_dt(body.get("date_created_gmt")),
        )
        return ActionResult(
            summary=f"Return {rma} requested on order {order.number}.",
            data={"return_id": record.store_id, "rma": rma, "label_url": ""},
            return_=record,
        )

    def create_replacement(
        self, order: OrderRef, *, items: Sequence[Mapping[str, Any]], note: str, idempotency_key: str
    ) -> ActionResult:
        _, body = self.request(
            "POST",
            "/orders",
            json={
                "status": "processing",
                "set_paid": True,
                "customer_note": note or f"Replacement for order {order.number}",
                "line_items": [
                    {
                        "product_id": int(i["product_store_id"]),
                        "quantity": i.get("quantity", 1),
                        "total": "0.00",
                    }
                    for i in items
                    if str(i.get("product_store_id", "")).isdigit()
                ],
                "meta_data": [
                    {"key": "_handoff_idempotency_key", "value": idempotency_key},
                    {"key": "_handoff_replacement_for", "value": order.store_id},
                ],
            },
        )
        return ActionResult(
            summary=f"Replacement order {body.get('number', body.get('id'))} created for order {order.number}.",
            data={"order_id": str(body.get("id")), "order_name": str(body.get("number", ""))},
        )

    def update_shipping_address(
        self, order: OrderRef, *, address: Mapping[str, Any], idempotency_key: str
    ) -> ActionResult:
        shipping = {
            "first_name": address.get("firstName", ""),
            "last_name": address.get("lastName", ""),
            "address_1": address.get("address1", ""),
            "address_2": address.get("address2", ""),
            "city": address.get("city", ""),
            "state": address.get("province", ""),
            "postcode": address.get("zip", ""),
            "country": address.get("countryCode") or address.get("country", ""),
        }
        self.request("PUT", f"/orders/{order.store_id}", json={"shipping": shipping})
        return ActionResult(
            summary=f"Shipping address of order {order.number} updated.", data={"address": shipping}
        )

    # --- shapes ---------------------------------------------------------------------------------

    def customer_from_json(self, data: Mapping[str, Any]) -> CustomerRecord:
        billing = data.get("billing") or {}
        return CustomerRecord(
            store_id=str(data.get("id")),
            email=vocabulary.text(data.get("email") or billing.get("email")),
            phone=vocabulary.text(billing.get("phone")),
            name=" ".join(
                p
                for p in (vocabulary.text(data.get("first_name")), vocabulary.text(data.get("last_name")))
                if p
            ),
            updated_at=_dt(data.get("date_modified_gmt")),
        )

    def order_from_json(self, data: Mapping[str, Any]) -> OrderRecord:
        billing = data.get("billing") or {}
        status = vocabulary.text(data.get("status"))
        customer_id = data.get("customer_id") or 0
        email = vocabulary.text(billing.get("email"))
        customer = (
            CustomerRecord(
                store_id=str(customer_id) if customer_id else f"email:{email}",
                email=email,
                phone=vocabulary.text(billing.get("phone")),
                name=" ".join(
                    p
                    for p in (
                        vocabulary.text(billing.get("first_name")),
                        vocabulary.text(billing.get("last_name")),
                    )
                    if p
                ),
            )
            if email or customer_id
            else None
        )
        fulfillments = [
            FulfillmentRecord(
                store_id=vocabulary.text(t.get("tracking_id")) or vocabulary.text(t.get("tracking_number")),
                status="confirmed",
                store_status="shipment_tracking",
                carrier=vocabulary.text(t.get("tracking_provider") or t.get("custom_tracking_provider")),
                tracking_number=vocabulary.text(t.get("tracking_number")),
                tracking_url=vocabulary.text(t.get("custom_tracking_link")),
                shipped_at=datetime.fromtimestamp(int(t["date_shipped"]), tz=UTC)
                if str(t.get("date_shipped", "")).isdigit()
                else None,
            )
            for meta in data.get("meta_data") or []
            if meta.get("key") == "_wc_shipment_tracking_items"
            for t in meta.get("value") or []
        ]
        cancelled = status in ("cancelled", "trash")
        return OrderRecord(
            store_id=str(data.get("id")),
            number=vocabulary.text(data.get("number") or data.get("id")),
            status=vocabulary.woo_order_status(status),
            fulfillment_status=vocabulary.woo_fulfillment_status(status),
            financial_status=status,
            store_fulfillment_status=status,
            total=vocabulary.money(data.get("total")),
            currency=vocabulary.text(data.get("currency")) or "EUR",
            placed_at=_dt(data.get("date_created_gmt")) or datetime.now(tz=UTC),
            updated_at=_dt(data.get("date_modified_gmt")),
            cancelled_at=(_dt(data.get("date_modified_gmt")) or datetime.now(tz=UTC)) if cancelled else None,
            cancel_reason="store" if cancelled else "",
            shipping_address=dict(data.get("shipping") or {}),
            customer=customer,
            line_items=[
                LineItemRecord(
                    store_id=str(li.get("id")),
                    title=vocabulary.text(li.get("name")),
                    sku=vocabulary.text(li.get("sku")),
                    quantity=int(li.get("quantity") or 0),
                    price=vocabulary.money(li.get("price")),
                    product_store_id=vocabulary.text(li.get("product_id")),
                    variant_store_id=vocabulary.text(li.get("variation_id") or ""),
                )
                for li in data.get("line_items") or []
            ],
            fulfillments=fulfillments,
            refunds=[
                RefundRecord(
                    store_id=str(r.get("id")),
                    amount=vocabulary.money(r.get("total")),
                    currency=vocabulary.text(data.get("currency")) or "EUR",
                    reason=vocabulary.text(r.get("reason")),
                )
                for r in data.get("refunds") or []
            ],
        )

    def product_from_json(self, data: Mapping[str, Any]) -> ProductRecord:
        from tickets.intake import html_to_text

        stock = data.get("stock_quantity")
        return ProductRecord(
            store_id=str(data.get("id")),
            title=vocabulary.text(data.get("name")),
            handle=vocabulary.text(data.get("slug")),
            description=html_to_text(vocabulary.text(data.get("description"))),
            status=vocabulary.text(data.get("status")),
            tags=[vocabulary.text(t.get("name")) for t in data.get("tags") or []],
            variants=[
                {
                    "store_id": str(data.get("id")),
                    "sku": vocabulary.text(data.get("sku")),
                    "title": "Default",
                    "options": {
                        a.get("name"): ", ".join(a.get("options") or []) for a in data.get("attributes") or []
                    },
                    "price": vocabulary.text(data.get("price")),
                    "stock": stock,
                }
            ],
            updated_at=_dt(data.get("date_modified_gmt")),
        )

    def parse_webhook(self, topic: str, payload: Mapping[str, Any]) -> WebhookRecords:
        resource = topic.split(".", 1)[0]
        if resource == "order":
            return WebhookRecords(order=self.order_from_json(payload))
        if resource == "product":
            return WebhookRecords(product=self.product_from_json(payload))
        if resource == "customer":
            return WebhookRecords(customer=self.customer_from_json(payload))
        return WebhookRecords()
