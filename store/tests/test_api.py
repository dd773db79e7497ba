"""Store API: the order with its records, Shopify vocabulary on PUT, order actions over HTTP."""

import pytest
from rest_framework.test import APIClient

from routing.models import Approval
from store.models import OrderAction, Refund
from store.tests.payloads import post_shopify, shopify_order
from tickets.models import Order

pytestmark = pytest.mark.django_db


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_get_order_returns_line_items_fulfilments_refunds_and_returns(
    client, api_client, shopify, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, "orders/create", shopify_order(shipment_status="in_transit"), webhook_id="wh-a")
    from store.connectors.base import ReturnRecord
    from store.models import Return
    from store.upsert import upsert_returns

    upsert_returns(
        Order.objects.get(),
        [ReturnRecord(store_id="r1", status="open", rma="#1001-R1", label_url="https://l.example/1.pdf")],
    )
    with django_assert_max_num_queries(12):
        body = api_client.get("/api/v1/orders/450789469/").json()
    assert body["number"] == "1001" and body["financial_status"] == "partially_refunded"
    assert [li["sku"] for li in body["store_line_items"]] == ["IPOD2008GREEN"]
    assert body["fulfillments"][0]["tracking_number"] == "1Z1234512345123456"
    assert body["fulfillments"][0]["history"][0]["status"] == "in_transit"
    assert body["refunds"][0]["amount"] == "10.00"
    assert body["returns"][0]["rma"] == "#1001-R1" and Return.objects.count() == 1


def test_put_order_accepts_shopify_nulls_and_statuses(api_client):
    """What a store integration naturally sends: fulfillment_status "fulfilled" or null, null tracking."""
    shipped = api_client.put(
        "/api/v1/orders/shop-77/",
        {
            "number": "77",
            "fulfillment_status": "fulfilled",
            "financial_status": "partially_refunded",
            "tracking_number": None,
            "carrier": None,
            "total": "10.00",
        },
        format="json",
    )
    unfulfilled = api_client.put(
        "/api/v1/orders/shop-78/",
        {"number": "78", "fulfillment_status": None, "status": "paid"},
        format="json",
    )
    assert shipped.status_code == 201, shipped.json()
    assert unfulfilled.status_code == 201, unfulfilled.json()
    order = Order.objects.get(external_id="shop-77")
    assert (order.fulfillment_status, order.status, order.tracking_number) == (
        "shipped",
        "partially_refunded",
        "",
    )
    assert Order.objects.get(external_id="shop-78").fulfillment_status == "unfulfilled"


def test_put_order_still_names_a_bad_field(api_client):
    response = api_client.put(
        "/api/v1/orders/shop-79/", {"number": "79", "fulfillment_status": "teleported"}, format="json"
    )
    assert response.status_code == 400
    assert "fulfillment_status" in response.json()["fields"]


def test_refund_above_threshold_over_the_api_waits_for_approval(
    order_ticket, manager, fake_store, django_capture_on_commit_callbacks
):
    """202 with a pending approval; the store is called when a manager approves through the API."""
    requester = _as(manager)
    response = requester.post(
        f"/api/v1/tickets/{order_ticket.pk}/order-actions/",
        {"action": "refund", "amount": "180.00", "reason": "Never arrived"},
        format="json",
        headers={"Idempotency-Key": "api-1"},
    )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "awaiting_approval"
    assert fake_store.operations("Refund") == []
    from tickets.tests.factories import UserFactory

    approver = _as(UserFactory(username="boss", roles=["manager"]))
    approval = Approval.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        decided = approver.post(f"/api/v1/approvals/{approval.pk}/approve/", {}, format="json")
    assert decided.status_code in (200, 201), decided.json()
    action = OrderAction.objects.get()
    assert action.status == OrderAction.Status.SUCCEEDED
    assert len(fake_store.operations("Refund")) == 1
    retry = requester.post(
        f"/api/v1/tickets/{order_ticket.pk}/order-actions/",
        {"action": "refund", "amount": "180.00", "reason": "Never arrived"},
        format="json",
        headers={"Idempotency-Key": "api-1"},
    )
    # The same Idempotency-Key replays the first answer (helpdesk/idempotency) and refunds nothing more.
    assert retry.status_code == 202 and retry.json() == response.json()
    assert len(fake_store.operations("Refund")) == 1
    assert Refund.objects.count() == 1


def test_store_user_error_is_a_clear_422(order_ticket, agent, fake_store):
    order_ticket.assignee = agent
    order_ticket.save(update_fields=["assignee"])
    fake_store.fail_next("user_error", value="Refund amount exceeds the refundable amount.")
    response = _as(agent).post(
        f"/api/v1/tickets/{order_ticket.pk}/order-actions/",
        {"action": "refund", "amount": "20.00"},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "store_rejected"
    assert "exceeds the refundable amount" in response.json()["detail"]
    assert not Refund.objects.exists()


def test_missing_amount_names_the_field(order_ticket, manager):
    response = _as(manager).post(
        f"/api/v1/tickets/{order_ticket.pk}/order-actions/", {"action": "refund"}, format="json"
    )
    assert response.status_code == 400
    assert "amount" in response.json()["fields"]
