"""The ``StoreBackend`` protocol every store connector implements, and the plain records it speaks.

Connectors take and return dataclasses, never ORM objects: ``store.upsert`` writes records to the
database and ``store.actions`` calls the write methods, so a connector only talks HTTP and maps
shapes. Every write method takes an ``idempotency_key``; a connector passes it to the store where
the API accepts one, and the caller (``store.actions``) guarantees a key is used once.

Errors are ``StoreError`` subclasses with a message an agent can read: ``StoreRejected`` (the
store said no: a Shopify userError, a Woo 400), ``StoreRateLimited`` (429 after the retries),
``StoreTimeout`` and ``StoreUnavailable`` (5xx / connection refused).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from rest_framework import status

from helpdesk.errors import HelpdeskError

T = TypeVar("T")


class StoreError(HelpdeskError):
    """The store could not do it."""

    code = "store_error"
    status = status.HTTP_502_BAD_GATEWAY


class StoreRejected(StoreError):
    """The store refused the request."""

    code = "store_rejected"
    status = status.HTTP_422_UNPROCESSABLE_ENTITY


class StoreRateLimited(StoreError):
    """The store is rate limiting; try again shortly."""

    code = "store_rate_limited"
    status = status.HTTP_503_SERVICE_UNAVAILABLE


class StoreTimeout(StoreError):
    """The store did not answer in time."""

    code = "store_timeout"
    status = status.HTTP_504_GATEWAY_TIMEOUT


class StoreUnavailable(StoreError):
    """The store could not be reached."""

    code = "store_unavailable"
    status = status.HTTP_502_BAD_GATEWAY


# --- records (store-neutral; statuses already mapped by ``store.vocabulary``) -------------------


@dataclass(frozen=True)
class LineItemRecord:
    store_id: str
    title: str
    quantity: int
    price: Decimal
    sku: str = ""
    variant_title: str = ""
    product_store_id: str = ""
    variant_store_id: str = ""
    fulfilled_quantity: int = 0
    refunded_quantity: int = 0


@dataclass(frozen=True)
class FulfillmentRecord:
    store_id: str
    status: str  # a Fulfillment.Status value
    store_status: str = ""
    store_shipment_status: str = ""
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    line_items: Sequence[Mapping[str, Any]] = ()
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    estimated_delivery_at: datetime | None = None
    updated_at: datetime | None = None
    # (status, happened_at, message) steps when the store sends the history (Shopify events)
    history: Sequence[tuple[str, datetime, str]] = ()


@dataclass(frozen=True)
class RefundRecord:
    store_id: str
    amount: Decimal
    currency: str
    status: str = "succeeded"  # a Refund.Status value
    reason: str = ""
    processed_at: datetime | None = None
    line_items: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class ReturnRecord:
    store_id: str
    status: str  # a Return.Status value
    store_status: str = ""
    rma: str = ""
    label_url: str = ""
    items: Sequence[Mapping[str, Any]] = ()
    requested_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class CustomerRecord:
    store_id: str
    email: str = ""
    phone: str = ""
    name: str = ""
    order_count: int | None = None
    total_spent: Decimal | None = None
    tags: Sequence[str] = ()
    locale: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class OrderRecord:
    store_id: str
    number: str
    status: str  # an Order.Status value
    fulfillment_status: str  # an Order.Fulfillment value
    total: Decimal
    currency: str
    placed_at: datetime
    admin_graphql_id: str = ""
    financial_status: str = ""  # the store's own words, kept for display
    store_fulfillment_status: str = ""
    customer: CustomerRecord | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    shipping_address: Mapping[str, Any] = field(default_factory=dict)
    total_refunded: Decimal = Decimal("0")
    updated_at: datetime | None = None
    line_items: Sequence[LineItemRecord] = ()
    fulfillments: Sequence[FulfillmentRecord] = ()
    refunds: Sequence[RefundRecord] = ()
    returns: Sequence[ReturnRecord] = ()


@dataclass(frozen=True)
class ProductRecord:
    store_id: str
    title: str
    description: str = ""
    handle: str = ""
    vendor: str = ""
    product_type: str = ""
    status: str = ""
    tags: Sequence[str] = ()
    # [{"store_id", "sku", "title", "options": {...}, "price": "12.00", "stock": 3}]
    variants: Sequence[Mapping[str, Any]] = ()
    currency: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a backfill; ``next_cursor`` is None on the last page."""

    items: Sequence[T]
    next_cursor: str | None


@dataclass(frozen=True)
class OrderRef:
    """What a write call needs to name an order in the store."""

    store_id: str
    number: str
    currency: str
    admin_graphql_id: str = ""


@dataclass(frozen=True)
class ActionResult:
    """A store write's outcome for the ticket: ids, references, links, and a one-line summary."""

    summary: str
    data: Mapping[str, Any] = field(default_factory=dict)
    refund: RefundRecord | None = None
    return_: ReturnRecord | None = None


@dataclass(frozen=True)
class WebhookRecords:
    """What one webhook carries, ready for ``store.upsert``. ``order_store_id`` names the parent
    order for child-only topics (a fulfilment or refund webhook)."""

    order: OrderRecord | None = None
    order_store_id: str = ""
    fulfillments: Sequence[FulfillmentRecord] = ()
    refunds: Sequence[RefundRecord] = ()
    returns: Sequence[ReturnRecord] = ()
    customer: CustomerRecord | None = None
    product: ProductRecord | None = None


class StoreBackend(Protocol):
    """A store's API: reads for the backfill, writes for order actions, webhook parsing."""

    kind: str

    def fetch_orders(self, *, cursor: str | None, page_size: int = 50) -> Page[OrderRecord]: ...

    def fetch_customers(self, *, cursor: str | None, page_size: int = 50) -> Page[CustomerRecord]: ...

    def fetch_products(self, *, cursor: str | None, page_size: int = 50) -> Page[ProductRecord]: ...

    def refund(
        self,
        order: OrderRef,
        *,
        amount: Decimal,
        reason: str,
        line_items: Sequence[Mapping[str, Any]],
        notify: bool,
        idempotency_key: str,
    ) -> ActionResult: ...

    def cancel(
        self, order: OrderRef, *, reason: str, refund: bool, restock: bool, notify: bool, idempotency_key: str
    ) -> ActionResult: ...

    def create_return(
        self, order: OrderRef, *, items: Sequence[Mapping[str, Any]], reason: str, idempotency_key: str
    ) -> ActionResult: ...

    def create_replacement(
        self, order: OrderRef, *, items: Sequence[Mapping[str, Any]], note: str, idempotency_key: str
    ) -> ActionResult: ...

    def update_shipping_address(
        self, order: OrderRef, *, address: Mapping[str, Any], idempotency_key: str
    ) -> ActionResult: ...

    def parse_webhook(self, topic: str, payload: Mapping[str, Any]) -> WebhookRecords: ...
