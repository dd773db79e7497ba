"""Hostile or broken input is refused with a 400 naming the field, or repaired, never a 500.

Issue 14, findings 6 and 7: anonymous deep JSON, NUL characters, impossible dates and offsets,
path-like attachment names, webhook subscription edge cases.
"""

import json
import time

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from followups.models import WebhookDelivery, WebhookSubscription
from followups.tests.factories import WebhookSourceFactory, WebhookSubscriptionFactory, raw_email
from tickets.channels.webhooks import sign
from tickets.models import Attachment, Message

pytestmark = pytest.mark.django_db
DEEP = b"[" * 5000 + b"]" * 5000


def deep_object(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"x": value}
    return value


def message(**overrides):
    base = {
        "channel": "api",
        "sender": {"email": "ann@example.org"},
        "subject": "Where is my parcel?",
        "body": "It has been two weeks.",
    }
    return {**base, **overrides}


def test_an_unsigned_deeply_nested_webhook_is_refused_before_parsing():
    WebhookSourceFactory()
    response = APIClient().post(
        "/api/v1/inbound/webhooks/trustpilot/",
        DEEP,
        content_type="application/json",
        headers={"X-Handoff-Timestamp": str(int(time.time())), "X-Handoff-Signature": "sha256=00"},
    )
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"


def test_a_signed_but_deeply_nested_webhook_is_a_400_naming_the_body():
    WebhookSourceFactory()
    stamp = str(int(time.time()))
    response = APIClient().post(
        "/api/v1/inbound/webhooks/trustpilot/",
        DEEP,
        content_type="application/json",
        headers={
            "X-Handoff-Timestamp": stamp,
            "X-Handoff-Signature": sign("source-secret", timestamp=stamp, body=DEEP),
        },
    )
    assert response.status_code == 400 and "body" in response.json()["fields"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("metadata", {"note": "a\x00b"}),
        ("metadata", {"a\x00": 1}),
        ("subject", "Where\x00 is it"),
        ("body", "Hello\x00"),
        ("external_id", "ext-\x00-1"),
    ],
)
def test_nul_characters_in_an_api_message_are_a_400_and_nothing_is_stored(api_client, field, value):
    response = api_client.post("/api/v1/messages/", message(**{field: value}), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in ("invalid", "parse_error")
    assert not Message.objects.exists()


def test_metadata_nested_5000_deep_is_a_400(api_client):
    body = json.dumps(message(metadata=deep_object(50)))
    body = body.replace('"x": {}', '"x": ' + "[" * 5000 + "]" * 5000)
    response = api_client.post("/api/v1/messages/", body, content_type="application/json")
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_metadata_a_little_too_deep_is_a_400_naming_metadata(api_client):
    response = api_client.post("/api/v1/messages/", message(metadata=deep_object(15)), format="json")
    assert response.status_code == 400 and "metadata" in response.json()["fields"]


def test_an_impossible_received_at_is_refused_naming_the_field(api_client):
    response = api_client.post(
        "/api/v1/messages/", message(received_at="0001-01-01T00:00:00Z"), format="json"
    )
    assert response.status_code == 400 and "received_at" in response.json()["fields"]
    assert not Message.objects.exists()


def test_a_created_after_filter_with_an_impossible_offset_is_a_400(api_client):
    response = api_client.get("/api/v1/tickets/", {"created_after": "2026-01-01T00:00:00-17:30"})
    assert response.status_code == 400 and "created_after" in response.json()["fields"]
    ok = api_client.get("/api/v1/tickets/", {"created_after": "2026-01-01T00:00:00-09:30"})
    assert ok.status_code == 200


def test_an_email_with_nul_characters_is_taken_in_without_them(api_client):
    raw = (
        b"From: Ann <ann@example.org>\r\nTo: support@example.com\r\nSubject: Hel\x00lo\r\n"
        b"Message-ID: <nul\x00-1@mail.example.org>\r\nDate: Mon, 1 Jan 1900 00:00:00 +0000\r\n\r\n"
        b"My parcel\x00 is late.\r\n"
    )
    response = api_client.post("/api/v1/inbound/email/", raw, content_type="message/rfc822")
    assert response.status_code == 201, response.content
    stored = Message.objects.get()
    assert "\x00" not in stored.subject + stored.body + stored.external_id
    assert stored.body.startswith("My parcel is late")
    # The impossible Date header counts as "now", so triage can still read the ticket's age.
    assert stored.created_at.year >= 2026


def test_an_attachment_named_like_a_path_keeps_its_basename(api_client):
    raw = raw_email("multipart_attachment.eml").replace(
        b'filename="box.png"', b'filename="../../etc/x\x00.png"'
    )
    response = api_client.post("/api/v1/inbound/email/", raw, content_type="message/rfc822")
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.filename == "x_.png"
    assert attachment.file.name.startswith("attachments/")
    assert ".." not in attachment.file.name


def test_a_subscription_can_be_created_inactive(api_client):
    response = api_client.post(
        "/api/v1/webhooks/subscriptions/",
        {
            "name": "crm",
            "url": "https://hooks.example.com/x",
            "events": ["ticket.resolved"],
            "is_active": False,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert WebhookSubscription.objects.get().is_active is False


def test_a_subscription_with_a_replayed_delivery_can_be_deleted(api_client):
    subscription = WebhookSubscriptionFactory(url="https://hooks.example.com/x")
    original = WebhookDelivery.objects.create(
        subscription=subscription, event="ticket.resolved", event_id="evt-1", payload={}
    )
    WebhookDelivery.objects.create(
        subscription=subscription, event="ticket.resolved", event_id="evt-1", payload={}, replay_of=original
    )
    response = api_client.delete(f"/api/v1/webhooks/subscriptions/{subscription.pk}/")
    assert response.status_code == 204
    assert not WebhookDelivery.objects.exists()


def test_the_test_settings_turn_loopback_webhooks_on_for_the_receivers():
    assert settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS is True


# --- outbound URL policy (finding 9) ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
    ],
)
def test_a_subscription_may_not_target_a_private_address(api_client, settings, url):
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    response = api_client.post(
        "/api/v1/webhooks/subscriptions/",
        {"name": "ssrf", "url": url, "events": ["ticket.resolved"]},
        format="json",
    )
    assert response.status_code == 400 and "url" in response.json()["fields"], response.content
    assert not WebhookSubscription.objects.exists()


def test_a_subscription_cannot_be_moved_to_a_private_address(api_client, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    subscription = WebhookSubscriptionFactory(url="https://93.184.216.34/hook")
    response = api_client.patch(
        f"/api/v1/webhooks/subscriptions/{subscription.pk}/", {"url": "http://127.0.0.1:9/x"}, format="json"
    )
    assert response.status_code == 400 and "url" in response.json()["fields"]


def test_delivery_rechecks_the_address_and_never_reaches_a_private_server(http_receiver, settings):
    from followups import actions

    subscription = WebhookSubscriptionFactory(url=http_receiver.url, events=["ticket.resolved"])
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="ticket.resolved", event_id="evt-9", payload={"a": 1}
    )
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    actions.send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert http_receiver.requests == []
    assert delivery.status == WebhookDelivery.Status.RETRYING and "private" in delivery.error
