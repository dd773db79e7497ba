"""The demo's own orders get the records a connected store reports, and the flows read them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from demo.store import seed_order_records
from resolution import records
from store.models import Fulfillment, FulfillmentEvent, Refund
from tickets.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_demo_orders_get_shipments_with_scans_and_refunds_once():
    placed = timezone.now() - timedelta(days=30)
    in_transit = OrderFactory(
        external_id="demo-order-0001-0",
        number="100010",
        fulfillment_status="in_transit",
        carrier="DHL",
        tracking_number="123456789012",
        placed_at=placed,
        shipped_at=placed + timedelta(days=1),
    )
    returned = OrderFactory(
        external_id="demo-order-0002-0",
        number="100020",
        status="refunded",
        fulfillment_status="returned",
        carrier="UPS",
        tracking_number="998877665544",
        total=Decimal("39.90"),
        placed_at=placed,
        shipped_at=placed + timedelta(days=1),
        delivered_at=placed + timedelta(days=4),
    )
    unshipped = OrderFactory(
        external_id="demo-order-0003-0", number="100030", fulfillment_status="processing"
    )
    elsewhere = OrderFactory(external_id="shop-1", fulfillment_status="in_transit", shipped_at=placed)

    seed_order_records(None)
    seed_order_records(None)  # a second run writes nothing new

    assert Fulfillment.objects.count() == 2
    assert not Fulfillment.objects.filter(order__in=[unshipped, elsewhere]).exists()
    scan = records.last_scan(in_transit)
    assert scan.text == "Arrived at the DHL sorting hub (Hub Frankfurt)"
    assert scan.at == in_transit.shipped_at + timedelta(hours=20)
    assert Fulfillment.objects.get(order=returned).status == "delivered"
    assert FulfillmentEvent.objects.filter(fulfillment__order=returned).count() == 4
    (refund,) = records.refunds_for(returned)
    assert refund.amount == Decimal("39.90")
    assert refund.processed_at == returned.delivered_at + timedelta(days=8)
    assert Refund.objects.count() == 1


def test_demo_catalogue_becomes_product_records_the_ai_quotes():
    from demo.store import seed_products
    from store.tests.factories import StoreConnectionFactory

    connection = StoreConnectionFactory()
    assert seed_products(connection) == seed_products(connection) == 18
    (kettle,) = records.products_named("Is the glass electric kettle dishwasher safe?", limit=1)
    assert kettle.title == "Glass electric kettle" and "dishwasher safe" in kettle.description
    (blender,) = records.products_named("Is the jar of the Pro blender 1500 W dishwasher safe?")
    assert blender.title == "Pro blender 1500 W"
    assert records.products_named("Do you sell garden chairs?") == []
