"""Flows that read and act through the store connection (a real loopback fake Shopify)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from resolution.models import AiResolution
from store.fakestore import FakeStore
from store.models import Refund, Return
from store.tests.factories import LineItemFactory, StoreConnectionFactory, StoreOrderFactory
from tickets import intake
from tickets.models import Message, Ticket

pytestmark = pytest.mark.usefixtures("workflow")
FAKE = "routing.triage.backends.fake.FakeBackend"


@pytest.fixture
def fake_store():
    store = FakeStore().start()
    store.seed(orders=0)
    yield store
    store.stop()


@pytest.fixture
def store_order(db, fake_store, settings):
    settings.STORE_TIMEOUT_SECONDS = 1.0
    connection = StoreConnectionFactory(
        kind="shopify", shop_domain="demo.myshopify.com", api_base_url=fake_store.url
    )
    node = fake_store.add_order(email="kim@example.org")
    node["totalPriceSet"]["shopMoney"]["amount"] = "39.90"
    record = StoreOrderFactory(
        connection=connection,
        store_id=node["legacyResourceId"],
        admin_graphql_id=node["id"],
        order__external_id=node["legacyResourceId"],
        order__total=Decimal("39.90"),
        order__fulfillment_status="delivered",
        order__delivered_at=timezone.now() - timedelta(days=3),
        order__customer__email="kim@example.org",
    )
    LineItemFactory(
        order=record.order,
        store_id=node["lineItems"]["nodes"][0]["id"].rsplit("/", 1)[-1],
        price=Decimal("39.90"),
    )
    return record.order


def receive(order, body, issue_type, settings, callbacks, **options):
    settings.TRIAGE_BACKEND = {"BACKEND": FAKE, "OPTIONS": {"issue_type": issue_type, **options}}
    with callbacks(execute=True):
        result = intake.receive(
            intake.InboundMessage(
                channel="email", sender=intake.Sender(email=order.customer.email), subject="Hi", body=body
            )
        )
    return Ticket.objects.get(pk=result.ticket.pk)


def test_a_small_return_is_created_at_the_store_and_the_reply_carries_rma_and_label(
    store_order, settings, django_capture_on_commit_callbacks
):
    ticket = receive(
        store_order,
        f"I'd like to return order #{store_order.number}.",
        "return_request",
        settings,
        django_capture_on_commit_callbacks,
    )
    created = Return.objects.get(order=store_order)
    message = Message.objects.get(ticket=ticket, author_kind="ai", is_auto=False)
    assert created.rma in message.body and created.label_url in message.body
    assert AiResolution.objects.get(ticket=ticket).flow == "returns"


def test_refund_status_quotes_the_refund_record(store_order, settings, django_capture_on_commit_callbacks):
    Refund.objects.create(
        order=store_order,
        store_id="r-1",
        amount=Decimal("39.90"),
        currency="EUR",
        processed_at=timezone.now() - timedelta(days=1),
    )
    # The default workflow's refund-status rules (floor 0.96) send it to the AI.
    ticket = receive(
        store_order,
        f"Where is my refund for order #{store_order.number}?",
        "refund_request",
        settings,
        django_capture_on_commit_callbacks,
        confidence=0.97,
    )
    message = Message.objects.get(ticket=ticket, author_kind="ai", is_auto=False)
    assert "39.90 EUR" in message.body and "original payment method" in message.body
