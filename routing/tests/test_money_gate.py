"""Issue 14, findings 1 and 2: nothing gets money past the approval gate.

An approval releases only the reply it is bound to; the gate reads the money in the reply's
words (not only the declared field) and adds what the ticket already promised.
"""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from routing import approvals
from routing.engine import route_ticket
from routing.models import Approval
from routing.money import committed_amount, without_approval_notice
from routing.tests.factories import TriagedTicketFactory, agent_in
from tickets import actions
from tickets.models import Message, Ticket

pytestmark = pytest.mark.usefixtures("workflow")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def general_ticket():
    """A routine ticket in the general queue (no routing rule opened a money gate on it)."""
    ticket = TriagedTicketFactory(issue_type="other")
    route_ticket(ticket, trigger="message")
    return Ticket.objects.get(pk=ticket.pk)


# --- finding 1: an approval with no amount releases nothing --------------------------------------


def test_an_amount_less_approval_does_not_release_a_held_refund(general_ticket, manager):
    author = agent_in("general", username="gen")
    held = _api(author).post(
        f"/api/v1/tickets/{general_ticket.pk}/replies/",
        {"body": "Your refund is on its way.", "commits_amount": "500.00"},
        format="json",
    )
    assert held.status_code == 201 and held.json()["delivery_status"] == "held"
    own = Approval.objects.get(ticket=general_ticket, status="pending")

    asked = _api(author).post(
        f"/api/v1/tickets/{general_ticket.pk}/approvals/",
        {"reason": "Please sign off on the goodwill gesture", "role": "manager"},
        format="json",
    )
    assert asked.status_code == 201 and asked.json()["amount"] is None
    decided = _api(manager).post(f"/api/v1/approvals/{asked.json()['id']}/approve/", {}, format="json")
    assert decided.status_code == 200

    assert Message.objects.get(pk=held.json()["id"]).delivery_status == Message.Delivery.HELD
    own.refresh_from_db()
    assert own.status == Approval.Status.PENDING and own.message_id == held.json()["id"]


def test_approving_releases_only_the_bound_message(general_ticket, manager):
    author = agent_in("general", username="gen")
    first = actions.reply_to_ticket(general_ticket, body="Refund of 300 EUR.", author=author)
    second = actions.reply_to_ticket(general_ticket, body="And a 200 EUR voucher.", author=author)
    assert first.delivery_status == second.delivery_status == Message.Delivery.HELD
    approvals.approve(Approval.objects.get(message=first), actor=manager)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.delivery_status == Message.Delivery.QUEUED
    assert second.delivery_status == Message.Delivery.HELD


# --- finding 2: the gate reads the reply ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("We have refunded 900 EUR to your card.", "900"),
        ("You will get a full refund of ninety euros.", "90"),
        ("We refund €1.250,00 as store credit.", "1250"),
        ("A goodwill voucher of one hundred and fifty dollars is yours.", "150"),
        ("We refunded you 900 yesterday.", "900"),
        ("As compensation, 120 GBP goes back to you.", "120"),
        ("Refunds take 5 business days.", "0"),
        ("Your order #10023 shipped for 900 EUR.", "0"),
    ],
)
def test_amounts_are_read_from_digits_symbols_codes_and_words(text, amount):
    assert committed_amount(text, whole_order=None) == (Decimal(amount), False)


def test_a_full_refund_without_a_figure_is_the_whole_order():
    assert committed_amount("A full refund is on its way.", whole_order=Decimal("240")) == (
        Decimal("240"),
        False,
    )
    assert committed_amount("A full refund is on its way.", whole_order=None) == (Decimal("0"), True)


@pytest.mark.parametrize("role", ["agent", "senior agent"])
def test_a_refund_written_in_the_text_is_held_through_the_api(general_ticket, role):
    author = agent_in("general", username="writer", roles=(role,))
    response = _api(author).post(
        f"/api/v1/tickets/{general_ticket.pk}/replies/",
        {"body": "We have refunded 900 EUR to your card."},
        format="json",
    )
    assert response.status_code == 201 and response.json()["delivery_status"] == "held"
    approval = Approval.objects.get(ticket=general_ticket, status="pending")
    assert approval.amount == Decimal("900") and approval.message_id == response.json()["id"]


@pytest.mark.parametrize("role", ["agent", "senior agent"])
def test_a_refund_written_in_the_text_is_held_through_the_inbox(general_ticket, role):
    author = agent_in("general", username="writer", roles=(role,))
    client = Client()
    client.force_login(author)
    response = client.post(
        f"/tickets/{general_ticket.pk}/reply/", {"body": "We have refunded 900 EUR to your card."}
    )
    assert response.status_code == 302
    reply = Message.objects.get(ticket=general_ticket, direction=Message.Direction.OUTBOUND)
    assert reply.delivery_status == Message.Delivery.HELD


def test_small_promises_add_up_to_the_threshold(general_ticket):
    author = agent_in("general", username="gen")
    sent = [
        actions.reply_to_ticket(general_ticket, body=f"Part {n}: a refund of 99 EUR.", author=author)
        for n in (1, 2, 3)
    ]
    assert [m.delivery_status for m in sent] == [
        Message.Delivery.QUEUED,
        Message.Delivery.HELD,
        Message.Delivery.HELD,
    ]
    reasons = list(Approval.objects.filter(ticket=general_ticket).values_list("reason", flat=True))
    assert reasons and all("promised earlier" in reason for reason in reasons)


def test_the_customer_gets_the_approved_text_without_the_approval_sentence(general_ticket, manager):
    author = agent_in("general", username="gen")
    body = (
        "Hello Ana,\n\nWe refund 500 EUR to your card. Because of the amount involved, a colleague "
        "needs to approve the refund; I have asked for it and will come back to you within one "
        "business day.\n\nKind regards"
    )
    message = actions.reply_to_ticket(general_ticket, body=body, author=author)
    approvals.approve(Approval.objects.get(message=message), actor=manager)
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.QUEUED
    assert "approve" not in message.body and "We refund 500 EUR to your card." in message.body
    assert message.metadata["held_body"] == body


def test_the_approval_notice_is_the_only_thing_taken_out():
    text = "Hi,\n\nYour parcel ships today. A colleague must approve the refund first.\n\nBye"
    assert without_approval_notice(text) == "Hi,\n\nYour parcel ships today.\n\nBye"


def test_an_approval_asked_for_by_hand_releases_no_reply(general_ticket, manager):
    author = agent_in("general", username="gen")
    held = actions.reply_to_ticket(general_ticket, body="We refund 300 EUR today.", author=author)
    by_hand = approvals.request_approval(
        general_ticket, requested_by=author, amount=Decimal("300"), reason="Loyal customer", role="manager"
    )
    approvals.approve(by_hand, actor=manager)
    held.refresh_from_db()
    assert held.delivery_status == Message.Delivery.HELD
    later = actions.reply_to_ticket(general_ticket, body="We refund 300 EUR today.", author=author)
    assert later.delivery_status == Message.Delivery.HELD


def test_a_routing_rules_money_gate_takes_the_first_reply_it_covers(manager):
    ticket = TriagedTicketFactory(issue_type="refund_request", amount_at_stake=Decimal("250.00"))
    route_ticket(ticket, trigger="message")
    gate = Approval.objects.get(ticket=ticket)
    assert gate.rule is not None and gate.message is None
    author = agent_in("specialist", username="spec")
    reply = actions.reply_to_ticket(ticket, body="We refund 250 EUR.", author=author)
    gate.refresh_from_db()
    assert gate.message == reply and Approval.objects.filter(ticket=ticket).count() == 1
