"""Escalation by hand with a package, de-escalation back down or to automation, via the API too."""

import pytest
from rest_framework.test import APIClient

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from routing import jobs
from routing.engine import route_ticket
from routing.escalation import deescalate_ticket, escalate_ticket
from routing.models import Escalation, SlaClock
from routing.tests.factories import TriagedTicketFactory, agent_in, tier
from tickets import actions
from tickets.models import Notification, Ticket, TicketEvent
from tickets.tests.factories import OrderFactory, RootCauseFactory

pytestmark = pytest.mark.usefixtures("workflow")


def routed(**fields) -> Ticket:
    ticket = TriagedTicketFactory(**{"issue_type": "account", **fields})
    route_ticket(ticket, trigger="message")
    return Ticket.objects.select_related("tier").get(pk=ticket.pk)


def test_an_agent_escalates_by_hand_with_a_reason_and_the_receiver_is_told(agent):
    receiver = agent_in("specialist", username="spec")
    ticket = routed()
    escalation = escalate_ticket(ticket, actor=agent, reason="Needs a carrier claim")
    ticket.refresh_from_db()
    assert ticket.tier == tier("specialist") and ticket.team == tier("specialist").team
    assert escalation.package["reason"] == "Needs a carrier claim"
    assert set(escalation.package) >= {
        "conversation",
        "customer",
        "attempted_resolutions",
        "ai_summary",
        "trigger",
    }
    assert str(escalation.package["customer"]["lifetime_value"]) == "120.00"
    assert SlaClock.objects.get(ticket=ticket, kind="acknowledgement").stopped_at is None
    assert Notification.objects.filter(
        recipient=receiver, kind=Notification.Kind.ESCALATION, ticket=ticket
    ).exists()


def test_escalation_needs_a_reason_an_open_ticket_and_a_higher_tier(agent):
    ticket = routed()
    with pytest.raises(InvalidInput):
        escalate_ticket(ticket, actor=agent, reason="  ")
    with pytest.raises(IllegalTransition):
        escalate_ticket(ticket, actor=agent, reason="x", target_tier=tier("general"))
    escalate_ticket(ticket, actor=agent, reason="x", target_tier=tier("manager"))
    with pytest.raises(IllegalTransition, match="top tier"):
        escalate_ticket(ticket, actor=agent, reason="again")


def test_deescalation_returns_a_routine_case_down_a_tier(senior):
    ticket = routed(signals={"reputation": ["will post"]})
    assert ticket.tier == tier("senior")
    escalation = deescalate_ticket(ticket, actor=senior, reason="Routine delivery question after all")
    ticket.refresh_from_db()
    assert ticket.tier == tier("specialist") and escalation.direction == Escalation.Direction.DOWN
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.DEESCALATED).exists()
    assert (
        SlaClock.objects.filter(ticket=ticket, kind="acknowledgement", stopped_at__isnull=True).count() == 0
    )


def test_deescalation_to_automation_only_without_guarded_signals(senior):
    ticket = routed(issue_type="order_status", order=OrderFactory(), signals={"asks_for_human": ["person"]})
    deescalate_ticket(ticket, actor=senior, reason="Just a tracking question", to_ai=True)
    ticket.refresh_from_db()
    assert ticket.handled_by_ai and ticket.tier == tier("ai")
    legal = routed(signals={"legal": ["lawyer"]})
    with pytest.raises(IllegalTransition, match="legal"):
        deescalate_ticket(legal, actor=senior, reason="routine", to_ai=True)


def test_only_the_holding_tier_or_seniors_may_deescalate():
    ticket = routed(signals={"reputation": ["will post"]})
    outsider = agent_in("general", username="gen")
    with pytest.raises(NotAllowed):
        deescalate_ticket(ticket, actor=outsider, reason="not mine")
    holder = agent_in("senior", username="holder", roles=["agent"])
    deescalate_ticket(ticket, actor=holder, reason="routine")


