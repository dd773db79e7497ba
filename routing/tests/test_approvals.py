"""Money above the threshold cannot be promised before a person approves it, API included."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from helpdesk.errors import IllegalTransition, NotAllowed
from routing import approvals
from routing.engine import route_ticket
from routing.models import Approval
from routing.tests.factories import TriagedTicketFactory, agent_in
from tickets import actions
from tickets.models import Message, Notification, Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("workflow")


@pytest.fixture
def refund_ticket():
    ticket = TriagedTicketFactory(issue_type="refund_request", amount_at_stake=Decimal("250.00"))
    route_ticket(ticket, trigger="message")
    return Ticket.objects.get(pk=ticket.pk)


def test_a_reply_promising_money_above_the_threshold_is_held(refund_ticket):
    specialist = agent_in("specialist", username="spec")
    message = actions.reply_to_ticket(
        refund_ticket, body="I refunded 250.", author=specialist, commits_amount=Decimal("250.00")
    )
    assert message.delivery_status == Message.Delivery.HELD
    refund_ticket.refresh_from_db()
    assert refund_ticket.stage == Ticket.Stage.AWAITING_APPROVAL
    assert refund_ticket.first_response_at is None
    assert Approval.objects.filter(ticket=refund_ticket, status="pending").count() == 1


def test_a_reply_at_or_under_the_threshold_is_sent(refund_ticket):
    message = actions.reply_to_ticket(
        refund_ticket, body="Refunded 80.", author=None, commits_amount=Decimal("80")
    )
    assert message.delivery_status == Message.Delivery.QUEUED


def test_the_reply_guard_opens_an_approval_when_none_is_pending(manager):
    ticket = TriagedTicketFactory(issue_type="other")
    route_ticket(ticket, trigger="message")
    specialist = agent_in("general", username="gen")
    actions.reply_to_ticket(
        ticket, body="Here is 150 back.", author=specialist, commits_amount=Decimal("150")
    )
    approval = Approval.objects.get(ticket=ticket)
    assert approval.requested_by == specialist and approval.amount == Decimal("150")
    assert Notification.objects.filter(recipient=manager, kind=Notification.Kind.APPROVAL_REQUESTED).exists()


def test_approving_sends_the_held_reply_and_tells_the_requester(refund_ticket, manager):
    specialist = agent_in("specialist", username="spec")
    message = actions.reply_to_ticket(
        refund_ticket, body="Refund of 250.", author=specialist, commits_amount=Decimal("250")
    )
    approval = Approval.objects.get(ticket=refund_ticket)
    approvals.approve(approval, actor=manager, note="OK, loyal customer")
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.QUEUED
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.decided_at and approval.decided_by == manager
    assert TicketEvent.objects.filter(ticket=refund_ticket, kind=TicketEvent.Kind.APPROVAL_DECIDED).exists()
    # The approval covered that reply only: another 250 on top of it waits for its own.
    again = actions.reply_to_ticket(
        refund_ticket, body="And 250 more.", author=specialist, commits_amount=Decimal("250")
    )
    assert again.delivery_status == Message.Delivery.HELD


def test_denying_keeps_the_reply_as_an_internal_note(refund_ticket, manager):
    specialist = agent_in("specialist", username="spec")
    message = actions.reply_to_ticket(
        refund_ticket, body="Refund of 250.", author=specialist, commits_amount=Decimal("250")
    )
    approvals.deny(
        Approval.objects.get(ticket=refund_ticket), actor=manager, note="Offer store credit instead"
    )
    message.refresh_from_db()
    assert message.is_internal and message.delivery_status == Message.Delivery.NOT_APPLICABLE
    assert Ticket.objects.get(pk=refund_ticket.pk).stage in (Ticket.Stage.QUEUED, Ticket.Stage.ASSIGNED)
    assert Notification.objects.filter(recipient=specialist, kind=Notification.Kind.APPROVAL_DECIDED).exists()


def test_an_agent_may_not_approve_and_nobody_decides_twice(refund_ticket, manager):
    approval = Approval.objects.get(ticket=refund_ticket)
    with pytest.raises(NotAllowed):
        approvals.approve(approval, actor=agent_in("specialist", username="spec"))
    approvals.approve(approval, actor=manager)
    with pytest.raises(IllegalTransition):
        approvals.deny(approval, actor=manager, note="changed my mind")


def test_nobody_approves_their_own_request(manager):
    ticket = TriagedTicketFactory()
    approval = approvals.request_approval(
        ticket, requested_by=manager, amount=Decimal("500"), reason="goodwill", role="manager"
    )
    with pytest.raises(NotAllowed):
        approvals.approve(approval, actor=manager)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_through_the_api_the_promise_is_held_until_a_manager_approves(refund_ticket, manager):
    specialist = agent_in("specialist", username="spec")
    agent_api = _client(specialist)
    reply = agent_api.post(
        f"/api/v1/tickets/{refund_ticket.pk}/replies/",
        {"body": "Refunded 250.", "commits_amount": "250.00"},
        format="json",
    )
    assert reply.status_code == 201 and reply.json()["delivery_status"] == "held"
    approval = Approval.objects.get(ticket=refund_ticket)

    refused = agent_api.post(f"/api/v1/approvals/{approval.pk}/approve/", {"note": "me"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"

    manager_api = _client(manager)
    listed = manager_api.get("/api/v1/approvals/?status=pending")
    assert [row["id"] for row in listed.json()["results"]] == [approval.pk]
    assert agent_api.get("/api/v1/approvals/?status=pending").json()["results"] == []

    approved = manager_api.post(f"/api/v1/approvals/{approval.pk}/approve/", {"note": "fine"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Message.objects.get(pk=reply.json()["id"]).delivery_status == Message.Delivery.QUEUED

    twice = manager_api.post(f"/api/v1/approvals/{approval.pk}/deny/", {"note": "no"}, format="json")
    assert twice.status_code == 409 and "already approved" in twice.json()["detail"]


def test_the_api_key_integration_cannot_approve(refund_ticket, api_client):
    approval = Approval.objects.get(ticket=refund_ticket)
    assert api_client.post(f"/api/v1/approvals/{approval.pk}/approve/", {}, format="json").status_code == 403


def test_an_unknown_status_filter_is_a_400(manager):
    response = _client(manager).get("/api/v1/approvals/?status=maybe")
    assert response.status_code == 400 and "status" in response.json()["fields"]


def test_the_approval_list_query_count_is_flat(manager, django_assert_max_num_queries):
    client = _client(manager)
    for count in (5, 50):
        for _ in range(count - Approval.objects.count()):
            approvals.request_approval(
                TriagedTicketFactory(), requested_by=None, amount=Decimal("200"), reason="x", role="manager"
            )
        with django_assert_max_num_queries(6):
            assert len(client.get("/api/v1/approvals/?page_size=100").json()["results"]) == count
