"""Shopify: the GraphQL Admin API at a pinned version, and its (REST-shaped) webhook payloads.

Reads page with cursors (``pageInfo.endCursor``). Cost-based throttling is read from
``extensions.cost.throttleStatus``: a ``THROTTLED`` error waits until enough points are restored
and retries, and a call that leaves the bucket low waits before the next one. HTTP 429s are
retried by ``store.connectors.http``. Mutations' ``userErrors`` become ``StoreRejected`` with the
store's own words. ``refundCreate`` carries ``@idempotent(key:)`` (mandatory from 2026-04).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
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
    StoreError,
    StoreRateLimited,
    StoreRejected,
    WebhookRecords,
)
from store.models import StoreConnection

API_VERSION = "2026-04"

_MONEY = "shopMoney { amount currencyCode }"
ORDER_FIELDS = f"""
  id legacyResourceId name createdAt updatedAt cancelledAt cancelReason
  displayFinancialStatus displayFulfillmentStatus currencyCode
  totalPriceSet {{ {_MONEY} }} totalRefundedSet {{ {_MONEY} }}
  shippingAddress {{ firstName lastName address1 address2 city province zip country countryCodeV2 phone }}
  customer {{ id legacyResourceId email phone firstName lastName numberOfOrders
             amountSpent {{ amount }} tags locale updatedAt }}
  lineItems(first: 50) {{ nodes {{ id sku title variantTitle quantity
    originalUnitPriceSet {{ {_MONEY} }} product {{ legacyResourceId }} variant {{ legacyResourceId }} }} }}
  fulfillments(first: 20) {{ id legacyResourceId status displayStatus createdAt updatedAt deliveredAt
    estimatedDeliveryAt trackingInfo(first: 1) {{ company number url }}
    events(first: 20) {{ nodes {{ status happenedAt message }} }} }}
  refunds(first: 20) {{ id legacyResourceId createdAt note totalRefundedSet {{ {_MONEY} }}
    refundLineItems(first: 50) {{ nodes {{ quantity lineItem {{ id sku title }} }} }} }}
  returns(first: 10) {{ nodes {{ id name status returnLineItems(first: 20) {{ nodes {{ quantity returnReason }} }} }} }}
"""
ORDERS_QUERY = f"""query Orders($first: Int!, $after: String) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }} nodes {{ {ORDER_FIELDS} }} }} }}"""
CUSTOMERS_QUERY = """query Customers($first: Int!, $after: String) {
  customers(first: $first, after: $after) { pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId email phone firstName lastName numberOfOrders amountSpent { amount }
            tags locale updatedAt } } }"""
PRODUCTS_QUERY = """query Products($first: Int!, $after: String) {
  products(first: $first, after: $after) { pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId title handle descriptionHtml vendor productType status tags updatedAt
      variants(first: 100) { nodes { legacyResourceId sku title price inventoryQuantity
        selectedOptions { name value } } } } } }"""
REFUND_MUTATION = """mutation Refund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id legacyResourceId createdAt totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message } } }"""
CANCEL_MUTATION = """mutation Cancel($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!,
  $restock: Boolean!, $notify: Boolean, $note: String) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock,
              notifyCustomer: $notify, staffNote: $note) {
    job { id } orderCancelUserErrors { field message code } } }"""
RETURN_MUTATION = """mutation Return($input: ReturnInput!) {
  returnCreate(returnInput: $input) { return { id name status } userErrors { field message } } }"""
DRAFT_MUTATION = """mutation Draft($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) { draftOrder { id } userErrors { field message } } }"""
COMPLETE_MUTATION = """mutation Complete($id: ID!) {
  draftOrderComplete(id: $id) { draftOrder { order { id legacyResourceId name } } userErrors { field message } } }"""
ADDRESS_MUTATION = """mutation Address($input: OrderInput!) {
  orderUpdate(input: $input) { order { id shippingAddress { address1 city zip country } }
    userErrors { field message } } }"""


def _dt(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None


def _tail(gid: Any) -> str:
    """``gid://shopify/LineItem/123`` -> ``123`` (webhooks use bare numbers, GraphQL gids)."""
    return str(gid or "").rsplit("/", 1)[-1]


def _nodes(connection: Any) -> list[dict]:
    if isinstance(connection, list):
        return connection
    return list((connection or {}).get("nodes") or [])


def _name(first: Any, last: Any) -> str:
    return " ".join(part for part in (vocabulary.text(first), vocabulary.text(last)) if part)


