"""Inbox views that call the routing app: escalation, approvals, classification overrides, availability.

They exercise routing's public functions for real (no fakes), through the inbox views.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from routing.models import AgentProfile
from tickets.models import Message, Ticket, TicketEvent
from tickets.tests.factories import TicketFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    client.force_login(user)
    return client


def test_escalate_needs_a_reason_then_moves_the_ticket_up(client, frontline_agent, team_ticket, org):
    login(client, frontline_agent)
    url = reverse("tickets:escalate", args=[team_ticket.pk])
    refused = client.post(url, {"target_tier": org["senior"].pk, "reason": ""}, **HTMX)
    assert "Reason: This field is required." in refused.content.decode()
    client.post(url, {"target_tier": org["senior"].pk, "reason": "Chargeback threat"}, **HTMX)
    team_ticket.refresh_from_db()
    assert team_ticket.tier == org["senior"]
    assert TicketEvent.objects.filter(ticket=team_ticket, kind=TicketEvent.Kind.ESCALATED).exists()


def test_escalated_ticket_shows_in_the_seniors_escalated_view(
    client, frontline_agent, senior_agent, team_ticket, org
):
    login(client, frontline_agent).post(
        reverse("tickets:escalate", args=[team_ticket.pk]),
        {"target_tier": org["senior"].pk, "reason": "Legal"},
    )
    login(client, senior_agent)
    listed = client.get(reverse("tickets:inbox"), {"view": "escalated"}).context["page"].object_list
    assert team_ticket in listed


def test_agents_outside_the_ticket_cannot_deescalate_it(client, frontline_agent, manager, org):
    ticket = TicketFactory(team=org["other_team"], tier=org["specialist"], assignee=manager)
    response = login(client, frontline_agent).post(
        reverse("tickets:deescalate", args=[ticket.pk]),
        {"reason": "routine", "target_tier": org["general"].pk},
    )
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.tier == org["specialist"]


def test_deescalate_is_offered_only_to_the_tier_holding_the_ticket(client, frontline_agent, org):
    held_by_me = TicketFactory(team=org["frontline"], tier=org["general"])
    held_by_specialists = TicketFactory(team=org["frontline"], tier=org["specialist"])
    login(client, frontline_agent)
    page = client.get(reverse("tickets:detail", args=[held_by_me.pk])).content.decode()
    assert 'id="deescalate-panel"' in page
    page = client.get(reverse("tickets:detail", args=[held_by_specialists.pk])).content.decode()
    assert 'id="deescalate-panel"' not in page


def test_deescalating_a_ticket_another_tier_holds_is_refused(client, frontline_agent, org):
    ticket = TicketFactory(team=org["frontline"], tier=org["specialist"])
    response = login(client, frontline_agent).post(
        reverse("tickets:deescalate", args=[ticket.pk]),
        {"reason": "routine", "target_tier": org["general"].pk},
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.tier == org["specialist"]


def test_senior_deescalates_with_a_reason(client, senior_agent, org):
    ticket = TicketFactory(team=org["senior_team"], tier=org["senior"])
    login(client, senior_agent).post(
        reverse("tickets:deescalate", args=[ticket.pk]),
        {"reason": "Routine address change", "target_tier": org["general"].pk},
        **HTMX,
    )
    ticket.refresh_from_db()
    assert ticket.tier == org["general"]


def test_classification_correction_is_stored_as_an_override(client, frontline_agent, team_ticket):
    login(client, frontline_agent).post(
        reverse("tickets:classify", args=[team_ticket.pk]),
        {
            "issue_type": "refund_request",
            "sentiment": "frustrated",
            "signals": ["legal"],
            "reason": "Asks for money",
        },
        **HTMX,
    )
    team_ticket.refresh_from_db()
    assert team_ticket.issue_type == "refund_request"
    assert "legal" in team_ticket.signals
    assert TicketEvent.objects.filter(
        ticket=team_ticket, kind=TicketEvent.Kind.CLASSIFICATION_OVERRIDDEN
    ).exists()


def test_agent_requests_approval_and_only_the_named_role_decides(
    client, frontline_agent, manager, senior_agent, team_ticket
):
    from routing.models import Approval

    login(client, frontline_agent).post(
        reverse("tickets:request-approval", args=[team_ticket.pk]),
        {"amount": "250.00", "role": "manager", "reason": "Refund twice-broken kettle"},
        **HTMX,
    )
    approval = Approval.objects.get(ticket=team_ticket)
    assert approval.amount == Decimal("250.00") and approval.role == "manager"
    decide = reverse("tickets:decide-approval", args=[team_ticket.pk, approval.pk])
    assert client.post(decide, {"decision": "approve", "note": "ok"}).status_code == 403

    manager_client = login(client.__class__(), manager)
    refused = manager_client.post(decide, {"decision": "deny", "note": ""}, **HTMX)
    assert "Say why the request is denied." in refused.content.decode()
    manager_client.post(decide, {"decision": "approve", "note": "Repeat defect"}, **HTMX)
    approval.refresh_from_db()
    assert approval.status != "pending"
    assert senior_agent.pk  # a senior is not the named role either (checked above via the agent)


def test_manager_sees_the_held_ticket_in_awaiting_my_approval(client, frontline_agent, manager, team_ticket):
    login(client, frontline_agent).post(
        reverse("tickets:request-approval", args=[team_ticket.pk]),
        {"amount": "250.00", "role": "manager", "reason": "Refund"},
    )
    client.post(
        reverse("tickets:reply", args=[team_ticket.pk]),
        {"body": "Refunding 250 EUR", "commits_amount": "250"},
    )
    login(client, manager)
    listed = client.get(reverse("tickets:inbox"), {"view": "approval"}).context["page"].object_list
    assert team_ticket in listed
    held = Message.objects.filter(ticket=team_ticket, delivery_status=Message.Delivery.HELD)
    assert held.exists()


def test_availability_is_set_for_the_signed_in_agent_only(client, frontline_agent):
    other = UserFactory(username="other-agent", roles=["agent"])
    AgentProfile.objects.create(user=other, availability="online")
    login(client, frontline_agent).post(reverse("tickets:availability"), {"availability": "away"}, **HTMX)
    assert AgentProfile.objects.get(user=frontline_agent).availability == "away"
    assert AgentProfile.objects.get(user=other).availability == "online"


def test_unknown_availability_is_refused(client, frontline_agent):
    response = login(client, frontline_agent).post(
        reverse("tickets:availability"), {"availability": "asleep"}, **HTMX
    )
    assert "Select a valid choice" in response.content.decode()
    assert AgentProfile.objects.get(user=frontline_agent).availability == "online"
    assert Ticket.objects.count() == 0


def test_escalating_out_of_my_sight_sends_me_back_to_the_inbox(client, frontline_agent, org):
    ticket = TicketFactory(team=org["frontline"], tier=org["general"])
    response = login(client, frontline_agent).post(
        reverse("tickets:escalate", args=[ticket.pk]),
        {"target_tier": org["senior"].pk, "reason": "Legal threat"},
        **HTMX,
    )
    assert response.headers["HX-Redirect"] == reverse("tickets:inbox")
    inbox = client.get(reverse("tickets:inbox")).content.decode()
    assert f"HD-{ticket.pk} has left your queues." in inbox