def test_a_recovery_reopen_goes_to_the_senior_tier_and_notifies_it():
    senior_agent = agent_in("senior", username="sen")
    ticket = routed()
    actions.resolve_ticket(ticket, actor=None, resolution_method="information", root_cause=RootCauseFactory())
    actions.reopen_ticket(ticket, actor=None, reason="CSAT 1/5", recovery=True)
    jobs.ticket_reopened(ticket.pk)
    ticket.refresh_from_db()
    assert ticket.tier == tier("senior")
    assert Escalation.objects.filter(ticket=ticket, trigger=Escalation.Trigger.RECOVERY).exists()
    assert Notification.objects.filter(recipient=senior_agent, ticket=ticket).exists()


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_escalates_deescalates_and_explains(senior, manager):
    ticket = routed()
    agent = agent_in("general", username="frontliner")
    client = _client(agent)
    detail = client.get(f"/api/v1/tickets/{ticket.pk}/routing/").json()
    assert detail["tier"]["slug"] == "general" and detail["routing"]["rule"] == "everything-else"
    assert detail["routing"]["explanation"][-1]["decides"] is True
    assert detail["sla"]["first_response_due_at"] and detail["sla"]["breached"] is False
    assert detail["open_approvals"] == [] and detail["escalations"] == []

    missing_reason = client.post(f"/api/v1/tickets/{ticket.pk}/escalate/", {}, format="json")
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["fields"]
    up = client.post(
        f"/api/v1/tickets/{ticket.pk}/escalate/",
        {"reason": "Carrier claim", "target_tier": "senior"},
        format="json",
    )
    assert up.status_code == 201 and up.json()["to_tier"] == "senior" and "package" in up.json()
    sideways = _client(manager).post(
        f"/api/v1/tickets/{ticket.pk}/escalate/", {"reason": "x", "target_tier": "general"}, format="json"
    )
    assert sideways.status_code == 409 and "not above" in sideways.json()["detail"]

    forbidden = _client(agent_in("general", username="gen")).post(
        f"/api/v1/tickets/{ticket.pk}/deescalate/", {"reason": "x"}, format="json"
    )
    assert forbidden.status_code in (403, 404)  # 404 when the ticket left the agent's queue
    down = _client(manager).post(
        f"/api/v1/tickets/{ticket.pk}/deescalate/", {"reason": "Routine"}, format="json"
    )
    assert down.status_code == 201 and down.json()["direction"] == "down"
    detail = _client(manager).get(f"/api/v1/tickets/{ticket.pk}/routing/").json()
    assert [e["direction"] for e in detail["escalations"]] == ["down", "up"]


def test_the_routing_detail_query_count_does_not_grow_with_history(manager, django_assert_max_num_queries):
    ticket = routed()
    client = _client(manager)
    with django_assert_max_num_queries(12) as few:
        client.get(f"/api/v1/tickets/{ticket.pk}/routing/")
    for target in ("specialist", "senior", "manager"):
        escalate_ticket(ticket, actor=manager, reason="x", target_tier=tier(target))
        route_ticket(ticket, trigger="reroute")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/api/v1/tickets/{ticket.pk}/routing/").status_code == 200


def test_the_receivers_first_reply_acknowledges_the_escalation(agent):
    receiver = agent_in("specialist", username="spec")
    ticket = routed()
    escalation = escalate_ticket(ticket, actor=agent, reason="Carrier claim")
    actions.reply_to_ticket(
        Ticket.objects.get(pk=ticket.pk), body="I'm on it.", author=receiver, set_pending=False
    )
    jobs.run_sla_sweep()
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is not None


def test_a_customer_becoming_vip_reroutes_their_open_tickets():
    ticket = routed()
    customer = ticket.customer
    customer.lifetime_value = 9000
    customer.save(update_fields=["lifetime_value"])
    assert jobs.customer_changed(customer.pk) == 1
    ticket.refresh_from_db()
    assert ticket.tier == tier("senior") and ticket.customer.vip_level == "gold"
    assert jobs.customer_changed(customer.pk) == 0


def test_escalating_an_assigned_ticket_releases_an_assignee_from_another_team(agent):
    holder = agent_in("general", username="gen")
    ticket = routed()
    actions.assign_ticket(ticket, agent=holder, actor=holder)
    escalate_ticket(Ticket.objects.get(pk=ticket.pk), actor=holder, reason="Needs a specialist")
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.stage == Ticket.Stage.QUEUED
