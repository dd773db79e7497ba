"""Signed social/review webhooks: valid, wrong secret, stale timestamp, replay."""

import json
import time

import pytest
from rest_framework.test import APIClient

from followups.tests.factories import WebhookSourceFactory
from tickets.channels.webhooks import sign
from tickets.models import CustomerIdentity, Message, Ticket

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "id": "rev_981",
    "text": "Two weeks and my parcel is still not here. Terrible.",
    "author": {"id": "u-77", "name": "Ann Lee", "handle": "annlee"},
    "rating": 1,
    "url": "https://reviews.example/r/981",
}


def deliver(
    body: bytes, *, secret: str = "source-secret", timestamp: int | None = None, source: str = "trustpilot"
):
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return APIClient().post(
        f"/api/v1/inbound/webhooks/{source}/",
        body,
        content_type="application/json",
        headers={
            "X-Handoff-Timestamp": stamp,
            "X-Handoff-Signature": sign(secret, timestamp=stamp, body=body),
        },
    )


@pytest.fixture
def source():
    return WebhookSourceFactory()


def test_a_validly_signed_review_becomes_a_review_ticket(source):
    response = deliver(json.dumps(PAYLOAD).encode())
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(pk=response.json()["ticket_id"])
    assert (ticket.channel, ticket.subject) == ("review", "Trustpilot review")
    message = ticket.messages.get()
    assert message.external_id == "trustpilot:rev_981"
    assert message.metadata["rating"] == 1
    assert CustomerIdentity.objects.filter(channel="review", handle="trustpilot:u-77").exists()


def test_a_signature_made_with_another_secret_is_refused(source):
    response = deliver(json.dumps(PAYLOAD).encode(), secret="guessed")
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"
    assert not Message.objects.exists()


def test_a_body_changed_after_signing_is_refused(source):
    stamp = str(int(time.time()))
    signature = sign("source-secret", timestamp=stamp, body=json.dumps(PAYLOAD).encode())
    tampered = json.dumps({**PAYLOAD, "text": "Love it!"}).encode()
    response = APIClient().post(
        "/api/v1/inbound/webhooks/trustpilot/",
        tampered,
        content_type="application/json",
        headers={"X-Handoff-Timestamp": stamp, "X-Handoff-Signature": signature},
    )
    assert response.status_code == 401


def test_a_timestamp_older_than_five_minutes_is_refused(source):
    response = deliver(json.dumps(PAYLOAD).encode(), timestamp=int(time.time()) - 301)
    assert response.status_code == 401 and "too old" in response.json()["detail"]
    assert not Message.objects.exists()


def test_a_replayed_event_is_harmless(source):
    body = json.dumps(PAYLOAD).encode()
    first, second = deliver(body), deliver(body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["duplicate"] is True
    assert Message.objects.count() == 1 and Ticket.objects.count() == 1


def test_an_unknown_source_is_not_found():
    assert deliver(json.dumps(PAYLOAD).encode(), source="nowhere").status_code == 404


def test_a_payload_without_text_is_refused_naming_the_field(source):
    response = deliver(json.dumps({**PAYLOAD, "text": ""}).encode())
    assert response.status_code == 400 and "text" in response.json()["fields"]


def test_a_body_that_is_not_json_is_refused_after_the_signature_check(source):
    response = deliver(b"not json")
    assert response.status_code == 400 and "body" in response.json()["fields"]
