"""Store test fixtures: a real loopback fake store, and a connection pointing at it."""

from __future__ import annotations

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
