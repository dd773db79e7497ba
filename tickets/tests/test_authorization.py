"""Who may do what is decided by the actions, so the inbox and the API give the same answer.

Every mutating ticket endpoint of the API and every ticket POST of the inbox is walked as each
role against one table of expected answers: "done" (the change happened), "forbidden" (403),
"hidden" (404: the role may not even see the ticket). Issue 14, finding 3 is the
``assign_other`` row: an agent got 403 from the inbox but 200 from the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from helpdesk.errors import NotAllowed
from routing.models import AgentProfile, Approval
from tickets import actions
from tickets.models import Message, Ticket, TicketEvent
from tickets.tests.conftest import default_org
from tickets.tests.factories import RootCauseFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["agent", "outsider", "senior", "manager", "admin", "integration"]


@dataclass
class World:
    ticket: Ticket
    users: dict
    colleague: object
    approval: Approval
    org: dict


def _world() -> World:
    org = default_org()
    users = {
        "agent": UserFactory(username="w-agent", roles=["agent"]),
        "outsider": UserFactory(username="w-outsider", roles=["agent"]),
        "senior": UserFactory(username="w-senior", roles=["senior agent"]),
        "manager": UserFactory(username="w-manager", roles=["manager"]),
        "admin": UserFactory(username="w-admin", roles=["admin"]),
        "integration": UserFactory(username="integration:w", roles=["integration"]),
    }
    colleague = UserFactory(username="w-colleague", roles=["agent"])
    for user, team, tier in [
        (users["agent"], org["frontline"], org["general"]),
        (colleague, org["frontline"], org["general"]),
        (users["outsider"], org["other_team"], org["specialist"]),
        (users["senior"], org["senior_team"], org["senior"]),
    ]:
        AgentProfile.objects.create(user=user, team=team, tier=tier, availability="online")
    ticket = TicketFactory(
        team=org["frontline"],
        tier=org["general"],
        issue_type="other",
        ai_draft="Thanks, we are on it.",
        priority=Ticket.Priority.NORMAL,
    )
    approval = Approval.objects.create(
        ticket=ticket, role="manager", amount=Decimal("50"), reason="goodwill", requested_by=colleague
    )
    return World(ticket=ticket, users=users, colleague=colleague, approval=approval, org=org)


def _resolved(world: World) -> None:
    actions.resolve_ticket(
        world.ticket,
        actor=None,
        resolution_method=Ticket.ResolutionMethod.values[0],
        root_cause=RootCauseFactory(),
    )


def _fresh(world: World) -> Ticket:
    return Ticket.objects.get(pk=world.ticket.pk)


@dataclass
class Op:
    name: str
    surface: str  # "inbox" or "api"
    method: str
    url: Callable[[World], str]
    data: Callable[[World, object], dict]
    done: Callable[[World, object], bool]
    before: Callable[[World], None] | None = None


def _outbound(world, public: bool) -> bool:
    return Message.objects.filter(
        ticket=world.ticket, direction=Message.Direction.OUTBOUND, is_internal=not public
    ).exists()


T = "/tickets/{}/"
A = "/api/v1/tickets/{}/"
OPS = [
    Op("reply", "inbox", "post", lambda w: T.format(w.ticket.pk) + "reply/", lambda w, u: {"body": "It ships today."},
       lambda w, u: _outbound(w, public=True)),
    Op("reply", "api", "post", lambda w: A.format(w.ticket.pk) + "replies/", lambda w, u: {"body": "It ships today."},
       lambda w, u: _outbound(w, public=True)),
    Op("note", "inbox", "post", lambda w: T.format(w.ticket.pk) + "note/", lambda w, u: {"body": "Carrier says Monday."},
       lambda w, u: _outbound(w, public=False)),
    Op("note", "api", "post", lambda w: A.format(w.ticket.pk) + "replies/",
       lambda w, u: {"body": "Carrier says Monday.", "internal": True}, lambda w, u: _outbound(w, public=False)),
    Op("take", "inbox", "post", lambda w: T.format(w.ticket.pk) + "assign/", lambda w, u: {"agent": "me"},
       lambda w, u: _fresh(w).assignee_id == u.pk),
    Op("take", "api", "patch", lambda w: A.format(w.ticket.pk), lambda w, u: {"assignee": u.pk},
       lambda w, u: _fresh(w).assignee_id == u.pk),
    Op("assign_other", "inbox", "post", lambda w: T.format(w.ticket.pk) + "assign/",
       lambda w, u: {"agent": w.colleague.pk}, lambda w, u: _fresh(w).assignee_id == w.colleague.pk),
    Op("assign_other", "api", "patch", lambda w: A.format(w.ticket.pk), lambda w, u: {"assignee": w.colleague.pk},
       lambda w, u: _fresh(w).assignee_id == w.colleague.pk),
    Op("assign_other", "bulk", "post", lambda w: "/tickets/bulk/",
       lambda w, u: {"action": "assign", "tickets": [w.ticket.pk], "agent": w.colleague.pk},
       lambda w, u: _fresh(w).assignee_id == w.colleague.pk),
    Op("priority", "api", "patch", lambda w: A.format(w.ticket.pk), lambda w, u: {"priority": Ticket.Priority.URGENT},
       lambda w, u: _fresh(w).priority == Ticket.Priority.URGENT),
    Op("priority", "bulk", "post", lambda w: "/tickets/bulk/",
       lambda w, u: {"action": "priority", "tickets": [w.ticket.pk], "priority": Ticket.Priority.URGENT},
       lambda w, u: _fresh(w).priority == Ticket.Priority.URGENT),
    Op("status", "api", "patch", lambda w: A.format(w.ticket.pk), lambda w, u: {"status": "pending"},
       lambda w, u: _fresh(w).status == Ticket.Status.PENDING),
    Op("escalate", "inbox", "post", lambda w: T.format(w.ticket.pk) + "escalate/",
       lambda w, u: {"target_tier": w.org["specialist"].pk, "reason": "needs a specialist"},
       lambda w, u: _fresh(w).tier_id == w.org["specialist"].pk),
    Op("escalate", "api", "post", lambda w: f"/api/v1/tickets/{w.ticket.pk}/escalate/",
       lambda w, u: {"target_tier": "specialist", "reason": "needs a specialist"},
       lambda w, u: _fresh(w).tier_id == w.org["specialist"].pk),
    Op("deescalate", "inbox", "post", lambda w: T.format(w.ticket.pk) + "deescalate/",
       lambda w, u: {"to_ai": "on", "reason": "routine"}, lambda w, u: _fresh(w).tier_id == w.org["ai"].pk),
    Op("deescalate", "api", "post", lambda w: f"/api/v1/tickets/{w.ticket.pk}/deescalate/",
       lambda w, u: {"to_ai": True, "reason": "routine"}, lambda w, u: _fresh(w).tier_id == w.org["ai"].pk),
    Op("ask_approval", "inbox", "post", lambda w: T.format(w.ticket.pk) + "approvals/",
       lambda w, u: {"amount": "20", "role": "manager", "reason": "goodwill"},
       lambda w, u: Approval.objects.filter(ticket=w.ticket).count() == 2),
    Op("ask_approval", "api", "post", lambda w: f"/api/v1/tickets/{w.ticket.pk}/approvals/",
       lambda w, u: {"amount": "20", "role": "manager", "reason": "goodwill"},
       lambda w, u: Approval.objects.filter(ticket=w.ticket).count() == 2),
    Op("approve", "inbox", "post", lambda w: T.format(w.ticket.pk) + f"approvals/{w.approval.pk}/",
       lambda w, u: {"decision": "approve"}, lambda w, u: Approval.objects.get(pk=w.approval.pk).status == "approved"),
    Op("approve", "api", "post", lambda w: f"/api/v1/approvals/{w.approval.pk}/approve/", lambda w, u: {},
       lambda w, u: Approval.objects.get(pk=w.approval.pk).status == "approved"),
    Op("deny", "inbox", "post", lambda w: T.format(w.ticket.pk) + f"approvals/{w.approval.pk}/",
       lambda w, u: {"decision": "deny", "note": "no"}, lambda w, u: Approval.objects.get(pk=w.approval.pk).status == "denied"),
    Op("deny", "api", "post", lambda w: f"/api/v1/approvals/{w.approval.pk}/deny/", lambda w, u: {"note": "no"},
       lambda w, u: Approval.objects.get(pk=w.approval.pk).status == "denied"),
    Op("classify", "inbox", "post", lambda w: T.format(w.ticket.pk) + "classification/",
       lambda w, u: {"urgency": "high", "reason": "customer is waiting"}, lambda w, u: _fresh(w).urgency == "high"),
    Op("discard_draft", "inbox", "post", lambda w: T.format(w.ticket.pk) + "draft/discard/", lambda w, u: {},
       lambda w, u: TicketEvent.objects.filter(ticket=w.ticket, kind=TicketEvent.Kind.DRAFT_DISCARDED).exists()),
    Op("resolve", "inbox", "post", lambda w: T.format(w.ticket.pk) + "resolve/",
       lambda w, u: {"resolution_method": Ticket.ResolutionMethod.values[0], "new_root_cause": "Carrier delay"},
       lambda w, u: _fresh(w).status == Ticket.Status.RESOLVED),
    Op("reopen", "inbox", "post", lambda w: T.format(w.ticket.pk) + "reopen/", lambda w, u: {"reason": "not fixed"},
       lambda w, u: _fresh(w).status == Ticket.Status.OPEN, before=_resolved),
    Op("close", "bulk", "post", lambda w: "/tickets/bulk/",
       lambda w, u: {"action": "close", "tickets": [w.ticket.pk], "resolution_method": Ticket.ResolutionMethod.values[0],
                     "new_root_cause": "Carrier delay"},
       lambda w, u: _fresh(w).status == Ticket.Status.CLOSED),
]  # fmt: skip

# The one answer each role gets for each act, whichever surface it uses. The frontline ticket is
# outside the senior agent's and the outsider's queues; integrations bring messages in and change
# no ticket; only seniors and above give a ticket to someone else; a manager's approval waits on
# a manager.
PEOPLE = {"agent": "done", "outsider": "hidden", "senior": "hidden", "manager": "done", "admin": "done"}
EXPECTED = {
    name: {**PEOPLE, "integration": "forbidden"}
    for name in [
        "reply", "note", "take", "priority", "status", "escalate", "deescalate", "ask_approval",
        "classify", "discard_draft", "resolve", "reopen", "close",
    ]
}  # fmt: skip
EXPECTED["assign_other"] = {**PEOPLE, "agent": "forbidden", "integration": "forbidden"}
EXPECTED["approve"] = EXPECTED["deny"] = {**PEOPLE, "agent": "forbidden", "integration": "forbidden"}


def _client(surface: str, user) -> Client:
    client = APIClient() if surface == "api" else Client()
    client.force_login(user)
    return client


def _answer(op: Op, role: str) -> str:
    world = _world()
    user = world.users[role]
    if op.before:
        op.before(world)
    client = _client(op.surface, user)
    kwargs = {"format": "json"} if op.surface == "api" else {}
    response = getattr(client, op.method)(op.url(world), op.data(world, user), **kwargs)
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404:
        return "hidden"
    if op.done(world, user):
        return "done"
    if op.surface == "bulk" and response.status_code == 302:
        # Bulk edits skip the tickets a person may not change (or see) and say so.
        return "skipped"
    return f"unexpected {response.status_code}: {response.content[:300]!r}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", OPS, ids=lambda op: f"{op.name}-{op.surface}")
def test_every_surface_gives_each_role_the_same_answer(op, role):
    expected = EXPECTED[op.name][role]
    answer = _answer(op, role)
    if op.surface == "bulk" and expected != "done":
        # A bulk edit refuses the whole request (403) or skips the tickets it may not change.
        assert answer in ("forbidden", "hidden", "skipped"), answer
    else:
        assert answer == expected


def test_an_agent_cannot_reassign_through_the_action_itself():
    """Finding 3 at the action: whatever calls it (admin, job, API), the refusal is the same."""
    world = _world()
    with pytest.raises(NotAllowed):
        actions.assign_ticket(world.ticket, agent=world.colleague, actor=world.users["agent"])
    actions.assign_ticket(world.ticket, agent=world.users["agent"], actor=world.users["agent"])
    with pytest.raises(NotAllowed):
        actions.assign_ticket(world.ticket, agent=None, actor=world.colleague)
    actions.assign_ticket(world.ticket, agent=None, actor=world.users["agent"])
    assert _fresh(world).assignee_id is None