class ShopifyBackend:
    kind = "shopify"

    def __init__(self, connection: StoreConnection) -> None:
        self.connection = connection
        base = connection.api_base_url.rstrip("/") or f"https://{connection.shop_domain}"
        self.url = f"{base}/admin/api/{connection.api_version or API_VERSION}/graphql.json"
        self.label = f"Shopify ({connection.shop_domain})"

    # --- transport ------------------------------------------------------------------------------

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run one query; waits out cost throttling; raises ``StoreError`` on top-level errors."""
        headers = {
            "X-Shopify-Access-Token": credentials.secret(self.connection, "access_token"),
            "Content-Type": "application/json",
        }
        for attempt in range(settings.STORE_MAX_RETRIES + 1):
            response = http.send(
                "POST",
                self.url,
                headers=headers,
                json={"query": query, "variables": dict(variables)},
                store=self.label,
            )
            try:
                body = response.json()
            except ValueError as exc:
                raise StoreError(
                    f"{self.label} answered {response.status_code} with a body that is not JSON."
                ) from exc
            errors = body.get("errors") or []
            if response.status_code >= 400 and not errors:
                raise StoreRejected(f"{self.label} refused the request ({response.status_code}).")
            throttled = any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors)
            if throttled:
                if attempt == settings.STORE_MAX_RETRIES:
                    raise StoreRateLimited(
                        f"{self.label} is throttling queries; nothing was recorded. Try again shortly."
                    )
                http.sleep(self._restore_wait(body, needed=None))
                continue
            if errors:
                raise StoreError(f"{self.label}: {'; '.join(str(e.get('message')) for e in errors)}")
            wait = self._restore_wait(body, needed=None, only_if_low=True)
            if wait:
                http.sleep(wait)
            return body.get("data") or {}
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _restore_wait(body: Mapping[str, Any], *, needed: float | None, only_if_low: bool = False) -> float:
        cost = (body.get("extensions") or {}).get("cost") or {}
        throttle = cost.get("throttleStatus") or {}
        available = float(throttle.get("currentlyAvailable", 0) or 0)
        rate = float(throttle.get("restoreRate", 50) or 50)
        needed = needed if needed is not None else float(cost.get("requestedQueryCost", 0) or 0)
        if only_if_low and available >= needed:
            return 0.0
        return max(0.0, min((needed - available) / rate, settings.STORE_MAX_BACKOFF_SECONDS))

    def _mutate(
        self, query: str, variables: Mapping[str, Any], field: str, errors_key: str = "userErrors"
    ) -> dict:
        payload = self.graphql(query, variables).get(field) or {}
        user_errors = payload.get(errors_key) or []
        if user_errors:
            words = "; ".join(
                f"{'.'.join(str(p) for p in (e.get('field') or []))}: {e.get('message')}".lstrip(": ")
                for e in user_errors
            )
            raise StoreRejected(f"{self.label} refused it: {words}")
        return payload

    def _page(
        self, query: str, root: str, cursor: str | None, page_size: int
    ) -> tuple[list[dict], str | None]:
        data = self.graphql(query, {"first": page_size, "after": cursor})[root]
        info = data.get("pageInfo") or {}
        return _nodes(data), info.get("endCursor") if info.get("hasNextPage") else None

    # --- reads ----------------------------------------------------------------------------------

    def fetch_orders(self, *, cursor: str | None, page_size: int = 50) -> Page[OrderRecord]:
        nodes, after = self._page(ORDERS_QUERY, "orders", cursor, page_size)
        return Page([self.order_from_graphql(n) for n in nodes], after)

    def fetch_customers(self, *, cursor: str | None, page_size: int = 50) -> Page[CustomerRecord]:
        nodes, after = self._page(CUSTOMERS_QUERY, "customers", cursor, page_size)
        return Page([self.customer_from_graphql(n) for n in nodes], after)

    def fetch_products(self, *, cursor: str | None, page_size: int = 50) -> Page[ProductRecord]:
        nodes, after = self._page(PRODUCTS_QUERY, "products", cursor, page_size)
        return Page([self.product_from_graphql(n) for n in nodes], after)

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
        refund_input = {
            "orderId": order.admin_graphql_id or f"gid://shopify/Order/{order.store_id}",
            "note": reason,
            "notify": notify,
            "refundLineItems": [
                {
                    "lineItemId": f"gid://shopify/LineItem/{li['line_item_store_id']}",
                    "quantity": li.get("quantity", 1),
                }
                for li in line_items
                if li.get("line_item_store_id")
            ],
            "transactions": [
                {
                    "orderId": order.admin_graphql_id or f"gid://shopify/Order/{order.store_id}",
                    "kind": "REFUND",
                    "gateway": "shopify_payments",
                    "amount": str(amount),
                }
            ],
        }
        payload = self._mutate(
            REFUND_MUTATION, {"input": refund_input, "key": idempotency_key}, "refundCreate"
        )
        node = payload.get("refund") or {}
        money = (node.get("totalRefundedSet") or {}).get("shopMoney") or {}
        record = RefundRecord(
            store_id=str(node.get("legacyResourceId") or _tail(node.get("id"))),
            amount=vocabulary.money(money.get("amount"), amount),
            currency=money.get("currencyCode") or order.currency,
            reason=reason,
            processed_at=_dt(node.get("createdAt")),
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
        reason_code = (
            reason.upper()
            if reason.upper() in {"CUSTOMER", "FRAUD", "INVENTORY", "DECLINED", "STAFF"}
            else "OTHER"
        )
        payload = self._mutate(
            CANCEL_MUTATION,
            {
                "orderId": order.admin_graphql_id or f"gid://shopify/Order/{order.store_id}",
                "reason": reason_code,
                "refund": refund,
                "restock": restock,
                "notify": notify,
                "note": f"Handoff {idempotency_key}",
            },
            "orderCancel",
            errors_key="orderCancelUserErrors",
        )
        return ActionResult(
            summary=f"Order {order.number} cancelled" + (" and refunded." if refund else "."),
            data={
                "job_id": (payload.get("job") or {}).get("id", ""),
                "refunded": refund,
                "restocked": restock,
            },
        )

    def create_return(
        self, order: OrderRef, *, items: Sequence[Mapping[str, Any]], reason: str, idempotency_key: str
    ) -> ActionResult:
        payload = self._mutate(
            RETURN_MUTATION,
            {
                "input": {
                    "orderId": order.admin_graphql_id or f"gid://shopify/Order/{order.store_id}",
                    "returnLineItems": [
                        {
                            "fulfillmentLineItemId": f"gid://shopify/FulfillmentLineItem/{i['line_item_store_id']}",
                            "quantity": i.get("quantity", 1),
                            "returnReason": (i.get("reason") or "OTHER").upper(),
                        }
                        for i in items
                    ],
                    "notifyCustomer": True,
                }
            },
            "returnCreate",
        )
        node = payload.get("return") or {}
        record = ReturnRecord(
            store_id=_tail(node.get("id")),
            status=vocabulary.return_status(node.get("status")),
            store_status=vocabulary.text(node.get("status")),
            rma=vocabulary.text(node.get("name")),
            label_url=vocabulary.text(node.get("labelUrl")),
            items=list(items),
        )
        return ActionResult(
            summary=f"Return {record.rma or record.store_id} created on order {order.number}.",
            data={"return_id": record.store_id, "rma": record.rma, "label_url": record.label_url},
            return_=record,
        )

    def create_replacement(
        self, order: OrderRef, *, items: Sequence[Mapping[str, Any]], note: str, idempotency_key: str
    ) -> ActionResult:
        draft = self._mutate(
            DRAFT_MUTATION,
            {
                "input": {
                    "note": note or f"Replacement for order {order.number}",
                    "tags": ["handoff-replacement", f"handoff:{idempotency_key}"],
                    "lineItems": [
                        {
                            "variantId": f"gid://shopify/ProductVariant/{i['variant_store_id']}",
                            "quantity": i.get("quantity", 1),
                        }
                        for i in items
                        if i.get("variant_store_id")
                    ],
                    "appliedDiscount": {"value": 100.0, "valueType": "PERCENTAGE", "title": "Replacement"},
                }
            },
            "draftOrderCreate",
        )
        done = self._mutate(
            COMPLETE_MUTATION, {"id": (draft.get("draftOrder") or {}).get("id")}, "draftOrderComplete"
        )
        new_order = ((done.get("draftOrder") or {}).get("order")) or {}
        return ActionResult(
            summary=f"Replacement order {new_order.get('name', '')} created for order {order.number}.",
            data={
                "order_id": vocabulary.text(new_order.get("legacyResourceId")),
                "order_name": new_order.get("name", ""),
            },
        )

    def update_shipping_address(
        self, order: OrderRef, *, address: Mapping[str, Any], idempotency_key: str
    ) -> ActionResult:
        self._mutate(
            ADDRESS_MUTATION,
            {
                "input": {
                    "id": order.admin_graphql_id or f"gid://shopify/Order/{order.store_id}",
                    "shippingAddress": dict(address),
                }
            },
            "orderUpdate",
        )
        return ActionResult(
            summary=f"Shipping address of order {order.number} updated.", data={"address": dict(address)}
        )

    # --- GraphQL shapes -------------------------------------------------------------------------

    def customer_from_graphql(self, node: Mapping[str, Any]) -> CustomerRecord:
        return CustomerRecord(
            store_id=str(node.get("legacyResourceId") or _tail(node.get("id"))),
            email=vocabulary.text(node.get("email")),
            phone=vocabulary.text(node.get("phone")),
            name=_name(node.get("firstName"), node.get("lastName")),
            order_count=int(node["numberOfOrders"]) if node.get("numberOfOrders") is not None else None,
            total_spent=vocabulary.money(node.get("amountSpent")) if node.get("amountSpent") else None,
            tags=list(node.get("tags") or []),
            locale=vocabulary.text(node.get("locale")),
            updated_at=_dt(node.get("updatedAt")),
        )

    def order_from_graphql(self, node: Mapping[str, Any]) -> OrderRecord:
        currency = node.get("currencyCode") or "EUR"
        fulfillments = [
            self._fulfillment(
                store_id=str(f.get("legacyResourceId") or _tail(f.get("id"))),
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
                        _dt(e.get("happenedAt")),
                        vocabulary.text(e.get("message")),
                    )
                    for e in _nodes(f.get("events"))
                    if _dt(e.get("happenedAt"))
                ],
            )
            for f in node.get("fulfillments") or []
        ]
        refunds = [
            RefundRecord(
                store_id=str(r.get("legacyResourceId") or _tail(r.get("id"))),
                amount=vocabulary.money((r.get("totalRefundedSet") or {}).get("shopMoney")),
                currency=((r.get("totalRefundedSet") or {}).get("shopMoney") or {}).get("currencyCode")
                or currency,
                reason=vocabulary.text(r.get("note")),
                processed_at=_dt(r.get("createdAt")),
                line_items=[
                    {
                        "line_item_store_id": _tail((i.get("lineItem") or {}).get("id")),
                        "sku": vocabulary.text((i.get("lineItem") or {}).get("sku")),
                        "title": vocabulary.text((i.get("lineItem") or {}).get("title")),
                        "quantity": i.get("quantity", 0),
                    }
                    for i in _nodes(r.get("refundLineItems"))
                ],
            )
            for r in node.get("refunds") or []
        ]
        returns = [
            ReturnRecord(
                store_id=_tail(r.get("id")),
                status=vocabulary.return_status(r.get("status")),
                store_status=vocabulary.text(r.get("status")),
                rma=vocabulary.text(r.get("name")),
                items=[
                    {"quantity": i.get("quantity", 0), "reason": vocabulary.text(i.get("returnReason"))}
                    for i in _nodes(r.get("returnLineItems"))
                ],
            )
            for r in _nodes(node.get("returns"))
        ]
        customer = self.customer_from_graphql(node["customer"]) if node.get("customer") else None
        cancelled = _dt(node.get("cancelledAt"))
        return OrderRecord(
            store_id=str(node.get("legacyResourceId") or _tail(node.get("id"))),
            admin_graphql_id=vocabulary.text(node.get("id")),
            number=vocabulary.text(node.get("name")).lstrip("#"),
            status=vocabulary.order_status(node.get("displayFinancialStatus"), cancelled=bool(cancelled)),
            fulfillment_status=vocabulary.order_fulfillment(node.get("displayFulfillmentStatus")),
            financial_status=vocabulary.text(node.get("displayFinancialStatus")),
            store_fulfillment_status=vocabulary.text(node.get("displayFulfillmentStatus")),
            total=vocabulary.money((node.get("totalPriceSet") or {}).get("shopMoney")),
            total_refunded=vocabulary.money((node.get("totalRefundedSet") or {}).get("shopMoney")),
            currency=currency,
            placed_at=_dt(node.get("createdAt")) or datetime.now().astimezone(),
            updated_at=_dt(node.get("updatedAt")),
            cancelled_at=cancelled,
            cancel_reason=vocabulary.text(node.get("cancelReason")).lower(),
            shipping_address=dict(node.get("shippingAddress") or {}),
            customer=customer,
            line_items=[
                LineItemRecord(
                    store_id=_tail(li.get("id")),
                    title=vocabulary.text(li.get("title")),
                    variant_title=vocabulary.text(li.get("variantTitle")),
                    sku=vocabulary.text(li.get("sku")),
                    quantity=int(li.get("quantity") or 0),
                    price=vocabulary.money((li.get("originalUnitPriceSet") or {}).get("shopMoney")),
                    product_store_id=vocabulary.text((li.get("product") or {}).get("legacyResourceId")),
                    variant_store_id=vocabulary.text((li.get("variant") or {}).get("legacyResourceId")),
                )
                for li in _nodes(node.get("lineItems"))
            ],
            fulfillments=fulfillments,
            refunds=refunds,
            returns=returns,
        )

    def product_from_graphql(self, node: Mapping[str, Any]) -> ProductRecord:
        from tickets.intake import html_to_text

        return ProductRecord(
            store_id=str(node.get("legacyResourceId") or _tail(node.get("id"))),
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
                for v in _nodes(node.get("variants"))
            ],
            updated_at=_dt(node.get("updatedAt")),
        )

    @staticmethod
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
            shipped_at=_dt(created),
            updated_at=_dt(updated) or _dt(created),
            delivered_at=_dt(delivered) or (_dt(updated) if status == "delivered" else None),
            estimated_delivery_at=_dt(estimated),
            history=list(history),
            line_items=list(items),
        )

    # --- webhooks (REST-shaped JSON) --------------------------------------------------------------

    def parse_webhook(self, topic: str, payload: Mapping[str, Any]) -> WebhookRecords:
        resource = topic.split("/", 1)[0]
        if resource == "orders":
            return WebhookRecords(order=self.order_from_rest(payload))
        if resource == "fulfillments":
            return WebhookRecords(
                order_store_id=str(payload.get("order_id") or ""),
                fulfillments=[self.fulfillment_from_rest(payload)],
            )
        if resource == "refunds":
            return WebhookRecords(
                order_store_id=str(payload.get("order_id") or ""), refunds=[self.refund_from_rest(payload)]
            )
        if resource == "returns":
            order_id = payload.get("order_id") or _tail(
                (payload.get("order") or {}).get("admin_graphql_api_id")
            )
            return WebhookRecords(
                order_store_id=str(order_id or ""), returns=[self.return_from_rest(payload)]
            )
        if resource == "customers":
            return WebhookRecords(customer=self.customer_from_rest(payload))
        if resource == "products":
            return WebhookRecords(product=self.product_from_rest(payload))
        return WebhookRecords()

    def customer_from_rest(self, data: Mapping[str, Any]) -> CustomerRecord:
        return CustomerRecord(
            store_id=str(data.get("id")),
            email=vocabulary.text(data.get("email")),
            phone=vocabulary.text(data.get("phone")),
            name=_name(data.get("first_name"), data.get("last_name")),
            order_count=data.get("orders_count"),
            total_spent=vocabulary.money(data["total_spent"])
            if data.get("total_spent") is not None
            else None,
            tags=[t.strip() for t in vocabulary.text(data.get("tags")).split(",") if t.strip()],
            locale=vocabulary.text(data.get("locale")),
            updated_at=_dt(data.get("updated_at")),
        )

    def fulfillment_from_rest(self, data: Mapping[str, Any]) -> FulfillmentRecord:
        return self._fulfillment(
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

    def refund_from_rest(self, data: Mapping[str, Any]) -> RefundRecord:
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
            processed_at=_dt(data.get("processed_at") or data.get("created_at")),
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

    def return_from_rest(self, data: Mapping[str, Any]) -> ReturnRecord:
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
            requested_at=_dt(data.get("created_at") or data.get("requested_at")),
            closed_at=_dt(data.get("closed_at")),
        )

    def product_from_rest(self, data: Mapping[str, Any]) -> ProductRecord:
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
            updated_at=_dt(data.get("updated_at")),
        )

    def order_from_rest(self, data: Mapping[str, Any]) -> OrderRecord:
        cancelled = _dt(data.get("cancelled_at"))
        customer = data.get("customer") or None
        customer_record = self.customer_from_rest(customer) if customer and customer.get("id") else None
        if customer_record is None and data.get("email"):
            customer_record = CustomerRecord(store_id=f"email:{data['email']}", email=data["email"])
        fulfillments = [self.fulfillment_from_rest(f) for f in data.get("fulfillments") or []]
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
            placed_at=_dt(data.get("created_at")) or datetime.now().astimezone(),
            updated_at=_dt(data.get("updated_at")),
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
            refunds=[self.refund_from_rest(r) for r in data.get("refunds") or []],
        )
