"""The customer reply that announces an order action, drafted from the store's result.

Drafted only after the store confirmed the action (``store.actions.execute_order_action``), so a
reply never promises a refund, RMA or label that does not exist.
"""

from __future__ import annotations

from django.conf import settings

from store.connectors.base import ActionResult
from store.models import OrderAction


def draft_for(action: OrderAction, result: ActionResult) -> str:
    order = action.order
    name = order.customer.name.split()[0] if order.customer and order.customer.name else "there"
    greeting = f"Hi {name},"
    days = getattr(settings, "STORE_REFUND_DAYS", "5-10")
    if action.kind == OrderAction.Kind.REFUND and result.refund is not None:
        body = (
            f"I've refunded {result.refund.amount} {result.refund.currency} for order #{order.number} to your "
            f"original payment method. Depending on your bank it shows on your statement within {days} business days."
        )
    elif action.kind == OrderAction.Kind.CREATE_RETURN and result.return_ is not None:
        body = (
            f"Your return {result.return_.rma or result.return_.store_id} for order #{order.number} is open."
        )
        if result.return_.label_url:
            body += f" Print your prepaid return label here: {result.return_.label_url}"
        body += " Once the parcel reaches us, your refund follows."
    elif action.kind == OrderAction.Kind.CANCEL:
        body = f"Order #{order.number} is cancelled."
        if result.data.get("refunded"):
            body += f" The full amount goes back to your original payment method within {days} business days."
    elif action.kind == OrderAction.Kind.REPLACEMENT:
        body = (
            f"I've sent a replacement free of charge: order {result.data.get('order_name') or ''} ships soon, "
            "and you'll get its tracking link by email."
        ).replace("order  ships", "the new order ships")
    else:
        address = action.params.get("address", {})
        body = (
            f"Order #{order.number} now ships to {address.get('address1', '')}, {address.get('zip', '')} "
            f"{address.get('city', '')}, {address.get('country', '')}."
        )
    return f"{greeting}\n\n{body}\n\nBest regards"
