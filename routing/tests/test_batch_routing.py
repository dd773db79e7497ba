"""Routing a batch at once decides and writes exactly what routing each ticket alone does."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from routing.batch import route_batch
from routing.engine import PRESSURE_TAG, route_ticket
from routing.models import Approval, Escalation, RoutingDecision, SlaClock, TeamPressure
from routing.tests.factories import TriagedTicketFactory, agent_in, team, tier, vip_customer
from tickets.models import Notification, Ticket, TicketEvent
from tickets.tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.usefixtures("workflow")

IDS = {"decision_id", "escalation_id", "approval_id"}


def _mixed_batch() -> list[Ticket]:
    """Tickets that take every path of the engine: AI, queue, escalation, approval, VIP, repeat
    complaint, an assignee who does not serve the new team, a pressure tag to drop, and a team
    under pressure."""
    general = tier("general")
    agent = agent_in("specialist", username="batch-agent")
    repeat = CustomerFactory()
    TriagedTicketFactory(customer=repeat, issue_type="damaged_item")
    customer = CustomerFactory()
    order = OrderFactory(customer=customer)
    tickets = [
        TriagedTicketFactory(
            customer=customer, order=order, issue_type="order_status", triage_confidence=0.95
        ),
        TriagedTicketFactory(issue_type="other"),
        TriagedTicketFactory(issue_type="legal", signals={"legal": ["lawyer"]}, urgency=Ticket.Urgency.HIGH),
        TriagedTicketFactory(issue_type="refund_request", amount_at_stake=Decimal("250.00")),
        TriagedTicketFactory(customer=vip_customer(), issue_type="order_status"),
        TriagedTicketFactory(customer=repeat, issue_type="damaged_item", sentiment_score=-0.8),
        TriagedTicketFactory(issue_type="billing", tier=general, team=general.team, assignee=agent),
        TriagedTicketFactory(issue_type="other", handled_by_ai=True, tags=[PRESSURE_TAG, "keep"]),
        TriagedTicketFactory(issue_type="damaged_item", signals={"safety": ["fire"]}),
    ]
    TeamPressure.objects.update_or_create(team=team("frontline"), defaults={"under_pressure": True})
    return tickets


def _state(ticket_ids: list[int], after_event: int) -> dict:
    """Everything routing writes for these tickets, without ids and timestamps of the run."""
    tickets = {
        row["id"]: row
        for row in Ticket.objects.filter(pk__in=ticket_ids).values(
            "id", "tier_id", "team_id", "handled_by_ai", "priority", "tags", "stage", "assignee_id",
            "first_response_due_at", "resolution_due_at", "sla_due_at",
        )
    }  # fmt: skip
    log = {}
    for event in TicketEvent.objects.filter(ticket_id__in=ticket_ids, pk__gt=after_event).order_by("pk"):
        data = {k: v for k, v in event.data.items() if k not in IDS}
        log.setdefault(event.ticket_id, []).append((event.kind, event.actor_kind, data))
    decisions = {
        row.pop("ticket_id"): row
        for row in RoutingDecision.objects.filter(ticket_id__in=ticket_ids).values(
            "ticket_id", "trigger", "rule_id", "destination", "tier_id", "team_id", "agent_id", "priority",
            "first_response_due_at", "resolution_due_at", "sla_policy_id", "approvals_required",
            "notifications", "tags", "explanation", "notes", "facts",
        )
    }  # fmt: skip
    clocks = sorted(
        # An acknowledgement clock starts when the escalation happens: compare its length.
        (c.ticket_id, c.kind, c.policy_id, c.target_minutes, c.stopped_at)
        + (
            (round((c.due_at - c.started_at).total_seconds() / 60),)
            if c.kind == SlaClock.Kind.ACKNOWLEDGEMENT
            else (c.due_at, c.warn_at)
        )
        for c in SlaClock.objects.filter(ticket_id__in=ticket_ids)
    )
    escalations = sorted(
        (e.ticket_id, e.direction, e.from_tier_id, e.to_tier_id, e.to_ai, e.trigger, e.reason,
         e.acknowledge_due_at is not None, _without_times(e.package))
        for e in Escalation.objects.filter(ticket_id__in=ticket_ids)
    )  # fmt: skip
    approvals = sorted(
        Approval.objects.filter(ticket_id__in=ticket_ids).values_list("ticket_id", "role", "amount")
    )
    notes = sorted(
        Notification.objects.filter(ticket_id__in=ticket_ids).values_list(
            "ticket_id", "recipient_id", "kind", "text"
        )
    )
    return {
        "tickets": tickets,
        "events": log,
        "decisions": decisions,
        "clocks": clocks,
        "escalations": escalations,
        "approvals": approvals,
        "notifications": notes,
    }


def _without_times(package: dict) -> dict:
    return {**package, "attempted_resolutions": [{**a, "at": None} for a in package["attempted_resolutions"]]}


def test_a_batch_is_routed_exactly_as_each_ticket_alone():
    tickets = _mixed_batch()
    ids = [t.pk for t in tickets]
    marker = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        savepoint = transaction.savepoint()
        decisions = route_batch(tickets, trigger="message")
        batched = _state(ids, marker)
        transaction.savepoint_rollback(savepoint)
    for ticket in tickets:
        route_ticket(ticket, trigger="message")
    alone = _state(ids, marker)

    assert set(decisions) == set(ids)
    # The batch covered the paths that matter (so the comparison below means something).
    destinations = {d["destination"] for d in alone["decisions"].values()}
    assert {RoutingDecision.Destination.AI, RoutingDecision.Destination.TIER} <= destinations
    kinds = {kind for log in alone["events"].values() for kind, _, _ in log}
    assert {
        TicketEvent.Kind.ESCALATED,
        TicketEvent.Kind.PRIORITY_CHANGED,
        TicketEvent.Kind.TAGS_CHANGED,
    } <= kinds
    assert alone["approvals"] and alone["notifications"]
    assert alone["escalations"] and any(e[-1]["conversation"] for e in alone["escalations"])
    for key in ("tickets", "events", "decisions", "clocks", "escalations", "approvals", "notifications"):
        assert batched[key] == alone[key], key


def test_a_closed_ticket_in_the_batch_is_left_alone():
    open_ticket = TriagedTicketFactory(issue_type="other")
    closed = TriagedTicketFactory(issue_type="other", status=Ticket.Status.CLOSED)
    decisions = route_batch([open_ticket, closed], trigger="message")
    assert set(decisions) == {open_ticket.pk}
    assert not RoutingDecision.objects.filter(ticket=closed).exists()


def _queue_tickets(count: int) -> list[Ticket]:
    return [TriagedTicketFactory(issue_type="other") for _ in range(count)]


def test_statements_do_not_grow_with_the_batch():
    """Tickets that go to a queue cost the same statements for a batch of 4 as for 24."""
    route_batch(_queue_tickets(2), trigger="message")  # warm the configuration snapshot
    counts = []
    for size in (4, 24):
        batch = _queue_tickets(size)
        with CaptureQueriesContext(connection) as queries:
            route_batch(batch, trigger="message")
        assert RoutingDecision.objects.filter(ticket__in=batch).count() == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_when_the_batch_fails_its_tickets_are_routed_one_by_one_and_only_the_bad_one_fails(monkeypatch):
    from routing import batch, engine, pipeline
    from tickets import intake

    monkeypatch.setattr(intake, "kick_pipeline", lambda: None)
    ids = [
        intake.receive(
            intake.InboundMessage(
                channel="email",
                sender=intake.Sender(email=f"one-by-one{i}@example.org"),
                subject="Where is my order?",
                body=f"Order {20000 + i} has not arrived yet.",
                external_id=f"<one-by-one-{i}@example.org>",
            )
        ).ticket.pk
        for i in range(3)
    ]
    bad = ids[1]
    real_plan = engine.plan_route

    def plan_or_fail(ticket, *args, **kwargs):
        if ticket.pk == bad:
            raise RuntimeError("rule table unreadable")
        return real_plan(ticket, *args, **kwargs)

    monkeypatch.setattr(batch, "plan_route", plan_or_fail)
    monkeypatch.setattr(engine, "plan_route", plan_or_fail)
    assert pipeline.drain_now() == 3
    routed = set(RoutingDecision.objects.filter(ticket_id__in=ids).values_list("ticket_id", flat=True))
    assert routed == {ids[0], ids[2]}
    assert Ticket.objects.get(pk=bad).triage_status == Ticket.TriageStatus.FAILED
    assert pipeline.backlog() == 0
