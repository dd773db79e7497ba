"""The store card on the ticket page: records shown, actions run from it, query count flat."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from store.models import Refund
from store.tests.factories import FulfillmentFactory, LineItemFactory, StoreOrderFactory
from tickets.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _page_queries(client, ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert response.status_code == 200
    return len(queries)


def _add_orders(customer, connection_, count: int) -> None:
    for _ in range(count):
        record = StoreOrderFactory(connection=connection_, order=OrderFactory(customer=customer))
        LineItemFactory(order=record.order)
        FulfillmentFactory(order=record.order)
        Refund.objects.create(
            order=record.order, store_id=f"r{record.pk}", amount=Decimal("1.00"), currency="EUR"
        )


def test_ticket_page_shows_the_store_card(client, manager, order_ticket):
    FulfillmentFactory(order=order_ticket.order, carrier="UPS", tracking_number="1ZSTORE")
    client.force_login(manager)
    page = client.get(reverse("tickets:detail", args=[order_ticket.pk])).content.decode()
    assert 'id="store-panel"' in page
    assert "1ZSTORE" in page and "Trail Runner 2" in page
    assert reverse("store:order-action", args=[order_ticket.pk]) in page


def test_ticket_page_query_count_is_flat_with_50_orders(client, manager, order_ticket, shopify):
    client.force_login(manager)
    _add_orders(order_ticket.customer, shopify, 1)
    few = _page_queries(client, order_ticket)
    _add_orders(order_ticket.customer, shopify, 49)
    many = _page_queries(client, order_ticket)
    assert many == few


def test_refund_from_the_sidebar_shows_the_result_and_the_reply(client, manager, order_ticket, fake_store):
    client.force_login(manager)
    response = client.post(
        reverse("store:order-action", args=[order_ticket.pk]),
        {"action": "refund", "amount": "25.00", "reason": "Late"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Refunded 25.00 EUR" in html and "business days" in html
    assert Refund.objects.get(order=order_ticket.order).amount == Decimal("25.00")


def test_store_error_is_shown_on_the_ticket(client, manager, order_ticket, fake_store):
    fake_store.fail_next("user_error", value="Order has already been cancelled")
    client.force_login(manager)
    response = client.post(
        reverse("store:order-action", args=[order_ticket.pk]),
        {"action": "cancel"},
        headers={"HX-Request": "true"},
    )
    assert "Order has already been cancelled" in response.content.decode()


@pytest.mark.usefixtures("default_rules")
def test_metrics_count_proactive_messages_and_contacts_avoided(
    api_client, client, shopify, django_capture_on_commit_callbacks
):
    from store import proactive
    from store.tests.payloads import post_shopify, shopify_fulfillment, shopify_order

    # A fixed clock would leave the metrics' 30-day period, and the real clock can fall inside
    # the rules' quiet hours (21-8), which defer the message: the pass runs at the last noon,
    # with the carrier's delay reported an hour before it (fresh, inside the period).
    noon = (timezone.now() - timedelta(hours=12)).replace(hour=12, minute=0, second=0, microsecond=0)
    delayed_at = (noon - timedelta(hours=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, "orders/create", shopify_order(shipment_status="in_transit"), webhook_id="m-1")
        post_shopify(
            client,
            "fulfillments/update",
            shopify_fulfillment(450789469, updated_at=delayed_at),
            webhook_id="m-2",
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert proactive.run_pass(now=noon).sent == 1
    body = api_client.get("/api/v1/metrics/").json()
    assert body["proactive_messages"] == 1
    assert body["contacts_avoided_detail"]["messaged_orders"] == 1
    assert "contacts_avoided" in body
