"""Each store's vocabulary mapped onto ours, in one place.

Shopify speaks in two dialects (REST/webhook lower-case ``partially_refunded``, GraphQL enums
``PARTIALLY_REFUNDED``) and sends ``null`` where nothing is known; WooCommerce has its own order
statuses (``on-hold``, ``completed``). Everything lands here and comes out as ``Order.Status``,
``Order.Fulfillment``, ``Fulfillment.Status``, ``Refund.Status`` and ``Return.Status`` values.
Unknown words map to a safe default rather than failing, so a new store status never loses an
order; the raw word is kept on the record beside the mapped one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from store.models import Fulfillment, Refund, Return
from tickets.models import Order


def _key(word: Any) -> str:
    return str(word or "").strip().lower().replace("-", "_").replace(" ", "_")


# --- Shopify financial status (REST and GraphQL displayFinancialStatus) -> Order.Status
_FINANCIAL = {
    "": Order.Status.PENDING,
    "pending": Order.Status.PENDING,
    "authorized": Order.Status.PENDING,
    "partially_paid": Order.Status.PENDING,
    "expired": Order.Status.PENDING,
    "paid": Order.Status.PAID,
    "partially_refunded": Order.Status.PARTIALLY_REFUNDED,
    "refunded": Order.Status.REFUNDED,
    "voided": Order.Status.CANCELLED,
}

# --- WooCommerce order status -> Order.Status
_WOO_STATUS = {
    "pending": Order.Status.PENDING,
    "on_hold": Order.Status.PENDING,
    "failed": Order.Status.PENDING,
    "checkout_draft": Order.Status.PENDING,
    "processing": Order.Status.PAID,
    "completed": Order.Status.PAID,
    "cancelled": Order.Status.CANCELLED,
    "trash": Order.Status.CANCELLED,
    "refunded": Order.Status.REFUNDED,
}

# --- order-level fulfilment words (Shopify REST/GraphQL, WooCommerce) -> Order.Fulfillment
_ORDER_FULFILLMENT = {
    "": Order.Fulfillment.UNFULFILLED,
    "null": Order.Fulfillment.UNFULFILLED,
    "unfulfilled": Order.Fulfillment.UNFULFILLED,
    "unshipped": Order.Fulfillment.UNFULFILLED,
    "pending": Order.Fulfillment.UNFULFILLED,
    "partial": Order.Fulfillment.PROCESSING,
    "partially_fulfilled": Order.Fulfillment.PROCESSING,
    "in_progress": Order.Fulfillment.PROCESSING,
    "pending_fulfillment": Order.Fulfillment.PROCESSING,
    "open": Order.Fulfillment.PROCESSING,
    "on_hold": Order.Fulfillment.PROCESSING,
    "scheduled": Order.Fulfillment.PROCESSING,
    "request_declined": Order.Fulfillment.PROCESSING,
    "processing": Order.Fulfillment.PROCESSING,
    "fulfilled": Order.Fulfillment.SHIPPED,
    "shipped": Order.Fulfillment.SHIPPED,
    "completed": Order.Fulfillment.SHIPPED,
    "restocked": Order.Fulfillment.RETURNED,
    "returned": Order.Fulfillment.RETURNED,
    **{value: value for value in Order.Fulfillment.values},
}

# --- shipment status (Shopify shipment_status / FulfillmentEventStatus / displayStatus)
_SHIPMENT = {
    "": Fulfillment.Status.CONFIRMED,
    "confirmed": Fulfillment.Status.CONFIRMED,
    "success": Fulfillment.Status.CONFIRMED,
    "fulfilled": Fulfillment.Status.CONFIRMED,
    "pending": Fulfillment.Status.PENDING,
    "open": Fulfillment.Status.PENDING,
    "label_printed": Fulfillment.Status.LABEL_PRINTED,
    "label_purchased": Fulfillment.Status.LABEL_PRINTED,
    "carrier_picked_up": Fulfillment.Status.IN_TRANSIT,
    "picked_up": Fulfillment.Status.IN_TRANSIT,
    "in_transit": Fulfillment.Status.IN_TRANSIT,
    "ready_for_pickup": Fulfillment.Status.OUT_FOR_DELIVERY,
    "out_for_delivery": Fulfillment.Status.OUT_FOR_DELIVERY,
    "attempted_delivery": Fulfillment.Status.ATTEMPTED_DELIVERY,
    "delayed": Fulfillment.Status.DELAYED,
    "delivered": Fulfillment.Status.DELIVERED,
    "failure": Fulfillment.Status.FAILURE,
    "error": Fulfillment.Status.FAILURE,
    "cancelled": Fulfillment.Status.CANCELLED,
}

# Order-level summary of shipments: the worst news wins, then the least progress.
_SHIPMENT_TO_ORDER = {
    Fulfillment.Status.PENDING: Order.Fulfillment.PROCESSING,
    Fulfillment.Status.CONFIRMED: Order.Fulfillment.SHIPPED,
    Fulfillment.Status.LABEL_PRINTED: Order.Fulfillment.SHIPPED,
    Fulfillment.Status.IN_TRANSIT: Order.Fulfillment.IN_TRANSIT,
    Fulfillment.Status.OUT_FOR_DELIVERY: Order.Fulfillment.OUT_FOR_DELIVERY,
    Fulfillment.Status.ATTEMPTED_DELIVERY: Order.Fulfillment.OUT_FOR_DELIVERY,
    Fulfillment.Status.DELAYED: Order.Fulfillment.DELAYED,
    Fulfillment.Status.FAILURE: Order.Fulfillment.DELAYED,
    Fulfillment.Status.DELIVERED: Order.Fulfillment.DELIVERED,
}
_PROGRESS = [
    Order.Fulfillment.PROCESSING,
    Order.Fulfillment.SHIPPED,
    Order.Fulfillment.IN_TRANSIT,
    Order.Fulfillment.OUT_FOR_DELIVERY,
    Order.Fulfillment.DELIVERED,
]

_REFUND = {
    "": Refund.Status.SUCCEEDED,
    "success": Refund.Status.SUCCEEDED,
    "succeeded": Refund.Status.SUCCEEDED,
    "completed": Refund.Status.SUCCEEDED,
    "pending": Refund.Status.PENDING,
    "failure": Refund.Status.FAILED,
    "failed": Refund.Status.FAILED,
    "error": Refund.Status.FAILED,
}

_RETURN = {
    "requested": Return.Status.REQUESTED,
    "open": Return.Status.OPEN,
    "in_progress": Return.Status.OPEN,
    "closed": Return.Status.CLOSED,
    "declined": Return.Status.DECLINED,
    "canceled": Return.Status.CANCELLED,
    "cancelled": Return.Status.CANCELLED,
}


def order_status(financial_status: Any, *, cancelled: bool = False) -> str:
    """Shopify financial status (either dialect, or null) -> ``Order.Status``."""
    word = _key(financial_status)
    if word in ("refunded", "partially_refunded"):
        return _FINANCIAL[word]
    if cancelled:
        return Order.Status.CANCELLED
    return _FINANCIAL.get(word, Order.Status.PAID if word in Order.Status.values else Order.Status.PENDING)


def woo_order_status(status: Any) -> str:
    return _WOO_STATUS.get(_key(status), Order.Status.PENDING)


def woo_fulfillment_status(status: Any) -> str:
    word = _key(status)
    if word == "completed":
        return Order.Fulfillment.SHIPPED
    if word in ("processing", "on_hold"):
        return Order.Fulfillment.PROCESSING
    if word == "refunded":
        return Order.Fulfillment.RETURNED
    return Order.Fulfillment.UNFULFILLED


def order_fulfillment(store_word: Any, shipments: Iterable[str] = ()) -> str:
    """The order's fulfilment summary from the store's word and its shipments' statuses."""
    mapped = [_SHIPMENT_TO_ORDER[s] for s in shipments if s in _SHIPMENT_TO_ORDER]
    if mapped:
        if Order.Fulfillment.DELAYED in mapped:
            return Order.Fulfillment.DELAYED
        return min(mapped, key=_PROGRESS.index)
    return _ORDER_FULFILLMENT.get(_key(store_word), Order.Fulfillment.PROCESSING)


