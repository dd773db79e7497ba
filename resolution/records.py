"""Store records the flows read, and the store actions they take, through one seam.

With the store app (``store``: fulfilments with their scan history, refunds, returns, and the
connection that creates returns and cancels orders), the flows quote those records. An order
that did not come from a connected store is known only from its own fields: its refunds from its
financial status, and no return or cancellation can be made for it, so those flows hand the
ticket to a person with the eligibility worked out instead of promising an action nobody took.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.db.models import F, TextField, Value
from django.db.models.functions import Length

from helpdesk.errors import HelpdeskError
from tickets.models import Order, Ticket


@dataclass(frozen=True)
class RefundRecord:
    amount: Decimal
    currency: str
    processed_at: datetime | None
    source: str


@dataclass(frozen=True)
class Scan:
    text: str
    at: datetime


@dataclass(frozen=True)
class StoreResult:
    ok: bool
    error: str = ""
    rma: str = ""
    label_url: str = ""
    source: str = ""


def _store() -> bool:
    return apps.is_installed("store")


def refunds_for(order: Order) -> list[RefundRecord]:
    """The refunds that went through on ``order``."""
    if _store():
        Refund = apps.get_model("store", "Refund")
        rows = Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED).order_by(
            "processed_at", "pk"
        )
        found = [
            RefundRecord(
                row.amount, row.currency or order.currency, row.processed_at, f"refund {row.store_id}"
            )
            for row in rows
        ]
        if found:
            return found
    if order.status == Order.Status.REFUNDED:
        return [RefundRecord(order.total, order.currency, None, f"order #{order.number}")]
    return []


def last_scan(order: Order) -> Scan | None:
    """The carrier's latest scan of the order's most recent shipment, if the store reported one."""
    if not _store():
        return None
    FulfillmentEvent = apps.get_model("store", "FulfillmentEvent")
    event = (
        FulfillmentEvent.objects.filter(fulfillment__order=order)
        .order_by("-happened_at", "-pk")
        .values("message", "location", "status", "happened_at")
        .first()
    )
    if event is None:
        return None
    text = event["message"] or event["status"].replace("_", " ")
    if event["location"]:
        text += f" ({event['location']})"
    return Scan(text, event["happened_at"])


@dataclass(frozen=True)
class ProductRecord:
    title: str
    description: str
    source: str


def products_named(text: str, *, limit: int = 2) -> list[ProductRecord]:
    """The store's products whose title the customer wrote (longest title first: "Pro blender
    1500 W" before "blender"), with a description to quote."""
    if not _store() or not text.strip():
        return []
    Product = apps.get_model("store", "Product")
    rows = (
        Product.objects.annotate(asked=Value(text, output_field=TextField()), title_length=Length("title"))
        .filter(asked__icontains=F("title"), recalled=False)
        .exclude(description="")
        .exclude(status__in=["draft", "archived"])
        .order_by("-title_length", "pk")
        .values("title", "description", "store_id")[:limit]
    )
    return [ProductRecord(row["title"], row["description"], f"product {row['store_id']}") for row in rows]


def store_connected(order: Order) -> bool:
    """Whether returns and cancellations for ``order`` can be made at its store from here."""
    if not _store():
        return False
    StoreOrder = apps.get_model("store", "StoreOrder")
    return StoreOrder.objects.filter(order=order, connection__is_active=True).exists()


def request_store_action(ticket: Ticket, kind: str, params: dict) -> StoreResult:
    """Create a return or cancel the ticket's order at the store, as the AI (logged by the store
    app as an order action on the ticket; a person can see and undo it from the sidebar)."""
    from store.actions import request_order_action

    try:
        action = request_order_action(ticket, kind=kind, params=params, actor=None, actor_kind="ai")
    except HelpdeskError as error:
        return StoreResult(False, error.message)
    if action.status != "succeeded":
        return StoreResult(
            False, action.error or f"the store action is {action.get_status_display().lower()}"
        )
    if kind == "create_return":
        created = action.returns.order_by("-pk").first()
        if created is None or not created.rma:
            return StoreResult(False, "the store created the return without an RMA reference")
        return StoreResult(
            True, rma=created.rma, label_url=created.label_url, source=f"return {created.store_id}"
        )
    return StoreResult(True, source=f"order action {action.pk}")
