"""Per-agent and per-team reports: the metrics page's definitions, managers only, CSV, flat SQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics import queries
from analytics.queries.agents import agent_report
from analytics.tests.factories import tier
from analytics.tests.test_views import busy_helpdesk
from helpdesk.errors import NotAllowed
from tickets.tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def last_month(**kwargs) -> queries.MetricFilters:
    return queries.MetricFilters.last_days(30, **kwargs)


def by_name(rows):
    return {row.name: row.values for row in rows}


def by_username(rows):
    names = dict(get_user_model().objects.values_list("pk", "username"))
    return {names.get(row.key, row.name): row.values for row in rows}


def test_rows_use_the_metrics_page_definitions_and_add_up_to_its_volume(manager):
    busy_helpdesk(12)
    filters = last_month()
    report = agent_report(manager, filters)
    page = queries.metrics_report(filters)["current"]
    assert sum(row.values["volume"] for row in report["agents"]) == page["volume"] == 12
    agents = by_username(report["agents"])
    # busy_helpdesk hands ticket i to agent{i % 3}: 4 tickets each, first reply after 30 min.
    assert {name: values["volume"] for name, values in agents.items()} == {
        "agent0": 4,
        "agent1": 4,
        "agent2": 4,
    }
    assert agents["agent0"]["first_response_time"]["median_seconds"] == 1800.0
    assert agents["agent0"]["resolution_time"]["median_seconds"] == 7200.0
    # The team row is exactly the metrics page filtered to that team.
    general_team = tier("general").team
    team_page = queries.metrics_report(last_month(team=general_team.pk))["current"]
    team_row = by_name(report["teams"])[general_team.name]
    for measure in ("volume", "first_response_time", "resolution_time", "csat", "ai_draft_acceptance_rate"):
        assert team_row[measure] == team_page[measure], measure


def test_unassigned_and_ai_tickets_are_their_own_row(manager):
    busy_helpdesk(3)
    TicketFactory(first_message_at=timezone.now() - timedelta(hours=1), handled_by_ai=True)
    rows = agent_report(manager, last_month())["agents"]
    assert rows[-1].name == "Unassigned / AI" and rows[-1].values["volume"] == 1


def test_only_managers_see_the_report(client, agent, manager):
    with pytest.raises(NotAllowed):
        agent_report(agent, last_month())
    client.force_login(agent)
    assert client.get(reverse("analytics:agents")).status_code == 403
    assert client.get(reverse("analytics:agents-csv")).status_code == 403
    # A dashboard viewer by permission is still not a manager: the report ranks people.
    agent.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    client.force_login(agent)
    assert client.get(reverse("analytics:metrics")).status_code == 200
    assert client.get(reverse("analytics:agents")).status_code == 403


def test_page_and_csv_for_a_manager(client, manager):
    busy_helpdesk(6)
    client.force_login(manager)
    page = client.get(reverse("analytics:agents"))
    assert page.status_code == 200
    agent1 = get_user_model().objects.get(username="agent1")
    name = agent1.get_full_name() or agent1.username
    assert f'data-name="{name}"'.encode() in page.content
    assert reverse("analytics:agents") in page.content.decode()  # in the analytics nav
    response = client.get(reverse("analytics:agents-csv"))
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    agents = {row["name"]: row for row in rows if row["scope"] == "agent"}
    assert agents[name]["volume"] == "2"
    assert agents[name]["first_response_median_s"] == "1800.0"
    assert any(row["scope"] == "team" for row in rows)
    bad = client.get(reverse("analytics:agents-csv"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 400 and b"start" in bad.content


def test_report_query_count_does_not_grow_with_agents(manager):
    busy_helpdesk(6)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            agent_report(manager, last_month())
        return len(captured.captured_queries)

    count()  # per-process caches (calendars, thresholds) filled once
    few = count()
    general = tier("general")
    for n in range(8):
        TicketFactory(
            assignee=UserFactory(username=f"extra{n}"),
            team=general.team,
            tier=general,
            first_message_at=timezone.now() - timedelta(hours=2),
        )
    assert len(agent_report(manager, last_month())["agents"]) == 11
    # savepoint pair, config (2), business calendars with holidays (2, the one business clock),
    # watermark, the statement, names: the same at 3 agents and at 11.
    assert count() == few <= 10
