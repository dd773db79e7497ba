"""Factories for store records; a connection's secrets are set encrypted like ``connect_store`` does."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from store import credentials
from store.models import Fulfillment, LineItem, StoreConnection, StoreOrder
from tickets.tests.factories import OrderFactory

WEBHOOK_SECRET = "whsec-test-123"


class StoreConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreConnection
        skip_postgeneration_save = True

    kind = StoreConnection.Kind.SHOPIFY
    shop_domain = factory.Sequence(lambda n: f"shop{n}.myshopify.com")
    name = factory.LazyAttribute(lambda c: c.shop_domain)
    api_base_url = "http://127.0.0.1:9"

    @factory.post_generation
    def secrets(self, create, extracted, **kwargs):
        credentials.set_secret(self, "access_token", "shpat_test")
        credentials.set_secret(self, "api_secret", "cs_test")
        credentials.set_secret(self, "webhook_secret", WEBHOOK_SECRET)
        if create:
            self.save()


class StoreOrderFactory(factory.django.DjangoModelFactory):
    """An order from a connected store (the ``tickets.Order`` plus its store record)."""

    class Meta:
        model = StoreOrder

    order = factory.SubFactory(OrderFactory, total=Decimal("59.90"))
    connection = factory.SubFactory(StoreConnectionFactory)
    store_id = factory.LazyAttribute(lambda s: s.order.external_id)
    admin_graphql_id = factory.LazyAttribute(lambda s: f"gid://shopify/Order/{s.store_id}")
    financial_status = "paid"


class LineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineItem

    store_id = factory.Sequence(lambda n: str(9000 + n))
    title = "Trail Runner 2"
    sku = "SKU-10"
    quantity = 1
    price = Decimal("59.90")


class FulfillmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fulfillment

    store_id = factory.Sequence(lambda n: str(7000 + n))
    status = Fulfillment.Status.IN_TRANSIT
    carrier = "DHL"
    tracking_number = factory.Sequence(lambda n: f"JD{n:010d}")
    shipped_at = factory.LazyFunction(timezone.now)
    last_scan_at = factory.LazyFunction(timezone.now)
