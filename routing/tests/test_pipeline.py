"""The intake pipeline end to end: a message arrives, triage classifies it, routing places it."""

import pytest

from routing import pipeline
from routing.models import RoutingDecision
from tickets import intake
from tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("workflow")


def receive(body: str, *, email: str = "pat@example.org") -> Ticket:
    result = intake.receive(
        intake.InboundMessage(channel="email", sender=intake.Sender(email=email), subject="Help", body=body)
    )
    return result.ticket


def test_a_message_with_legal_language_lands_at_the_senior_tier(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive("Your kettle caught fire and burned my hand. My lawyer will contact you.")
    ticket.refresh_from_db()
    decision = RoutingDecision.objects.get(ticket=ticket)
    assert ticket.tier.slug == "senior" and decision.trigger == "message"
    assert decision.rule.slug == "legal-safety"


def test_a_system_message_is_not_routed_again():
    ticket = receive("Where is my parcel?", email="lee@example.org")
    outbound = ticket.messages.create(direction="outbound", author_kind="system", channel="email", body="ack")
    assert pipeline.message_received(ticket.pk, outbound.pk) is None
    assert not RoutingDecision.objects.filter(ticket=ticket).exists()
