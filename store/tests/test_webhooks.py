"""Store webhooks: HMAC on the raw body, dedup by webhook id, processing in a job."""

from decimal import Decimal

import pytest

from store.models import Fulfillment, FulfillmentEvent, LineItem, Refund, StoreOrder, WebhookReceipt
from store.tests.payloads import post_shopify, post_woo, shopify_fulfillment, shopify_order, woo_order
from tickets.models import Order

pytestmark = pytest.mark.django_db(transaction=False)


def test_valid_shopify_order_webhook_upserts_order_with_fulfilments_and_refunds(
    client, shopify, django_capture_on_commit_callbacks
):
    """orders/create with a valid HMAC stores the order, its line items, fulfilment and refund."""
    with django_capture_on_commit_callbacks(execute=True):
        response = post_shopify(client, "orders/create", shopify_order(), webhook_id="wh-1")
    assert response.status_code == 200
    order = Order.objects.get(external_id="450789469")
    assert order.number == "1001"
    assert order.status == Order.Status.PARTIALLY_REFUNDED
    assert order.fulfillment_status == Order.Fulfillment.SHIPPED
    assert order.customer.email == "bob.norman@example.com"
    assert LineItem.objects.get(order=order).sku == "IPOD2008GREEN"
    fulfillment = Fulfillment.objects.get(order=order)
    assert (fulfillment.carrier, fulfillment.tracking_number) == ("USPS", "1Z1234512345123456")
    assert Refund.objects.get(order=order).amount == Decimal("10.00")
    assert WebhookReceipt.objects.get().status == WebhookReceipt.Status.PROCESSED


@pytest.mark.parametrize("kind", ["wrong", "missing", "tampered", "unknown shop"])
def test_bad_shopify_hmac_is_refused_and_stores_nothing(
    client, shopify, kind, django_capture_on_commit_callbacks
):
    """A wrong, missing or stale signature (or an unknown shop) gets 401 and leaves no row behind."""
    options = {
        "wrong": {"secret": "not-the-secret"},
        "missing": {"secret": None},
        "tampered": {"tamper": True},
        "unknown shop": {"domain": "other.myshopify.com"},
    }[kind]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_shopify(client, "orders/create", shopify_order(), webhook_id="wh-2", **options)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert not WebhookReceipt.objects.exists()
    assert not Order.objects.exists()


def test_same_shopify_webhook_id_twice_changes_nothing(client, shopify, django_capture_on_commit_callbacks):
    """A replayed delivery (same X-Shopify-Webhook-Id) is acknowledged and ignored."""
    with django_capture_on_commit_callbacks(execute=True):
        first = post_shopify(client, "orders/create", shopify_order(), webhook_id="wh-3")
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(carrier="edited by hand")
    with django_capture_on_commit_callbacks(execute=True):
        second = post_shopify(client, "orders/create", shopify_order(), webhook_id="wh-3")
    assert first.json() == {"received": True, "duplicate": False}
    assert second.json() == {"received": True, "duplicate": True}
    assert WebhookReceipt.objects.count() == 1
    assert Order.objects.get().carrier == "edited by hand"
    assert (Order.objects.count(), Fulfillment.objects.count(), Refund.objects.count()) == (1, 1, 1)


def test_fulfillment_update_records_status_history_once(client, shopify, django_capture_on_commit_callbacks):
    """fulfillments/update with shipment_status delayed moves the shipment and the order to delayed;
    a second delivery with a new webhook id but the same content adds no history row."""
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, "orders/create", shopify_order(shipment_status="in_transit"), webhook_id="wh-4")
        post_shopify(client, "fulfillments/update", shopify_fulfillment(450789469), webhook_id="wh-5")
        post_shopify(client, "fulfillments/update", shopify_fulfillment(450789469), webhook_id="wh-6")
    fulfillment = Fulfillment.objects.get()
    assert fulfillment.status == Fulfillment.Status.DELAYED
    assert fulfillment.order.fulfillment_status == Order.Fulfillment.DELAYED
    assert list(FulfillmentEvent.objects.values_list("status", flat=True)) == ["in_transit", "delayed"]


def test_older_payload_never_overwrites_newer(client, shopify, django_capture_on_commit_callbacks):
    """An orders/updated that arrives late (older updated_at) is skipped."""
    newer = shopify_order() | {"updated_at": "2026-12-05T10:00:00-05:00", "financial_status": "refunded"}
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, "orders/updated", newer, webhook_id="wh-7")
        post_shopify(client, "orders/updated", shopify_order(), webhook_id="wh-8")
    assert Order.objects.get().status == Order.Status.REFUNDED


def test_fulfilment_before_its_order_waits_for_the_retry(client, shopify, django_capture_on_commit_callbacks):
    """A child webhook for an unknown order is kept (failed) and succeeds once the order exists."""
    from store import webhooks

    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, "fulfillments/create", shopify_fulfillment(450789469), webhook_id="wh-9")
    receipt = WebhookReceipt.objects.get()
    assert receipt.status == WebhookReceipt.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, "orders/create", shopify_order(), webhook_id="wh-10")
    assert webhooks.process_receipt(receipt.pk).status == WebhookReceipt.Status.PROCESSED
    assert Fulfillment.objects.get().status == Fulfillment.Status.DELAYED


def test_woocommerce_webhook_verified_stored_and_deduplicated(
    client, woo, django_capture_on_commit_callbacks
):
    """Woo order.updated with a valid signature upserts; bad signature 401; same delivery id twice is a no-op."""
    with django_capture_on_commit_callbacks(execute=True):
        refused = post_woo(client, "order.updated", woo_order(), delivery_id="d-1", secret="wrong")
        first = post_woo(client, "order.updated", woo_order(), delivery_id="d-2")
        again = post_woo(client, "order.updated", woo_order(status="completed"), delivery_id="d-2")
    assert refused.status_code == 401
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    order = StoreOrder.objects.get(connection=woo).order
    assert order.status == Order.Status.PAID
    assert order.fulfillment_status == Order.Fulfillment.SHIPPED  # the tracking item is a shipment
    assert Refund.objects.get(order=order).amount == Decimal("5.00")
    assert Fulfillment.objects.get(order=order).carrier == "Royal Mail"
    assert WebhookReceipt.objects.count() == 1