def shipment_status(shipment_status: Any, fulfillment_status: Any = "") -> str:
    """A shipment's status from Shopify's ``shipment_status`` (null until the carrier scans) and
    the fulfilment's own ``status`` (``cancelled`` / ``failure`` outrank shipment news)."""
    own = _key(fulfillment_status)
    if own in ("cancelled", "failure", "error"):
        return _SHIPMENT[own]
    word = _key(shipment_status)
    if word:
        return _SHIPMENT.get(word, Fulfillment.Status.IN_TRANSIT)
    return _SHIPMENT.get(own, Fulfillment.Status.CONFIRMED)


def refund_status(word: Any) -> str:
    return _REFUND.get(_key(word), Refund.Status.SUCCEEDED)


def return_status(word: Any) -> str:
    return _RETURN.get(_key(word), Return.Status.REQUESTED)


def money(value: Any, default: Decimal = Decimal("0")) -> Decimal:
    """A store amount ("12.50", 12.5, {"amount": "12.50"}, a Woo refund "-12.50") as a positive Decimal."""
    if isinstance(value, Mapping):
        value = value.get("amount")
    if value in (None, ""):
        return default
    try:
        return abs(Decimal(str(value))).quantize(Decimal("0.01"))
    except InvalidOperation:
        return default


def text(value: Any) -> str:
    """A string field where the store may send null."""
    return "" if value is None else str(value)


def normalize_order_input(data: Mapping[str, Any]) -> dict[str, Any]:
    """Make a pushed order (``PUT /api/v1/orders/{id}/``) speak our vocabulary: Shopify statuses
    become ours, nulls in text fields become blanks. Values already ours pass through unchanged."""
    values = dict(data)
    for name in ("carrier", "tracking_number", "tracking_url", "number", "currency"):
        if name in values and values[name] is None:
            values[name] = ""
    if "fulfillment_status" in values:
        word = _key(values["fulfillment_status"])
        values["fulfillment_status"] = _ORDER_FULFILLMENT.get(word, values["fulfillment_status"])
    if "financial_status" in values and "status" not in values:
        values["status"] = order_status(
            values.pop("financial_status"), cancelled=bool(values.get("cancelled_at"))
        )
    elif "status" in values and _key(values["status"]) not in Order.Status.values:
        word = _key(values["status"])
        values["status"] = _FINANCIAL.get(word) or _WOO_STATUS.get(word) or values["status"]
    values.pop("financial_status", None)
    values.pop("cancelled_at", None)
    if values.get("line_items") is None and "line_items" in values:
        values["line_items"] = []
    for name in ("shipped_at", "delivered_at"):
        if name in values and values[name] in ("",):
            values[name] = None
    return values
