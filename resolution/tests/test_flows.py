"""The AI answers routine questions from the records, through the real pipeline, or hands over."""

from datetime import timedelta

import pytest
from django.utils import timezone

from resolution.models import AiResolution
from tickets import intake
from tickets.models import Message, Ticket
from tickets.tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.usefixtures("workflow")
FAKE = "routing.triage.backends.fake.FakeBackend"


@pytest.fixture
def triage_as(settings):
    """Triage returns a known classification: these tests are about the flows, not the classifier."""

    def use(issue_type, **options):
        settings.TRIAGE_BACKEND = {"BACKEND": FAKE, "OPTIONS": {"issue_type": issue_type, **options}}

    return use


def receive(body, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = intake.receive(
            intake.InboundMessage(
                channel="email", sender=intake.Sender(email=customer.email), subject="Question", body=body
            )
        )
    return Ticket.objects.get(pk=result.ticket.pk)


def ai_message(ticket):
    return Message.objects.filter(ticket=ticket, author_kind="ai", is_auto=False).first()


def test_order_in_transit_is_answered_with_carrier_tracking_and_link(
    django_capture_on_commit_callbacks, triage_as
):
    triage_as("order_status")
    customer = CustomerFactory(name="Dana Ruiz")
    order = OrderFactory(
        customer=customer,
        number="1042",
        fulfillment_status="in_transit",
        carrier="DHL",
        tracking_number="JD0146000012345",
        tracking_url="https://track.example/JD0146000012345",
        shipped_at=timezone.now() - timedelta(days=1),
    )
    ticket = receive(
        f"Where is my order #{order.number}? Could you tell me where it is?",
        customer,
        django_capture_on_commit_callbacks,
    )
    message = ai_message(ticket)
    assert message is not None, AiResolution.objects.filter(ticket=ticket).values_list("refusal", flat=True)
    assert "JD0146000012345" in message.body and "DHL" in message.body and "#1042" in message.body
    attempt = AiResolution.objects.get(ticket=ticket)
    assert attempt.outcome == "sent" and {f["kind"] for f in attempt.facts} >= {"tracking_number", "carrier"}
