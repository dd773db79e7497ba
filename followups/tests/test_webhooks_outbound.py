"""Outbound webhooks against a real HTTP server on loopback: signed delivery, retry, replay."""

import json
import time

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from followups import actions, jobs
from followups.admin import WebhookDeliveryAdmin
from followups.models import WebhookDelivery
from followups.tests.factories import WebhookSubscriptionFactory
from tickets import actions as ticket_actions
from tickets.channels.webhooks import verify
from tickets.tests.factories import RootCauseFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def resolve(ticket, capture):
    with capture(execute=True):
        ticket_actions.resolve_ticket(
            ticket, actor=None, resolution_method="agent_reply", root_cause=RootCauseFactory()
        )


def test_a_subscribed_event_is_posted_signed_and_logged(http_receiver, django_capture_on_commit_callbacks):
    subscription = WebhookSubscriptionFactory(url=http_receiver.url, events=["ticket.resolved"])
    ticket = TicketFactory()
    resolve(ticket, django_capture_on_commit_callbacks)
    [request] = http_receiver.requests
    headers = request["headers"]
    verify(
        subscription.secret,
        timestamp=headers["X-Handoff-Timestamp"],
        signature=headers["X-Handoff-Signature"],
        body=request["body"],
        now=time.time(),
        tolerance=300,
    )
    payload = json.loads(request["body"])
    assert payload["event"] == "ticket.resolved" and headers["X-Handoff-Event"] == "ticket.resolved"
    assert payload["data"]["ticket"]["id"] == ticket.pk
    assert payload["data"]["details"]["resolution_method"] == "agent_reply"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)


def test_events_nobody_subscribed_to_are_not_posted(http_receiver, django_capture_on_commit_callbacks):
    WebhookSubscriptionFactory(url=http_receiver.url, events=["csat.received"])
    resolve(TicketFactory(), django_capture_on_commit_callbacks)
    assert http_receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_a_failed_delivery_is_retried_with_backoff_until_it_succeeds(
    http_receiver, django_capture_on_commit_callbacks
):
    WebhookSubscriptionFactory(url=http_receiver.url, events=["ticket.resolved"])
    http_receiver.statuses = [500]
    resolve(TicketFactory(), django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("retrying", 500, 1)
    assert delivery.next_attempt_at is not None
    assert jobs.retry_webhook_deliveries() == 0  # not due yet
    assert actions.retry_due_deliveries(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 2)
    assert len(http_receiver.requests) == 2
    first, second = (json.loads(r["body"])["id"] for r in http_receiver.requests)
    assert first == second


def test_an_unreachable_subscriber_is_given_up_after_the_last_attempt(
    settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    WebhookSubscriptionFactory(url="http://127.0.0.1:9/hook", events=["ticket.resolved"])
    resolve(TicketFactory(), django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    actions.send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 2, None)
    assert "Connection refused" in delivery.error or "URLError" in delivery.error


def test_an_admin_replays_a_logged_delivery(http_receiver, django_capture_on_commit_callbacks):
    WebhookSubscriptionFactory(url=http_receiver.url, events=["ticket.resolved"])
    resolve(TicketFactory(), django_capture_on_commit_callbacks)
    original = WebhookDelivery.objects.get()
    request = RequestFactory().post("/admin/")
    request.user = UserFactory(username="root", is_superuser=True, is_staff=True)
    request._messages = type("Sink", (), {"add": lambda *a, **k: None})()
    with django_capture_on_commit_callbacks(execute=True):
        WebhookDeliveryAdmin(WebhookDelivery, admin_site).replay(
            request, WebhookDelivery.objects.filter(pk=original.pk)
        )
    replay = WebhookDelivery.objects.exclude(pk=original.pk).get()
    assert replay.replay_of == original and replay.status == "succeeded"
    assert len(http_receiver.requests) == 2
    assert json.loads(http_receiver.requests[1]["body"])["id"] == original.event_id


def test_the_api_creates_a_subscription_and_shows_the_secret_once(api_client):
    response = api_client.post(
        "/api/v1/webhooks/subscriptions/",
        {"name": "CRM", "url": "https://crm.example/hooks", "events": ["ticket.created", "csat.received"]},
        format="json",
    )
    assert response.status_code == 201 and len(response.json()["secret"]) > 20
    listed = api_client.get("/api/v1/webhooks/subscriptions/").json()["results"]
    assert listed[0]["events"] == ["csat.received", "ticket.created"] and "secret" not in listed[0]


def test_the_api_refuses_an_unknown_event(api_client):
    response = api_client.post(
        "/api/v1/webhooks/subscriptions/",
        {"name": "CRM", "url": "https://crm.example/hooks", "events": ["ticket.exploded"]},
        format="json",
    )
    assert response.status_code == 400 and "events" in response.json()["fields"]


def test_the_api_replays_a_delivery(api_client, http_receiver, django_capture_on_commit_callbacks):
    WebhookSubscriptionFactory(url=http_receiver.url, events=["ticket.resolved"])
    resolve(TicketFactory(), django_capture_on_commit_callbacks)
    original = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/webhooks/deliveries/{original.pk}/replay/")
    assert response.status_code == 202 and response.json()["replay_of"] == original.pk
    assert len(http_receiver.requests) == 2


def test_the_api_changes_a_subscription_and_filters_the_log(api_client):
    subscription = WebhookSubscriptionFactory()
    other = WebhookSubscriptionFactory(name="BI")
    for sub, status in ((subscription, "failed"), (other, "succeeded")):
        WebhookDelivery.objects.create(
            subscription=sub, event="ticket.created", event_id="evt_1", payload={}, status=status
        )
    changed = api_client.patch(
        f"/api/v1/webhooks/subscriptions/{subscription.pk}/", {"is_active": False}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    failed = api_client.get("/api/v1/webhooks/deliveries/?status=failed").json()["results"]
    assert [d["subscription"] for d in failed] == [subscription.pk]


def test_agents_may_not_manage_webhooks(client, agent):
    client.force_login(agent)
    assert client.get("/api/v1/webhooks/subscriptions/").status_code == 403


def test_a_received_message_posts_ticket_created_then_ticket_routed_once(
    http_receiver, django_capture_on_commit_callbacks
):
    """The request queues no webhook; the pipeline publishes ``ticket.created`` when it picks the
    message up and ``ticket.routed`` with the placement, each once."""
    from routing import pipeline
    from tickets import intake

    WebhookSubscriptionFactory(url=http_receiver.url, events=["ticket.created", "ticket.routed"])
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(
            intake.InboundMessage(
                channel="email",
                sender=intake.Sender(email="kai@example.org"),
                subject="Where is my order?",
                body="Order 10001 has not arrived.",
                external_id="<hook-1@example.org>",
            )
        )
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.drain_now()
    events = [json.loads(request["body"]) for request in http_receiver.requests]
    assert sorted(e["event"] for e in events) == ["ticket.created", "ticket.routed"]
    routed = next(e for e in events if e["event"] == "ticket.routed")
    assert routed["data"]["ticket"]["stage"] != "received" and routed["data"]["details"]["why"]
