"""Query counts of the dashboard and the metrics do not grow with the data.

Each test measures a page, adds many more tickets (with their agents, events, CSAT) and folds
some of them into the facts, measures again: the two counts must be equal, whatever their value.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.facts import fold_ticket_facts
from analytics.tests.test_views import busy_helpdesk
from routing.models import AgentProfile
from tickets.tests.factories import UserFactory

PAGES = [
    ("/analytics/", {}),
    ("/analytics/", {"HX-Request": "true"}),
    ("/analytics/metrics/", {}),
    ("/api/v1/metrics/?series=1", {}),
    ("/api/v1/metrics/", {}),
]


def queries_of(client, url: str, headers: dict) -> int:
    client.get(url, headers=headers)  # session and per-process caches out of the way
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(captured)


def more_agents(n: int, start: int) -> None:
    for index in range(start, start + n):
        user = UserFactory(username=f"flat-dash-{index}", roles=["agent"])
        AgentProfile.objects.create(user=user, availability="online")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "headers"), PAGES, ids=["dashboard", "dashboard-htmx", "metrics", "api", "api-nos"]
)
def test_the_analytics_pages_cost_the_same_queries_at_two_sizes(client, manager, url, headers):
    client.force_login(manager)
    busy_helpdesk(4)
    more_agents(2, 0)
    small = queries_of(client, url, headers)
    fold_ticket_facts()
    busy_helpdesk(30)
    more_agents(20, 2)
    large = queries_of(client, url, headers)
    assert large == small
