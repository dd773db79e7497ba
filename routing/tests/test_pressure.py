"""Queue pressure sends low-risk cases to AI and brings them back when the queue eases."""

import pytest

from routing import config, jobs
from routing.engine import PRESSURE_TAG, route_ticket
from routing.models import TeamPressure, Thresholds
from routing.tests.factories import TriagedTicketFactory, tier
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import OrderFactory

pytestmark = pytest.mark.usefixtures("workflow")


def pressure_depth(depth: int) -> None:
    thresholds = Thresholds.current()
    thresholds.queue_pressure_depth = depth
    thresholds.save()


def test_under_pressure_low_risk_cases_go_to_ai_and_come_back_when_it_eases():
    pressure_depth(2)
    # Three people-only tickets fill the general queue; a borderline order-status case waits too
    # (its routing rule is switched off below; above the order-status action rule's floor of 0.80).
    for _ in range(3):
        route_ticket(TriagedTicketFactory(issue_type="account"), trigger="message")
    borderline = TriagedTicketFactory(issue_type="order_status", order=OrderFactory(), triage_confidence=0.85)
    risky = TriagedTicketFactory(issue_type="account", signals={"asks_for_human": ["person"]})
    from routing.models import RoutingRule

    RoutingRule.objects.filter(slug="ai-order-status").update(is_active=False)
    config.drop_snapshot()  # a queryset update sends no signal
    route_ticket(borderline, trigger="message")
    route_ticket(risky, trigger="message")
    assert Ticket.objects.get(pk=borderline.pk).tier == tier("general")

    result = jobs.rebalance_queues()
    assert result["rose"] == 1 and result["to_ai"] == 1
    borderline.refresh_from_db()
    assert borderline.handled_by_ai and PRESSURE_TAG in borderline.tags
    assert not Ticket.objects.get(pk=risky.pk).handled_by_ai
    assert TeamPressure.objects.get(team=tier("general").team).under_pressure
    assert TicketEvent.objects.filter(
        ticket=borderline, kind=TicketEvent.Kind.ROUTED, data__trigger="pressure"
    ).exists()

    pressure_depth(100)
    result = jobs.rebalance_queues()
    assert result["eased"] == 1 and result["back_to_people"] == 1
    borderline.refresh_from_db()
    assert (
        not borderline.handled_by_ai
        and borderline.tier == tier("general")
        and PRESSURE_TAG not in borderline.tags
    )
    assert TicketEvent.objects.filter(
        ticket=borderline, kind=TicketEvent.Kind.ROUTED, data__trigger="pressure_eased"
    ).exists()


def test_a_queue_condition_in_a_rule_reads_the_measured_pressure():
    from routing.models import RoutingRule

    pressure_depth(0)
    route_ticket(TriagedTicketFactory(issue_type="account"), trigger="message")
    jobs.rebalance_queues()
    RoutingRule.objects.create(
        name="Overflow to specialists", slug="overflow", position=95, issue_types=["account"],
        queue_under_pressure="yes", pressure_team=tier("general").team, route_to="tier", tier=tier("specialist"),
    )  # fmt: skip
    decision = route_ticket(TriagedTicketFactory(issue_type="account"), trigger="message")
    assert decision.rule.slug == "overflow"
    assert "is under pressure" in decision.explanation[-1]["conditions"][-1]["text"]
