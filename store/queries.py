"""Reads of store records for the API, the inbox sidebar and the AI flows."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from helpdesk.errors import NotAllowed
from store.models import Fulfillment, FulfillmentEvent, OrderAction
from tickets import queries as ticket_queries
from tickets.models import Order, Ticket


def orders_with_records() -> QuerySet[Order]:
    """Orders with line items, fulfilments (+ history), refunds and returns: five queries at any size."""
    return Order.objects.select_related("store_record", "customer").prefetch_related(
        "store_line_items",
        Prefetch(
            "fulfillments",
            queryset=Fulfillment.objects.prefetch_related(
                Prefetch("history", queryset=FulfillmentEvent.objects.order_by("happened_at", "id"))
            ),
        ),
        "refunds",
        "returns",
    )


def order_for_reader(user, external_id: str) -> Order:
    if not (ticket_queries.sees_all_tickets(user) or ticket_queries.is_staff_member(user)):
        raise NotAllowed("Your role may not read orders.")
    return orders_with_records().get(external_id=external_id)


def ticket_order_panel(ticket: Ticket) -> dict:
    """What the inbox sidebar shows: the ticket's order with its records, the customer's other
    orders (newest 10, one query) and the ticket's order actions."""
    order = orders_with_records().filter(pk=ticket.order_id).first() if ticket.order_id else None
    others = (
        list(
            Order.objects.filter(customer_id=ticket.customer_id)
            .exclude(pk=ticket.order_id or 0)
            .only("pk", "number", "status", "fulfillment_status", "total", "currency", "placed_at")
            .order_by("-placed_at")[:10]
        )
        if ticket.customer_id
        else []
    )
    order_actions = list(
        OrderAction.objects.filter(ticket=ticket).select_related("approval").order_by("-created_at")[:10]
    )
    return {
        "order": order,
        "store_order": getattr(order, "store_record", None) if order else None,
        "other_orders": others,
        "order_actions": order_actions,
        "kinds": OrderAction.Kind.choices,
    }
