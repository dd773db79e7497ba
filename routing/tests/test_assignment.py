"""Assignment: least-loaded available agent with the skill; never twice, never past capacity."""

import pytest

from helpdesk.testing import run_concurrently
from routing import assignment
from routing.engine import route_ticket
from routing.models import AgentProfile
from routing.tests.factories import TriagedTicketFactory, agent_in, team
from routing.workflow import install_default_workflow
from tickets.models import Ticket, TicketEvent


def queued(count: int, **fields) -> list[Ticket]:
    frontline = team("frontline")
    from routing.models import Tier

    general = Tier.objects.get(slug="general")
    return [
        TriagedTicketFactory(team=frontline, tier=general, stage=Ticket.Stage.QUEUED, **fields)
        for _ in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_threads_assigning_from_one_queue_never_double_assign_nor_exceed_capacity():
    install_default_workflow()
    agents = [agent_in("general", username=f"a{i}", capacity=2) for i in range(3)]
    tickets = queued(10)

    def worker():
        while assignment.assign_next_ticket(team("frontline")) is not None:
            pass

    run_concurrently(worker, worker)
    assigned = TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED, ticket__in=tickets)
    per_ticket = {}
    for event in assigned:
        per_ticket[event.ticket_id] = per_ticket.get(event.ticket_id, 0) + 1
    assert set(per_ticket.values()) == {1}
    assert len(per_ticket) == 6
    for person in agents:
        assert Ticket.objects.filter(assignee=person).count() == 2


pytestmark_db = pytest.mark.usefixtures("workflow")


@pytestmark_db
def test_the_least_loaded_agent_with_the_skill_gets_the_ticket():
    busy = agent_in("general", username="busy", skills=["billing"])
    free = agent_in("general", username="free", skills=["billing"])
    unskilled = agent_in("general", username="unskilled", skills=["account"])
    queued(1)[0]
    Ticket.objects.update(assignee=busy)
    ticket = queued(1, issue_type="billing")[0]
    assert assignment.assign_ticket_to_available_agent(ticket) == free
    assert unskilled != free


@pytestmark_db
def test_ties_go_round_robin():
    first = agent_in("general", username="first")
    second = agent_in("general", username="second")
    a, b = queued(2)
    winners = {assignment.assign_ticket_to_available_agent(a), assignment.assign_ticket_to_available_agent(b)}
    assert winners == {first, second}


@pytestmark_db
def test_offline_or_full_agents_get_nothing():
    agent_in("general", username="away", online=False)
    agent_in("general", username="full", capacity=1)
    one, two = queued(2)
    assert assignment.assign_ticket_to_available_agent(one) is not None
    assert assignment.assign_ticket_to_available_agent(two) is None


@pytestmark_db
def test_going_offline_releases_unstarted_tickets_back_to_the_queue():
    leaving = agent_in("general", username="leaving")
    ticket = queued(1)[0]
    assignment.assign_ticket_to_available_agent(ticket)
    assignment.set_availability(leaving, AgentProfile.Availability.OFFLINE, actor=leaving)
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.stage == Ticket.Stage.QUEUED
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.UNASSIGNED).exists()


@pytestmark_db
def test_routing_to_a_team_queues_the_ticket_for_its_agents(django_capture_on_commit_callbacks):
    person = agent_in("general", username="gen")
    ticket = TriagedTicketFactory(issue_type="account")
    with django_capture_on_commit_callbacks(execute=True):
        route_ticket(ticket, trigger="message")
    ticket.refresh_from_db()
    assert ticket.assignee == person and ticket.stage == Ticket.Stage.ASSIGNED


@pytestmark_db
def test_an_unknown_availability_is_refused(agent):
    from helpdesk.errors import InvalidInput

    with pytest.raises(InvalidInput):
        assignment.set_availability(agent, "sleeping", actor=agent)
