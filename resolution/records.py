"""Store records the flows read and the store actions they take, through one seam.

Refunds, returns and the store connection belong to the ``store`` app (the store-connection
issue). Until it is installed, refunds are known only from the order's own financial status,
and no return or cancellation can be made at the store: those flows hand the ticket to a person
with the eligibility worked out in the draft, instead of promising an action nobody took.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.apps import apps

from tickets.models import Order


@dataclass(frozen=True)
class RefundRecord:
    amount: Decimal
    currency: str
    processed_at: datetime | None
    method: str
    source: str


def refunds_for(order: Order) -> list[RefundRecord]:
    """The refunds recorded on ``order`` (from the store's records when the store app is installed)."""
    if apps.is_installed("store"):
        Refund = apps.get_model("store", "Refund")
        return [
            RefundRecord(
                amount=row.amount,
                currency=row.currency or order.currency,
                processed_at=getattr(row, "processed_at", None),
                method=getattr(row, "gateway", "") or "your original payment method",
                source=f"refund on order #{order.number}",
            )
            for row in Refund.objects.filter(order=order).order_by("pk")
            if getattr(row, "status", "success") in ("success", "succeeded", "processed", "completed", "")
        ]
    if order.status == Order.Status.REFUNDED:
        return [
            RefundRecord(
                amount=order.total,
                currency=order.currency,
                processed_at=None,
                method="your original payment method",
                source=f"order #{order.number}",
            )
        ]
    return []


def store_connected() -> bool:
    """Whether returns and cancellations can be made at the store from here."""
    return apps.is_installed("store")
