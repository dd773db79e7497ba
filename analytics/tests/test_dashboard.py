"""The workflow dashboard's reads: open work per stage and route, time in stage, SLA, agents."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import jobs
from analytics.models import StageDuration
from analytics.queries import dashboard
from analytics.tests.factories import tier
from routing.models import AgentProfile
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import EventFactory, TicketFactory, UserFactory


@pytest.mark.django_db
def test_open_tickets_per_stage_and_route_name_the_oldest():
    now = timezone.now()
    general = tier("general")
    old = TicketFactory(
        stage="queued", tier=general, team=general.team, first_message_at=now - timedelta(hours=5)
    )
    TicketFactory(stage="queued", tier=general, team=general.team, first_message_at=now - timedelta(hours=1))
    TicketFactory(stage="assigned", first_message_at=now - timedelta(hours=2))
    TicketFactory(
        stage="resolved",
        status=Ticket.Status.RESOLVED,
        resolved_at=now,
        first_message_at=now - timedelta(days=9),
    )

    groups = dashboard.open_tickets()

    by_stage = {g.key: g for g in groups["by_stage"]}
    assert set(by_stage) == {"queued", "assigned"}
    assert (by_stage["queued"].count, by_stage["queued"].oldest_id) == (2, old.pk)
    assert by_stage["queued"].oldest_age >= timedelta(hours=5)
    route = next(g for g in groups["by_route"] if g.key == f"{general.pk}:{general.team_id}")
    assert (route.count, route.oldest_id) == (2, old.pk)


def stage_change(ticket, when, old, new):
    return EventFactory(
        ticket=ticket, kind=TicketEvent.Kind.STAGE_CHANGED, at=when, data={"from": old, "to": new}
    )


@pytest.mark.django_db
def test_time_in_stage_is_the_same_live_and_after_the_summary_refresh():
    now = timezone.now()
    for hours_queued in (1, 2, 3, 10):
        start = now - timedelta(hours=20)
        ticket = TicketFactory(first_message_at=start)
        stage_change(ticket, start + timedelta(minutes=30), "received", "queued")
        stage_change(ticket, start + timedelta(minutes=30, hours=hours_queued), "queued", "assigned")
    old = TicketFactory(first_message_at=now - timedelta(days=20))
    stage_change(old, now - timedelta(days=19), "received", "queued")

    live = {row["stage"]: row for row in dashboard.stage_times()}
    assert jobs.refresh_stage_durations() == 9
    assert jobs.refresh_stage_durations() == 0
    summarised = {row["stage"]: row for row in dashboard.stage_times()}

    assert live == summarised
    # Queued for 1, 2, 3 and 10 hours: median 2.5 h, p90 3 + 0.7 * 7 = 7.9 h.
    assert (summarised["queued"]["median_hours"], summarised["queued"]["p90_hours"]) == (2.5, 7.9)
    assert summarised["received"]["median_hours"] == 0.5
    assert summarised["received"]["visits"] == 4  # the visit that ended 19 days ago is outside the week
    assert StageDuration.objects.count() == 9


@pytest.mark.django_db
def test_sla_counts_breached_and_at_risk_open_tickets():
    now = timezone.now()
    TicketFactory(sla_due_at=now - timedelta(minutes=5))
    TicketFactory(sla_due_at=now + timedelta(hours=2), sla_breached=True)
    TicketFactory(sla_due_at=now + timedelta(minutes=20))
    TicketFactory(sla_due_at=now + timedelta(hours=5))
    TicketFactory(sla_due_at=now - timedelta(hours=1), status=Ticket.Status.RESOLVED, resolved_at=now)

    sla = dashboard.sla_status(now=now)
    assert (sla["breached"], sla["at_risk"]) == (2, 1)
    assert len(sla["urgent"]) == 2


@pytest.mark.django_db
def test_agents_show_their_open_load_against_capacity():
    online = UserFactory(username="ona", roles=["agent"])
    AgentProfile.objects.create(user=online, availability="online", capacity=4)
    AgentProfile.objects.create(user=UserFactory(username="off"), availability="offline")
    TicketFactory(assignee=online)
    TicketFactory(assignee=online, status=Ticket.Status.PENDING)
    TicketFactory(assignee=online, status=Ticket.Status.RESOLVED, resolved_at=timezone.now())

    agents = dashboard.agents_load()
    assert [(a.user.username, a.load, a.capacity) for a in agents] == [("ona", 2, 4)]
