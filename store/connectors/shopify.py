"""Shopify: the GraphQL Admin API at a pinned version, and its (REST-shaped) webhook payloads.

Reads page with cursors (``pageInfo.endCursor``). Cost-based throttling is read from
``extensions.cost.throttleStatus``: a ``THROTTLED`` error waits until enough points are restored
and retries, and a call that leaves the bucket low waits before the next one. HTTP 429s are
retried by ``store.connectors.http``. Mutations' ``userErrors`` become ``StoreRejected`` with the
store's own words. ``refundCreate`` carries ``@idempotent(key:)`` (mandatory from 2026-04).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings

from store import credentials, vocabulary
from store.connectors import http
from store.connectors import shopify_shapes as shapes
from store.connectors.base import (
    ActionResult,
    CustomerRecord,
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
from store.connectors.shopify_shapes import nodes, tail_id, when
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
        return nodes(data), info.get("endCursor") if info.get("hasNextPage") else None

    # --- reads ----------------------------------------------------------------------------------

    def fetch_orders(self, *, cursor: str | None, page_size: int = 50) -> Page[OrderRecord]:
        nodes, after = self._page(ORDERS_QUERY, "orders", cursor, page_size)
        return Page([shapes.order_from_graphql(n) for n in nodes], after)

    def fetch_customers(self, *, cursor: str | None, page_size: int = 50) -> Page[CustomerRecord]:
        nodes, after = self._page(CUSTOMERS_QUERY, "customers", cursor, page_size)
        return Page([shapes.customer_from_graphql(n) for n in nodes], after)

    def fetch_products(self, *, cursor: str | None, page_size: int = 50) -> Page[ProductRecord]:
        nodes, after = self._page(PRODUCTS_QUERY, "products", cursor, page_size)
        return Page([shapes.product_from_graphql(n) for n in nodes], after)

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
            store_id=str(node.get("legacyResourceId") or tail_id(node.get("id"))),
            amount=vocabulary.money(money.get("amount"), amount),
            currency=money.get("currencyCode") or order.currency,
            reason=reason,
            processed_at=when(node.get("createdAt")),
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
            store_id=tail_id(node.get("id")),
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

    def parse_webhook(self, topic: str, payload: Mapping[str, Any]) -> WebhookRecords:
        resource = topic.split("/", 1)[0]
        if resource == "orders":
            return WebhookRecords(order=shapes.order_from_rest(payload))
        if resource == "fulfillments":
            return WebhookRecords(
                order_store_id=str(payload.get("order_id") or ""),
                fulfillments=[shapes.fulfillment_from_rest(payload)],
            )
        if resource == "refunds":
            return WebhookRecords(
                order_store_id=str(payload.get("order_id") or ""), refunds=[shapes.refund_from_rest(payload)]
            )
        if resource == "returns":
            order_id = payload.get("order_id") or tail_id(
                (payload.get("order") or {}).get("admin_graphql_api_id")
            )
            return WebhookRecords(
                order_store_id=str(order_id or ""), returns=[shapes.return_from_rest(payload)]
            )
        if resource == "customers":
            return WebhookRecords(customer=shapes.customer_from_rest(payload))
        if resource == "products":
            return WebhookRecords(product=shapes.product_from_rest(payload))
        return WebhookRecords()
