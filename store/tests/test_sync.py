"""Connectors against the loopback fake: cursor pages, throttling, resumable backfill, commands."""

from io import StringIO

import pytest
from django.core.management import call_command

from store import sync
from store.connectors import backend_for
from store.connectors.base import StoreRateLimited
from store.models import LineItem, Product, StoreConnection, StoreCustomer, StoreOrder
from tickets.models import Order

pytestmark = pytest.mark.django_db


def test_shopify_backfill_pages_through_everything(shopify, fake_store):
    fake_store.seed(orders=23)
    counts = sync.sync_connection(shopify, page_size=5)
    assert counts == {"customers": len(fake_store.customers), "products": 5, "orders": 23}
    assert StoreOrder.objects.filter(connection=shopify).count() == 23
    assert len(fake_store.operations("Orders")) == 5  # 5 + 5 + 5 + 5 + 3
    assert LineItem.objects.filter(product__isnull=False).count() == 23  # linked to synced products
    assert Product.objects.get(title="Trail Runner 2").variants[0]["options"] == {"Option": "38"}


def test_interrupted_backfill_resumes_where_it_stopped(shopify, fake_store):
    fake_store.seed(orders=20)
    sync.sync_connection(shopify, resources=("orders",), page_size=5, max_pages=2)
    shopify.refresh_from_db()
    assert shopify.sync_cursor == {"orders": "10"}
    assert Order.objects.count() == 10
    sync.sync_connection(shopify, resources=("orders",), page_size=5)
    assert Order.objects.count() == 20
    assert len(fake_store.operations("Orders")) == 4  # two before the stop, two after: no page fetched twice
    shopify.refresh_from_db()
    assert shopify.sync_cursor == {} and shopify.last_synced_at is not None


def test_throttled_query_waits_and_retries(shopify, fake_store):
    fake_store.seed(orders=3)
    fake_store.fail_next("throttled", times=2)
    fake_store.fail_next("429")
    page = backend_for(shopify).fetch_orders(cursor=None)
    assert len(page.items) == 3


def test_persistent_throttling_is_a_clear_error(shopify, fake_store):
    fake_store.fail_next("throttled", times=10)
    with pytest.raises(StoreRateLimited):
        backend_for(shopify).fetch_orders(cursor=None)


def test_woocommerce_backfill_reads_numbered_pages(woo, fake_store):
    for n in range(7):
        fake_store.add_woo_order(email=f"w{n}@example.org")
    counts = sync.sync_connection(woo, resources=("orders",), page_size=3)
    assert counts["orders"] == 7
    assert StoreOrder.objects.filter(connection=woo).count() == 7
    assert StoreCustomer.objects.filter(connection=woo).count() == 7


def test_connect_store_and_sync_store_commands(fake_store, db):
    fake_store.seed(orders=4)
    out = StringIO()
    call_command(
        "connect_store",
        "shopify",
        "cmd.myshopify.com",
        "--token",
        "shpat_x",
        "--webhook-secret",
        "s3cret",
        "--api-base-url",
        fake_store.url,
        stdout=out,
    )
    connection = StoreConnection.objects.get(shop_domain="cmd.myshopify.com")
    assert connection.access_token_encrypted and "shpat_x" not in connection.access_token_encrypted
    call_command("sync_store", "--connection", str(connection.pk), stdout=out)
    assert "4 orders" in out.getvalue()


def test_secret_from_environment_wins(monkeypatch, shopify):
    from store import credentials

    monkeypatch.setenv("SHOP_TOKEN", "from-env")
    shopify.access_token_env = "SHOP_TOKEN"
    assert credentials.secret(shopify, "access_token") == "from-env"


def test_demo_store_seeds_tickets_an_agent_can_refund(fake_store, db, manager):
    from demo import store as demo
    from store.actions import request_order_action

    fake_store.seed(orders=5)
    report = demo.seed(fake_store.url, log=lambda text: None)
    again = demo.seed(fake_store.url, log=lambda text: None)
    assert report.orders == 5 and len(report.tickets) == 3
    assert [t.pk for t in again.tickets] == [t.pk for t in report.tickets]
    action = request_order_action(report.tickets[0], kind="refund", params={"amount": "5.00"}, actor=manager)
    assert action.status == "succeeded"
