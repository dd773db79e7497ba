"""Proactive outreach: one message per order and event, quiet hours, opt-out, threading."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from store import proactive
from store.models import ProactiveMessage, ProactiveRule, StoreCustomer
from store.tests.payloads import post_shopify, shopify_fulfillment, shopify_order
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _outbound(customer_email: str):
    return Message.objects.filter(
        ticket__customer__email=customer_email,
        direction=Message.Direction.OUTBOUND,
        ticket__tags__contains=["proactive"],
    )


def _deliver(client, capture, *ids):
    with capture(execute=True):
        post_shopify(client, "orders/create", shopify_order(shipment_status="in_transit"), webhook_id="o-1")
        for webhook_id in ids:
            post_shopify(client, "fulfillments/update", shopify_fulfillment(450789469), webhook_id=webhook_id)


@pytest.mark.parametrize("deliveries", [["f-1"], ["f-1", "f-1"], ["f-1", "f-2"]])
def test_delayed_fulfilment_sends_exactly_one_proactive_message(
    client, shopify, deliveries, django_capture_on_commit_callbacks
):
    """A fulfillments/update with shipment_status delayed -> one outbound proactive message after
    run_proactive, even when the webhook arrives twice (same or new id) and the sweep runs twice."""
    _deliver(client, django_capture_on_commit_callbacks, *deliveries)
    with django_capture_on_commit_callbacks(execute=True):
        proactive.run_pass(now=NOON)
        proactive.run_pass(now=NOON)
    messages = _outbound("bob.norman@example.com")
    assert messages.count() == 1
    message = messages.get()
    assert "#1001" in message.body and "delayed" in message.body
    ticket = message.ticket
    assert ticket.channel == "email" and ticket.order.number == "1001"
    assert ticket.status == Ticket.Status.PENDING
    assert ProactiveMessage.objects.get().status == ProactiveMessage.Status.SENT


def test_failed_delivery_uses_its_own_rule(client, shopify, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, "orders/create", shopify_order(shipment_status="failure"), webhook_id="o-2")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_proactive")
    sent = ProactiveMessage.objects.get()
    assert sent.rule.trigger == ProactiveRule.Trigger.FULFILLMENT_FAILED
    assert sent.status in (
        ProactiveMessage.Status.SENT,
        ProactiveMessage.Status.SCHEDULED,
    )  # quiet hours may defer


def test_quiet_hours_defer_the_message_until_morning(client, shopify, django_capture_on_commit_callbacks):
    _deliver(client, django_capture_on_commit_callbacks, "f-3")
    night = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    StoreCustomer.objects.update(timezone="UTC")
    result = proactive.run_pass(now=night)
    assert (result.sent, result.deferred) == (0, 1)
    pending = ProactiveMessage.objects.get()
    assert pending.send_after == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert proactive.run_pass(now=datetime(2026, 12, 4, 8, 1, tzinfo=UTC)).sent == 1
    assert _outbound("bob.norman@example.com").count() == 1


def test_opted_out_customer_gets_nothing(client, shopify, django_capture_on_commit_callbacks):
    _deliver(client, django_capture_on_commit_callbacks, "f-4")
    StoreCustomer.objects.update(outreach_opt_out=True)
    result = proactive.run_pass(now=NOON)
    assert result.skipped == 1
    assert not _outbound("bob.norman@example.com").exists()


def test_order_cancelled_by_the_store_is_explained(client, shopify, django_capture_on_commit_callbacks):
    cancelled = shopify_order() | {"cancelled_at": "2026-12-02T11:00:00-05:00", "cancel_reason": "inventory"}
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, "orders/cancelled", cancelled, webhook_id="o-3")
    with django_capture_on_commit_callbacks(execute=True):
        proactive.run_pass(now=NOON)
    assert _outbound("bob.norman@example.com").get().body.startswith("Hi Bob")
    assert ProactiveMessage.objects.get().event_key.startswith("order_cancelled:")


def test_a_customer_reply_threads_into_the_proactive_ticket(
    client, shopify, django_capture_on_commit_callbacks
):
    from tickets import intake

    _deliver(client, django_capture_on_commit_callbacks, "f-5")
    with django_capture_on_commit_callbacks(execute=True):
        proactive.run_pass(now=NOON)
    ticket = Ticket.objects.get(tags__contains=["proactive"])
    with django_capture_on_commit_callbacks(execute=True):
        result = intake.receive(
            intake.InboundMessage(
                channel="email",
                sender=intake.Sender(email="bob.norman@example.com"),
                body="Thanks, any idea when it arrives?",
                ticket_id=ticket.pk,
            )
        )
    assert result.ticket.pk == ticket.pk
