"""The brief's summary states the ask, the facts and what was done so far, and is rebuilt on
every new customer message and every reply; drafts hold only sentences that apply to the ticket.
Real pipeline and default triage backend; replies go through the inbox's action."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tickets import actions, intake
from tickets.models import Ticket
from tickets.tests.factories import CustomerFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.usefixtures("workflow")


def _write(customer, body, capture, *, subject="Question", external_id=""):
    with capture(execute=True):
        result = intake.receive(
            intake.InboundMessage(
                channel="email",
                sender=intake.Sender(email=customer.email, name=customer.name),
                subject=subject,
                body=body,
                external_id=external_id,
                references=("<first@example.org>",) if external_id != "<first@example.org>" else (),
            )
        )
    return Ticket.objects.get(pk=result.ticket.pk)


@pytest.fixture
def late_order():
    customer = CustomerFactory(name="Ines Moreau", email="ines@example.org")
    OrderFactory(
        customer=customer,
        number="4711",
        fulfillment_status="delayed",
        carrier="DPD",
        tracking_number="DPD000471100",
        total=Decimal("64.00"),
        currency="EUR",
        placed_at=timezone.now() - timedelta(days=9),
        shipped_at=timezone.now() - timedelta(days=8),
    )
    return customer


def test_summary_states_ask_and_facts_and_is_rebuilt_after_each_reply_and_message(
    late_order, django_capture_on_commit_callbacks
):
    customer = late_order
    capture = django_capture_on_commit_callbacks
    ticket = _write(
        customer,
        "My parcel for order #4711 was due last week and the tracking has not moved since. Where is it?",
        capture,
        subject="Late parcel",
        external_id="<first@example.org>",
    )
    first = ticket.ai_summary
    # The ask, the order's facts (number, state, amount, carrier and tracking) and nothing done yet.
    assert first.startswith(
        "About the problem with your delivery. The customer asks: “My parcel for order #4711"
    )
    assert "order #4711 (delayed, 64.00 EUR)" in first
    assert "DPD DPD000471100" in first
    assert "So far: no reply yet." in first
    assert ticket.ai_brief["summary"] == first

    agent = UserFactory(username="dana", roles=["agent"])
    with capture(execute=True):
        actions.reply_to_ticket(
            ticket,
            body="I have opened an investigation with DPD; you will hear from me tomorrow.",
            author=agent,
        )
    ticket.refresh_from_db()
    after_reply = ticket.ai_summary
    assert "So far: 1 reply, the last from an agent." in after_reply
    assert "no reply yet" not in after_reply
    assert ticket.ai_brief["summary"] == after_reply

    ticket = _write(customer, "Still nothing today. Can you send a replacement instead?", capture)
    after_message = ticket.ai_summary
    assert "The customer asks: “Still nothing today.”" in after_message
    assert "First message (2 from the customer so far)" in after_message
    assert "the customer wrote again after it" in after_message
    assert "order #4711" in after_message


def test_draft_quotes_only_the_policy_sentence_that_applies(late_order, django_capture_on_commit_callbacks):
    customer = late_order
    ticket = _write(
        customer,
        "Order #4711 is late and the tracking has not moved for a week. What happens now?",
        django_capture_on_commit_callbacks,
        subject="Late parcel",
    )
    draft = ticket.ai_draft
    assert "#4711" in draft and "DPD000471100" in draft
    # The shipping policy's other sentences (cut-off times, express, countries) do not apply.
    assert "2 pm" not in draft and "same day" not in draft
    assert "express" not in draft.lower()
    for other in ("return", "warranty", "exchange"):
        assert other not in draft.lower(), other
