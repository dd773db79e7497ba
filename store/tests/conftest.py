"""Store test fixtures: a real loopback fake store, and a connection pointing at it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store.fakestore import FakeStore


@pytest.fixture
def fake_store():
    store = FakeStore().start()
    store.seed(orders=0)
    yield store
    store.stop()


@pytest.fixture
def shopify(db, fake_store):
    from store.tests.factories import StoreConnectionFactory

    return StoreConnectionFactory(
        kind="shopify", shop_domain="demo.myshopify.com", api_base_url=fake_store.url
    )


@pytest.fixture
def woo(db, fake_store):
    from store.tests.factories import StoreConnectionFactory

    return StoreConnectionFactory(
        kind="woocommerce", shop_domain="woo.example.com", api_base_url=fake_store.url
    )


@pytest.fixture(autouse=True)
def _quick_store_calls(settings):
    """Short timeouts and backoff caps so fault tests finish fast (the fake's Retry-After is 0.05 s)."""
    settings.STORE_TIMEOUT_SECONDS = 1.0
    settings.STORE_MAX_BACKOFF_SECONDS = 0.2
    settings.STORE_MAX_RETRIES = 3


@pytest.fixture
def order_ticket(shopify, fake_store):
    """A ticket about an order that exists both here and in the fake Shopify."""
    node = fake_store.add_order(email="ann@example.org")
    node["totalPriceSet"]["shopMoney"]["amount"] = "250.00"
    from store.tests.factories import LineItemFactory, StoreOrderFactory
    from tickets.tests.factories import TicketFactory

    record = StoreOrderFactory(
        connection=shopify,
        store_id=node["legacyResourceId"],
        admin_graphql_id=node["id"],
        order__external_id=node["legacyResourceId"],
        order__total=Decimal("250.00"),
    )
    LineItemFactory(
        order=record.order,
        store_id=node["lineItems"]["nodes"][0]["id"].rsplit("/", 1)[-1],
        price=Decimal("250.00"),
    )
    return TicketFactory(customer=record.order.customer, order=record.order)


@pytest.fixture
def default_rules(db):
    """The outreach rules the data migration installs (a transactional test elsewhere may have
    flushed them, so tests that need them ask for them)."""
    import importlib

    from django.apps import apps

    importlib.import_module("store.migrations.0002_default_proactive_rules").create(apps, None)
