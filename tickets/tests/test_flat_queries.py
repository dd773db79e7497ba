"""Query counts of the pages agents wait for do not grow with the data.

Each test measures a page, adds many more rows of every kind the page shows (tickets of
different customers, assignees and tiers, messages, events, past tickets of the customer) and
measures it again: the two counts must be equal, whatever their value.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from routing.models import AgentProfile
from tickets.models import TicketEvent
from tickets.tests.factories import (
    CustomerFactory,
    EventFactory,
    MessageFactory,
    OrderFactory,
    TicketFactory,
    UserFactory,
)

HTMX_LIST = {"HX-Request": "true", "HX-Target": "inbox-list"}
_serial = count()


def queries_of(client, url: str, headers: dict | None = None) -> tuple[int, object]:
    """Queries of one request, after a first one (session, per-process caches) is out of the way."""
    client.get(url, headers=headers or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, response.content[:300]
    return len(captured), response


def add_tickets(org, n: int) -> None:
    """``n`` open tickets in the frontline queue, each with its own customer and assignee, some
    VIP, some escalated to the specialist tier, each with messages and events."""
    now = timezone.now()
    for _ in range(n):
        i = next(_serial)
        agent = UserFactory(username=f"flat-agent-{i}", roles=["agent"])
        AgentProfile.objects.create(user=agent, team=org["frontline"], tier=org["general"])
        ticket = TicketFactory(
            subject=f"Parcel {i} never arrived",
            customer=CustomerFactory(vip=i % 3 == 0),
            team=org["frontline"],
            tier=org["specialist"] if i % 4 == 0 else org["general"],
            assignee=agent if i % 2 else None,
            sla_due_at=now + timedelta(minutes=5 * i),
            tags=["parcel"],
        )
        MessageFactory(ticket=ticket, direction="outbound", author_kind="agent", body="On its way")
        EventFactory(ticket=ticket, kind=TicketEvent.Kind.CREATED)


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/tickets/", None),
        ("/tickets/?view=team", HTMX_LIST),
        ("/tickets/?view=team&q=parcel", HTMX_LIST),
        ("/tickets/?view=team&sort=newest&tag=parcel", HTMX_LIST),
    ],
    ids=["inbox-page", "list-fragment", "search", "filtered"],
)
def test_the_inbox_costs_the_same_queries_at_two_sizes(client, frontline_agent, org, url, headers):
    client.force_login(frontline_agent)
    add_tickets(org, 3)
    small, response = queries_of(client, url, headers)
    assert response.content.count(b"data-row ") == 3
    add_tickets(org, 30)
    large, response = queries_of(client, url, headers)
    assert response.content.count(b"data-row ") == 33
    assert large == small


def test_the_manager_inbox_costs_the_same_queries_at_two_sizes(client, org):
    manager = UserFactory(username="flat-manager", roles=["manager"])
    client.force_login(manager)
    add_tickets(org, 3)
    small, _ = queries_of(client, "/tickets/?view=all", HTMX_LIST)
    add_tickets(org, 30)
    large, response = queries_of(client, "/tickets/?view=all", HTMX_LIST)
    assert response.content.count(b"data-row ") == 33
    assert large == small


def test_the_ticket_page_costs_the_same_queries_at_two_sizes(client, frontline_agent, team_ticket):
    client.force_login(frontline_agent)
    url = f"/tickets/{team_ticket.pk}/"

    def grow(n: int) -> None:
        for _ in range(n):
            author = UserFactory(username=f"flat-author-{next(_serial)}", roles=["agent"])
            MessageFactory(ticket=team_ticket, direction="outbound", author_kind="agent", author=author)
            MessageFactory(ticket=team_ticket)
            EventFactory(ticket=team_ticket, kind=TicketEvent.Kind.ASSIGNED, actor=author)
            TicketFactory(customer=team_ticket.customer, resolved=True)
            OrderFactory(customer=team_ticket.customer)

    grow(2)
    small, _ = queries_of(client, url)
    grow(20)
    large, response = queries_of(client, url)
    assert len(response.context["thread"]) == 1 + 2 * 22
    assert large == small


def test_the_api_ticket_list_costs_the_same_queries_at_two_sizes(client, org):
    manager = UserFactory(username="flat-api-manager", roles=["manager"])
    client.force_login(manager)
    add_tickets(org, 3)
    small, _ = queries_of(client, "/api/v1/tickets/?page_size=100")
    add_tickets(org, 30)
    large, response = queries_of(client, "/api/v1/tickets/?page_size=100")
    assert len(response.json()["results"]) == 33
    assert large == small
