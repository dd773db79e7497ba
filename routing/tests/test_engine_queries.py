"""One routing decision costs a flat number of queries: configuration is read once per process
(``routing.config``), not once per rule, team or lookup."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from routing import config
from routing.engine import route_ticket
from routing.models import RoutingRule, Team, Tier
from routing.tests.factories import TriagedTicketFactory

pytestmark = pytest.mark.usefixtures("workflow")

# A plain decision (general queue, clocks, decision, events) with a warm snapshot; the first
# decision of a process adds the snapshot's own reads.
WARM_DECISION = 16
ESCALATING_DECISION = 32


def _more_config(count: int) -> None:
    """``count`` extra teams, tiers and rules that never match (they are still evaluated)."""
    top = Tier.objects.order_by("-rank").values_list("rank", flat=True).first()
    for i in range(count):
        team = Team.objects.create(name=f"Extra team {i}", slug=f"extra-team-{i}")
        Tier.objects.create(name=f"Extra tier {i}", slug=f"extra-tier-{i}", rank=top + 1 + i, team=team)
        RoutingRule.objects.create(
            name=f"Extra rule {i}",
            slug=f"extra-rule-{i}",
            position=i,
            issue_types=["never-an-issue-type"],
            route_to=RoutingRule.Route.TEAM,
            team=team,
        )


def _queries(**fields) -> int:
    ticket = TriagedTicketFactory(**fields)
    with CaptureQueriesContext(connection) as captured:
        route_ticket(ticket, trigger="message")
    return len(captured)


def _cold_and_warm(**fields) -> tuple[int, int]:
    config.drop_snapshot()
    return _queries(**fields), _queries(**fields)


def test_routing_queries_do_not_grow_with_rules_or_teams():
    base_cold, base_warm = _cold_and_warm(issue_type="account")
    _more_config(10)
    more_cold, more_warm = _cold_and_warm(issue_type="account")
    assert (more_cold, more_warm) == (base_cold, base_warm)
    assert base_warm < base_cold  # the snapshot is reused by the next decision


def test_a_warm_decision_stays_within_its_query_budget(django_assert_max_num_queries):
    _queries(issue_type="account")  # warms the snapshot
    ticket = TriagedTicketFactory(issue_type="account")
    with django_assert_max_num_queries(WARM_DECISION):
        route_ticket(ticket, trigger="message")
    ticket = TriagedTicketFactory(signals={"legal": ["lawyer"]})
    with django_assert_max_num_queries(ESCALATING_DECISION):
        route_ticket(ticket, trigger="message")


def test_an_admin_save_reaches_the_next_decision():
    """Saving a rule drops the snapshot: the next ticket is routed by the edited rule."""
    _queries(issue_type="account")
    rule = RoutingRule.objects.get(slug="specialist-cases")
    rule.issue_types = [*rule.issue_types, "account"]
    rule.save()
    ticket = TriagedTicketFactory(issue_type="account")
    decision = route_ticket(ticket, trigger="message")
    assert decision.rule.slug == "specialist-cases"
