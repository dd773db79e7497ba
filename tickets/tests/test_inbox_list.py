"""The inbox list: preview, waiting since, per-agent unread marker, SLA chip, views that match
their names, tier-respecting assignment, personal views; and a flat query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpdesk.errors import InvalidInput, NotAllowed
from routing.assignment import assign_ticket_to_available_agent
from routing.models import AgentProfile
from tickets import actions, personal_views, queries, reading
from tickets.models import Message, SavedView, TicketRead
from tickets.templatetags.inbox import sla_countdown
from tickets.tests.factories import MessageFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def customer_wrote(ticket, body: str, *, ago: timedelta = timedelta(0)):
    at = timezone.now() - ago
    MessageFactory(ticket=ticket, body=body, created_at=at)
    ticket.last_customer_message_at = at
    ticket.save(update_fields=["last_customer_message_at"])


def row(user, ticket, view="team"):
    return queries.inbox_for(user, view).get(pk=ticket.pk)


def test_row_previews_the_last_customer_message_and_how_long_it_has_waited(frontline_agent, org):
    ticket = TicketFactory(team=org["frontline"], tier=org["general"], with_message=False)
    customer_wrote(ticket, "First: where is my parcel?", ago=timedelta(hours=5))
    MessageFactory(
        ticket=ticket, body="Internal: check DHL", is_internal=True, direction=Message.Direction.OUTBOUND
    )
    customer_wrote(ticket, "Second: still nothing, " + "very long text " * 30, ago=timedelta(hours=2))

    listed = row(frontline_agent, ticket)
    assert listed.preview.startswith("Second: still nothing")
    assert len(listed.preview) == queries.PREVIEW_CHARS
    assert abs((timezone.now() - listed.waiting_since) - timedelta(hours=2)) < timedelta(minutes=1)

    ticket.last_agent_message_at = timezone.now()
    ticket.save(update_fields=["last_agent_message_at"])
    assert row(frontline_agent, ticket).waiting_since is None  # answered: nobody waits on us


def test_unread_is_per_agent_and_opening_the_ticket_marks_it_read(client, frontline_agent, org):
    colleague = UserFactory(username="colleague", roles=["agent"])
    AgentProfile.objects.create(user=colleague, team=org["frontline"], tier=org["general"])
    ticket = TicketFactory(team=org["frontline"], tier=org["general"], with_message=False)
    customer_wrote(ticket, "Hello?", ago=timedelta(minutes=10))
    assert row(frontline_agent, ticket).is_unread and row(colleague, ticket).is_unread

    client.force_login(frontline_agent)
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200
    assert not row(frontline_agent, ticket).is_unread
    assert row(colleague, ticket).is_unread  # the colleague has not opened it

    customer_wrote(ticket, "Anyone there?")
    assert row(frontline_agent, ticket).is_unread  # a new message since the agent looked
    page = client.get(reverse("tickets:inbox"), {"view": "team"}).content.decode()
    assert f'id="ticket-{ticket.pk}" class="row row-prio-2 is-unread"' in page


def test_marking_read_is_one_upsert(frontline_agent, org, django_assert_num_queries):
    ticket = TicketFactory(team=org["frontline"])
    with django_assert_num_queries(1):
        reading.mark_read(frontline_agent, ticket)
    with django_assert_num_queries(1):
        reading.mark_read(frontline_agent, ticket)
    assert TicketRead.objects.filter(user=frontline_agent, ticket=ticket).count() == 1


def test_a_ticket_waiting_on_the_customer_shows_paused_not_no_sla():
    now = timezone.now()
    assert "Paused" in sla_countdown(None, False, now)  # the sweep paused its only clock
    assert "No SLA" in sla_countdown(None, False, None)
    assert "Breached" in sla_countdown(None, True, None)
    assert "overdue" in sla_countdown(now - timedelta(minutes=5), True, None)


LIST_QUERIES = 13  # session, user, profile, roles, thresholds, filter choices, rows, counts...


@pytest.mark.parametrize("size", [3, 33])
def test_list_query_count_is_flat_at_two_sizes(
    client, frontline_agent, org, size, django_assert_max_num_queries
):
    for n in range(size):
        ticket = TicketFactory(team=org["frontline"], tier=org["general"], with_message=False)
        customer_wrote(ticket, f"Message {n}")
    personal_views.save_view(frontline_agent, name="Urgent", filters={"view": "team", "priority": "4"})
    personal_views.save_view(frontline_agent, name="Search", filters={"view": "team", "q": "parcel"})
    client.force_login(frontline_agent)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("tickets:inbox"), {"view": "team"})
    assert len(response.context["page"].object_list) == size


def test_list_query_count_is_the_same_for_3_and_33_tickets(client, frontline_agent, org):
    def queries_for(count: int) -> int:
        for n in range(count):
            ticket = TicketFactory(team=org["frontline"], tier=org["general"], with_message=False)
            customer_wrote(ticket, f"Message {n}")
        client.force_login(frontline_agent)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("tickets:inbox"), {"view": "team"}).status_code == 200
        return len(captured.captured_queries)

    SavedView.objects.create(owner=frontline_agent, name="Urgent", filters={"view": "team", "priority": 4})
    small = queries_for(3)
    large = queries_for(30)
    assert large == small, f"{small} queries for 3 tickets, {large} for 33"


# --- views that match their names ------------------------------------------------------------


def test_escalated_to_me_is_not_my_team_queue(org):
    from routing.models import Escalation

    specialist = UserFactory(username="spec", roles=["agent"])
    AgentProfile.objects.create(user=specialist, team=org["other_team"], tier=org["specialist"])
    waiting = TicketFactory(team=org["other_team"], tier=org["specialist"])
    answered = TicketFactory(team=org["other_team"], tier=org["specialist"], assignee=specialist)
    for ticket in (waiting, answered):
        Escalation.objects.create(ticket=ticket, to_tier=org["specialist"], trigger="rule", reason="repeat")
    Escalation.objects.filter(ticket=answered).update(acknowledged_at=timezone.now())
    counts = queries.view_counts(specialist)
    assert counts["team"] == 2
    assert counts["escalated"] == 1
    assert list(queries.inbox_for(specialist, "escalated")) == [waiting]


# --- assignment respects the tier --------------------------------------------------------------


def test_specialist_ticket_is_never_auto_assigned_to_a_frontline_agent(org, frontline_agent):
    # The frontline agent sits in the ticket's team (a mixed team) and has the lowest load.
    AgentProfile.objects.filter(user=frontline_agent).update(team=org["other_team"])
    ticket = TicketFactory(team=org["other_team"], tier=org["specialist"], issue_type="billing")
    assert assign_ticket_to_available_agent(ticket) is None

    specialist = UserFactory(username="spec", roles=["agent"])
    AgentProfile.objects.create(
        user=specialist, team=org["other_team"], tier=org["specialist"], availability="online"
    )
    assert assign_ticket_to_available_agent(ticket) == specialist


def test_people_cannot_give_a_specialist_ticket_to_a_frontline_agent(org, frontline_agent, senior_agent):
    ticket = TicketFactory(team=org["other_team"], tier=org["specialist"])
    with pytest.raises(
        InvalidInput, match="works the General queue tier; this ticket is in the Specialist team"
    ):
        actions.assign_ticket(ticket, agent=frontline_agent, actor=senior_agent)
    general = TicketFactory(team=org["frontline"], tier=org["general"])
    actions.assign_ticket(general, agent=frontline_agent, actor=senior_agent)  # same tier: fine
    actions.assign_ticket(ticket, agent=senior_agent, actor=senior_agent)  # a higher tier: fine


# --- personal views ----------------------------------------------------------------------------


def test_save_view_validates_against_the_known_filters(frontline_agent, org):
    with pytest.raises(InvalidInput, match="Unknown filter 'colour'"):
        personal_views.save_view(frontline_agent, name="x", filters={"colour": "red"})
    with pytest.raises(InvalidInput, match="Filter 'priority'"):
        personal_views.save_view(frontline_agent, name="x", filters={"priority": "99"})
    with pytest.raises(InvalidInput, match="Give the view a name"):
        personal_views.save_view(frontline_agent, name="  ", filters={})
    view = personal_views.save_view(
        frontline_agent,
        name="Urgent email",
        filters={"view": "team", "priority": "4", "channel": "email", "q": ""},
    )
    assert view.filters == {"view": "team", "priority": 4, "channel": "email"}


def test_views_reorder_share_and_count(client, frontline_agent, org):
    teammate = UserFactory(username="mate", roles=["agent"])
    AgentProfile.objects.create(user=teammate, team=org["frontline"], tier=org["general"])
    outsider = UserFactory(username="outsider", roles=["agent"])
    AgentProfile.objects.create(user=outsider, team=org["other_team"], tier=org["specialist"])
    TicketFactory(team=org["frontline"], priority=4, channel="chat")
    TicketFactory(team=org["frontline"], priority=2, channel="chat")
    first = personal_views.save_view(
        frontline_agent, name="Chats", filters={"view": "team", "channel": "chat"}
    )
    second = personal_views.save_view(
        frontline_agent, name="Urgent", filters={"view": "team", "priority": "4"}
    )

    personal_views.move_view(frontline_agent, second.pk, direction="up")
    assert [v.name for v in queries.personal_views(frontline_agent)] == ["Urgent", "Chats"]
    with pytest.raises(NotAllowed):
        personal_views.share_view(teammate, first.pk, shared=True)

    personal_views.share_view(frontline_agent, first.pk, shared=True)
    assert [v.name for v in queries.personal_views(teammate)] == ["Chats"]
    assert queries.personal_views(outsider) == []

    client.force_login(frontline_agent)
    context = client.get(reverse("tickets:inbox")).context
    counts = {view.name: count for view, count, _query, _mine in context["personal_views"]}
    assert counts == {"Urgent": 1, "Chats": 2}

    shown = client.get(reverse("tickets:inbox") + "?" + personal_views.view_query(second)).context
    assert shown["view_label"] == "Urgent"
    assert len(shown["page"].object_list) == 1


def test_save_view_from_the_inbox_keeps_the_filters_on_screen(client, frontline_agent, org):
    client.force_login(frontline_agent)
    response = client.post(
        reverse("tickets:save-view"), {"name": "Chats", "filters": "view=team&channel=chat&page=2"}
    )
    assert response.status_code == 302
    view = SavedView.objects.get(owner=frontline_agent, name="Chats")
    assert view.filters == {"view": "team", "channel": "chat"}
    assert f"pv={view.pk}" in response["Location"]
    bad = client.post(reverse("tickets:save-view"), {"name": "Bad", "filters": "channel=pigeon"}, follow=True)
    assert "Filter &#x27;channel&#x27;" in bad.content.decode() or "Filter 'channel'" in bad.content.decode()
    assert not SavedView.objects.filter(name="Bad").exists()
