"""The inbox and ticket pages: every view, each permission boundary, HTMX fragments, query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets import queries
from tickets.models import Macro, Message, Notification, RootCause, Ticket, TicketEvent
from tickets.tests.factories import (
    CustomerFactory,
    MessageFactory,
    OrderFactory,
    TicketFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    client.force_login(user)
    return client


# --- login and home --------------------------------------------------------------------------


def test_login_page_renders_labelled_fields(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'<label for="id_username">' in response.content


def test_agents_land_on_the_inbox(client, frontline_agent):
    response = login(client, frontline_agent).get("/")
    assert response.status_code == 302
    assert response.url == reverse("tickets:inbox")


def test_anonymous_inbox_redirects_to_login(client, db):
    response = client.get(reverse("tickets:inbox"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_anonymous_htmx_poll_is_told_to_go_to_login(client, db):
    response = client.get(reverse("tickets:inbox"), **HTMX)
    assert response.headers["HX-Redirect"].startswith(reverse("login"))


# --- inbox -----------------------------------------------------------------------------------


def test_inbox_shows_team_queue_rows_with_counts(client, frontline_agent, team_ticket, other_ticket):
    response = login(client, frontline_agent).get(reverse("tickets:inbox"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Parcel never arrived" in body
    assert "Invoice copy" not in body  # another team's ticket
    assert response.context["view"] == "team"
    counts = dict((slug, count) for slug, _, count in response.context["views"])
    assert counts["team"] == 1 and counts["mine"] == 0 and counts["unassigned"] == 1


def test_inbox_htmx_request_gets_only_the_list_fragment(client, frontline_agent, team_ticket):
    response = login(client, frontline_agent).get(
        reverse("tickets:inbox"), HTTP_HX_TARGET="inbox-list", **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="inbox-list"')
    assert "<html" not in body
    assert 'hx-swap-oob="true"' in body  # the counts ride along
    assert "HX-Request" in response.headers["Vary"]


def test_switching_saved_view_by_htmx_gets_the_whole_page_body(client, frontline_agent, team_ticket):
    response = login(client, frontline_agent).get(
        reverse("tickets:inbox"), {"view": "mine"}, HTTP_HX_TARGET="inbox", **HTMX
    )
    body = response.content.decode()
    assert '<div id="inbox" class="inbox">' in body
    assert response.context["view"] == "mine"


def test_inbox_poll_answers_304_when_nothing_changed_and_200_after_a_change(
    client, frontline_agent, team_ticket
):
    login(client, frontline_agent)
    first = client.get(reverse("tickets:inbox"), HTTP_HX_TARGET="inbox-list", **HTMX)
    etag = first.headers["ETag"]
    same = client.get(reverse("tickets:inbox"), HTTP_HX_TARGET="inbox-list", HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert same.status_code == 304
    assert same.content == b""
    Ticket.objects.filter(pk=team_ticket.pk).update(
        priority=Ticket.Priority.URGENT, updated_at=timezone.now()
    )
    changed = client.get(
        reverse("tickets:inbox"), HTTP_HX_TARGET="inbox-list", HTTP_IF_NONE_MATCH=etag, **HTMX
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_inbox_sorts_by_sla_due_first(client, frontline_agent, org):
    later = TicketFactory(
        subject="Later", team=org["frontline"], sla_due_at=timezone.now() + timedelta(hours=8)
    )
    sooner = TicketFactory(
        subject="Sooner", team=org["frontline"], sla_due_at=timezone.now() + timedelta(hours=1)
    )
    no_sla = TicketFactory(subject="No SLA", team=org["frontline"])
    response = login(client, frontline_agent).get(reverse("tickets:inbox"))
    assert [t.pk for t in response.context["page"].object_list] == [sooner.pk, later.pk, no_sla.pk]


def test_inbox_filters_by_type_priority_channel_and_tag(client, frontline_agent, org):
    match = TicketFactory(
        team=org["frontline"], issue_type="billing", priority=3, channel="chat", tags=["b2b"]
    )
    TicketFactory(team=org["frontline"], issue_type="billing", priority=3, channel="email", tags=["b2b"])
    TicketFactory(team=org["frontline"], issue_type="account", priority=3, channel="chat", tags=["b2b"])
    response = login(client, frontline_agent).get(
        reverse("tickets:inbox"), {"issue_type": "billing", "priority": "3", "channel": "chat", "tag": "b2b"}
    )
    assert [t.pk for t in response.context["page"].object_list] == [match.pk]


@pytest.mark.parametrize("term_is", ["rare", "common"])
def test_inbox_search_finds_subject_body_and_customer(client, frontline_agent, org, term_is, monkeypatch):
    # Both plans (collect the matches, or check each listed ticket) find the same tickets.
    if term_is == "common":
        monkeypatch.setattr(queries, "COMMON_TERM_MESSAGES", -1)
    by_subject = TicketFactory(team=org["frontline"], subject="Broken zipper on jacket")
    by_body = TicketFactory(team=org["frontline"], subject="Help", with_message="The zippers keep breaking")
    by_customer = TicketFactory(
        team=org["frontline"], subject="Hello", customer=CustomerFactory(name="Zoe Zipperton")
    )
    TicketFactory(team=org["frontline"], subject="Unrelated")
    login(client, frontline_agent)
    found = client.get(reverse("tickets:inbox"), {"q": "zipper"}).context["page"].object_list
    assert {t.pk for t in found} == {by_subject.pk, by_body.pk}
    found = client.get(reverse("tickets:inbox"), {"q": "zipperton"}).context["page"].object_list
    assert [t.pk for t in found] == [by_customer.pk]


def test_resolved_tickets_leave_open_views_but_status_filter_finds_them(client, frontline_agent, org):
    resolved = TicketFactory(team=org["frontline"], resolved=True)
    login(client, frontline_agent)
    assert resolved not in client.get(reverse("tickets:inbox")).context["page"].object_list
    listed = client.get(reverse("tickets:inbox"), {"status": "resolved"}).context["page"].object_list
    assert resolved in listed


def test_saved_views_mine_unassigned_vip_and_sla_risk(client, frontline_agent, org):
    mine = TicketFactory(team=org["frontline"], assignee=frontline_agent)
    vip = TicketFactory(team=org["frontline"], customer=CustomerFactory(vip=True))
    risky = TicketFactory(
        team=org["frontline"],
        first_message_at=timezone.now() - timedelta(hours=3),
        sla_due_at=timezone.now() + timedelta(minutes=20),
    )
    calm = TicketFactory(team=org["frontline"], sla_due_at=timezone.now() + timedelta(hours=20))
    login(client, frontline_agent)

    def listed(view):
        return {
            t.pk for t in client.get(reverse("tickets:inbox"), {"view": view}).context["page"].object_list
        }

    assert listed("mine") == {mine.pk}
    assert mine.pk not in listed("unassigned")
    assert listed("vip") == {vip.pk}
    assert listed("sla_risk") == {risky.pk}
    assert calm.pk in listed("team")


def test_escalated_to_me_lists_unanswered_escalations_into_my_tier_not_the_whole_team_queue(
    client, senior_agent, frontline_agent, org
):
    from django.utils import timezone

    from routing.models import Escalation

    def escalate(ticket, **extra):
        Escalation.objects.create(
            ticket=ticket,
            from_tier=org["general"],
            to_tier=org["senior"],
            trigger="manual",
            reason="legal",
            **extra,
        )
        return ticket

    escalated = escalate(TicketFactory(team=org["senior_team"], tier=org["senior"]))
    answered = escalate(
        TicketFactory(team=org["senior_team"], tier=org["senior"]), acknowledged_at=timezone.now()
    )
    routed_there = TicketFactory(team=org["senior_team"], tier=org["senior"])  # no escalation
    someone_elses = escalate(
        TicketFactory(team=org["senior_team"], tier=org["senior"], assignee=frontline_agent)
    )
    TicketFactory(team=org["frontline"], tier=org["general"])
    login(client, senior_agent)
    listed = client.get(reverse("tickets:inbox"), {"view": "escalated"}).context["page"].object_list
    assert list(listed) == [escalated]
    team = set(client.get(reverse("tickets:inbox"), {"view": "team"}).context["page"].object_list)
    assert {escalated, answered, routed_there, someone_elses} <= team
    login(client, frontline_agent)
    assert not client.get(reverse("tickets:inbox"), {"view": "escalated"}).context["page"].object_list


def test_awaiting_my_approval_follows_the_role_ladder(client, frontline_agent, senior_agent, manager, org):
    from routing.models import Approval

    for_manager = TicketFactory(team=org["frontline"], stage=Ticket.Stage.AWAITING_APPROVAL)
    for_senior = TicketFactory(team=org["other_team"], stage=Ticket.Stage.AWAITING_APPROVAL)
    Approval.objects.create(ticket=for_manager, role="manager", amount=Decimal("300"), reason="refund")
    Approval.objects.create(ticket=for_senior, role="senior agent", amount=Decimal("120"), reason="refund")

    def listed(user):
        login(client, user)
        return set(client.get(reverse("tickets:inbox"), {"view": "approval"}).context["page"].object_list)

    assert listed(frontline_agent) == set()
    assert listed(senior_agent) == {for_senior}
    assert listed(manager) == {for_manager, for_senior}


def test_senior_may_open_a_ticket_awaiting_their_approval_outside_their_team(client, senior_agent, org):
    from routing.models import Approval

    ticket = TicketFactory(team=org["other_team"], tier=org["specialist"])
    login(client, senior_agent)
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
    approval = Approval.objects.create(ticket=ticket, role="senior agent", amount=Decimal("120"), reason="x")
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200
    Approval.objects.filter(pk=approval.pk).update(role="manager")
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_inbox_query_count_is_flat(client, frontline_agent, org, rows, django_assert_max_num_queries):
    vip = CustomerFactory(vip=True)
    for i in range(rows):
        TicketFactory(
            team=org["frontline"],
            tier=org["general"],
            customer=vip if i % 2 else CustomerFactory(),
            assignee=frontline_agent if i % 3 else None,
            sla_due_at=timezone.now() + timedelta(minutes=10 * i),
        )
    login(client, frontline_agent)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("tickets:inbox"))
    assert len(response.context["page"].object_list) == rows


# --- ticket page -----------------------------------------------------------------------------


def test_ticket_page_shows_thread_brief_draft_and_customer(client, frontline_agent, team_ticket):
    order = OrderFactory(customer=team_ticket.customer, tracking_number="JJD000123")
    Ticket.objects.filter(pk=team_ticket.pk).update(order=order)
    MessageFactory(
        ticket=team_ticket, direction="outbound", author_kind="agent", is_internal=True, body="Check DHL"
    )
    MessageFactory(ticket=team_ticket, body_html="<p>Hi<script>alert(1)</script><b>bold</b></p>")
    past = TicketFactory(customer=team_ticket.customer, subject="Older question", team=team_ticket.team)
    response = login(client, frontline_agent).get(reverse("tickets:detail", args=[team_ticket.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Customer&#x27;s parcel is a week late." in body or "Customer's parcel is a week late." in body
    assert "Trace after 5 days." in body
    assert "I have asked the carrier to trace it." in body  # the AI draft in the editor
    assert "≥ 0.8 counts as accepted" in body
    assert "Internal note" in body and "Check DHL" in body
    assert "<script>" not in body.split("<main")[1].split("</main>")[0].replace("<script src", "")
    assert "<b>bold</b>" in body
    assert "JJD000123" in body and "Older question" in body
    assert past.pk != team_ticket.pk


def test_ticket_of_another_team_is_404_for_an_agent(client, frontline_agent, other_ticket):
    response = login(client, frontline_agent).get(reverse("tickets:detail", args=[other_ticket.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("messages_count", [5, 50])
def test_ticket_page_query_count_is_flat(
    client, frontline_agent, team_ticket, messages_count, django_assert_max_num_queries
):
    for _ in range(messages_count):
        MessageFactory(ticket=team_ticket)
    for _ in range(messages_count // 5):
        TicketFactory(customer=team_ticket.customer)
        OrderFactory(customer=team_ticket.customer)
    login(client, frontline_agent)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("tickets:detail", args=[team_ticket.pk]))
    assert response.status_code == 200


def test_sending_the_edited_draft_stores_its_similarity(client, frontline_agent, team_ticket):
    edited = team_ticket.ai_draft.replace("I am sorry", "I am very sorry")
    response = login(client, frontline_agent).post(
        reverse("tickets:reply", args=[team_ticket.pk]), {"body": edited, "from_draft": "1"}, **HTMX
    )
    assert response.status_code == 200
    message = Message.objects.get(ticket=team_ticket, direction="outbound")
    assert message.body == edited
    assert 0.9 < message.draft_similarity < 1
    assert 'id="conversation"' in response.content.decode()
    assert "Reply sent." in response.content.decode()


def test_reply_not_from_the_draft_has_no_similarity(client, frontline_agent, team_ticket):
    login(client, frontline_agent).post(
        reverse("tickets:reply", args=[team_ticket.pk]), {"body": "Own words", "from_draft": "0"}
    )
    assert Message.objects.get(ticket=team_ticket, direction="outbound").draft_similarity is None


def test_plain_post_reply_redirects_back_to_the_ticket(client, frontline_agent, team_ticket):
    response = login(client, frontline_agent).post(
        reverse("tickets:reply", args=[team_ticket.pk]), {"body": "Hello"}
    )
    assert response.status_code == 302
    assert response.url == reverse("tickets:detail", args=[team_ticket.pk])


def test_empty_reply_is_refused_and_names_the_field(client, frontline_agent, team_ticket):
    login(client, frontline_agent)
    htmx = client.post(reverse("tickets:reply", args=[team_ticket.pk]), {"body": ""}, **HTMX)
    assert htmx.status_code == 200 and "Reply: This field is required." in htmx.content.decode()
    plain = client.post(reverse("tickets:reply", args=[team_ticket.pk]), {"body": ""})
    assert plain.status_code == 400
    assert not Message.objects.filter(ticket=team_ticket, direction="outbound").exists()


def test_discarding_the_draft_records_an_event_and_empties_the_editor(client, frontline_agent, team_ticket):
    login(client, frontline_agent)
    client.post(reverse("tickets:discard-draft", args=[team_ticket.pk]), **HTMX)
    assert TicketEvent.objects.filter(ticket=team_ticket, kind=TicketEvent.Kind.DRAFT_DISCARDED).count() == 1
    page = client.get(reverse("tickets:detail", args=[team_ticket.pk])).content.decode()
    assert "I have asked the carrier" not in page.split('id="reply-body"')[1].split("</textarea>")[0]


def test_internal_note_is_stored_as_internal(client, frontline_agent, team_ticket):
    login(client, frontline_agent).post(
        reverse("tickets:note", args=[team_ticket.pk]), {"body": "Called the carrier"}, **HTMX
    )
    note = Message.objects.get(ticket=team_ticket, is_internal=True)
    assert note.body == "Called the carrier"


def test_macro_fills_placeholders_in_the_composer(client, frontline_agent, team_ticket):
    macro = Macro.objects.create(
        name="Tracking", body="Hi {customer_first_name}, ticket {ticket_reference} {nope}"
    )
    response = login(client, frontline_agent).get(
        reverse("tickets:macro", args=[team_ticket.pk, macro.pk]), **HTMX
    )
    first = team_ticket.customer.name.split()[0]
    body = response.content.decode()
    assert f"Hi {first}, ticket HD-{team_ticket.pk} {{nope}}" in body
    assert body.lstrip().startswith('<section id="composer"')


def test_assign_to_me_and_release(client, frontline_agent, team_ticket):
    login(client, frontline_agent)
    client.post(reverse("tickets:assign", args=[team_ticket.pk]), {"agent": "me"}, **HTMX)
    team_ticket.refresh_from_db()
    assert team_ticket.assignee == frontline_agent
    client.post(reverse("tickets:assign", args=[team_ticket.pk]), {"agent": ""}, **HTMX)
    team_ticket.refresh_from_db()
    assert team_ticket.assignee is None


def test_agent_may_not_reassign_to_someone_else(client, frontline_agent, senior_agent, team_ticket):
    response = login(client, frontline_agent).post(
        reverse("tickets:assign", args=[team_ticket.pk]), {"agent": senior_agent.pk}
    )
    assert response.status_code == 403
    team_ticket.refresh_from_db()
    assert team_ticket.assignee is None


def test_manager_reassigns(client, manager, frontline_agent, team_ticket):
    login(client, manager).post(
        reverse("tickets:assign", args=[team_ticket.pk]), {"agent": frontline_agent.pk}
    )
    team_ticket.refresh_from_db()
    assert team_ticket.assignee == frontline_agent


def test_resolve_requires_a_root_cause_and_accepts_a_new_one(client, frontline_agent, team_ticket):
    login(client, frontline_agent)
    refused = client.post(
        reverse("tickets:resolve", args=[team_ticket.pk]), {"resolution_method": "agent_reply"}, **HTMX
    )
    assert "root cause" in refused.content.decode().lower()
    team_ticket.refresh_from_db()
    assert team_ticket.is_open
    client.post(
        reverse("tickets:resolve", args=[team_ticket.pk]),
        {"resolution_method": "replacement", "new_root_cause": "Carrier lost parcel"},
        **HTMX,
    )
    team_ticket.refresh_from_db()
    assert team_ticket.status == Ticket.Status.RESOLVED
    assert team_ticket.root_cause.name == "Carrier lost parcel"


def test_reopen_a_resolved_ticket(client, frontline_agent, org):
    ticket = TicketFactory(team=org["frontline"], resolved=True)
    login(client, frontline_agent).post(reverse("tickets:reopen", args=[ticket.pk]), {"reason": "Came back"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.reopen_count == 1


def test_actions_on_an_invisible_ticket_are_404(client, frontline_agent, other_ticket):
    login(client, frontline_agent)
    for name, data in [
        ("tickets:reply", {"body": "x"}),
        ("tickets:note", {"body": "x"}),
        ("tickets:assign", {"agent": "me"}),
        ("tickets:resolve", {"resolution_method": "agent_reply", "new_root_cause": "x"}),
        ("tickets:discard-draft", {}),
    ]:
        assert client.post(reverse(name, args=[other_ticket.pk]), data).status_code == 404, name
    other_ticket.refresh_from_db()
    assert other_ticket.is_open and other_ticket.assignee is None


def test_ticket_actions_refuse_get(client, frontline_agent, team_ticket):
    response = login(client, frontline_agent).get(reverse("tickets:reply", args=[team_ticket.pk]))
    assert response.status_code == 405


def test_htmx_posts_need_the_csrf_token(frontline_agent, team_ticket):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(frontline_agent)
    assert (
        strict.post(reverse("tickets:note", args=[team_ticket.pk]), {"body": "x"}, **HTMX).status_code == 403
    )
    page = strict.get(reverse("tickets:detail", args=[team_ticket.pk]))
    token = str(page.context["csrf_token"])
    assert f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in page.content.decode()
    ok = strict.post(
        reverse("tickets:note", args=[team_ticket.pk]), {"body": "x"}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert ok.status_code == 200


# --- bulk ------------------------------------------------------------------------------------


def test_bulk_assign_to_me_and_priority_skip_invisible_tickets(client, frontline_agent, org, other_ticket):
    mine = [TicketFactory(team=org["frontline"]) for _ in range(3)]
    login(client, frontline_agent)
    ids = [t.pk for t in mine] + [other_ticket.pk]
    response = client.post(reverse("tickets:bulk"), {"action": "assign_me", "tickets": ids}, **HTMX)
    assert "3 tickets updated." in response.content.decode()
    assert "inbox-refresh" in response.headers["HX-Trigger"]
    assert Ticket.objects.filter(assignee=frontline_agent).count() == 3
    other_ticket.refresh_from_db()
    assert other_ticket.assignee is None
    client.post(reverse("tickets:bulk"), {"action": "priority", "priority": "4", "tickets": ids})
    assert Ticket.objects.filter(priority=4).count() == 3


def test_bulk_close_resolves_with_a_root_cause_then_closes(client, frontline_agent, org):
    tickets = [TicketFactory(team=org["frontline"]) for _ in range(2)]
    cause = RootCause.objects.create(name="Duplicate request")
    login(client, frontline_agent)
    refused = client.post(
        reverse("tickets:bulk"), {"action": "close", "tickets": [t.pk for t in tickets]}, **HTMX
    )
    assert "root cause" in refused.content.decode()
    client.post(
        reverse("tickets:bulk"),
        {
            "action": "close",
            "tickets": [t.pk for t in tickets],
            "root_cause": cause.pk,
            "resolution_method": "duplicate",
        },
    )
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("status", flat=True)) == {
        "closed"
    }


def test_bulk_assign_to_others_needs_a_senior_role(client, frontline_agent, senior_agent, org):
    ticket = TicketFactory(team=org["frontline"])
    response = login(client, frontline_agent).post(
        reverse("tickets:bulk"), {"action": "assign", "agent": senior_agent.pk, "tickets": [ticket.pk]}
    )
    assert response.status_code == 403


# --- notifications ---------------------------------------------------------------------------


def test_bell_lists_only_my_notifications_and_marks_read(client, frontline_agent, senior_agent, team_ticket):
    mine = Notification.objects.create(
        recipient=frontline_agent,
        kind="escalation",
        text="Escalated to you",
        ticket=team_ticket,
        url=f"/tickets/{team_ticket.pk}/",
    )
    Notification.objects.create(recipient=senior_agent, kind="vip", text="Someone else's")
    login(client, frontline_agent)
    header = client.get(reverse("tickets:header"), **HTMX).content.decode()
    assert "Notifications, 1 unread" in header
    assert 'name="availability"' in header
    bell = client.get(reverse("tickets:header"), {"part": "bell"}, **HTMX).content.decode()
    assert bell.lstrip().startswith('<a id="bell-button"') and 'class="badge">1<' in bell
    menu = client.get(reverse("tickets:notifications"), **HTMX).content.decode()
    assert "Escalated to you" in menu and "Someone else" not in menu
    opened = client.post(reverse("tickets:notification-open", args=[mine.pk]))
    assert opened.url == f"/tickets/{team_ticket.pk}/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_pages_do_not_query_for_the_header_tools(client, frontline_agent, django_assert_max_num_queries):
    login(client, frontline_agent)
    client.get(reverse("tickets:notifications"))  # warm
    with django_assert_max_num_queries(5):  # session, user, groups, the notifications list, savepoint-free
        response = client.get(reverse("tickets:notifications"))
    assert 'id="header-tools"' in response.content.decode()


def test_anonymous_header_tools_are_empty(client, db):
    assert client.get(reverse("tickets:header")).status_code == 204


def test_header_tools_opened_as_a_page_go_to_the_notifications_page(client, frontline_agent):
    response = login(client, frontline_agent).get(reverse("tickets:header"))
    assert response.status_code == 302 and response.url == reverse("tickets:notifications")


def test_opening_someone_elses_notification_is_404(client, frontline_agent, senior_agent):
    theirs = Notification.objects.create(recipient=senior_agent, kind="vip", text="x")
    assert (
        login(client, frontline_agent)
        .post(reverse("tickets:notification-open", args=[theirs.pk]))
        .status_code
        == 404
    )


def test_mark_all_read(client, frontline_agent):
    Notification.objects.create(recipient=frontline_agent, kind="vip", text="a")
    Notification.objects.create(recipient=frontline_agent, kind="vip", text="b")
    login(client, frontline_agent).post(reverse("tickets:notifications-read-all"), **HTMX)
    assert not Notification.objects.unread().filter(recipient=frontline_agent).exists()


# --- queries ---------------------------------------------------------------------------------


def test_view_counts_run_in_one_query(frontline_agent, team_ticket, django_assert_num_queries):
    frontline_agent.agent_profile  # noqa: B018 - load the profile outside the measured block
    queries.has_role(frontline_agent, "agent")
    from routing.models import Thresholds

    Thresholds.current()
    with django_assert_num_queries(2):  # thresholds + the aggregate
        counts = queries.view_counts(frontline_agent)
    assert counts["team"] == 1


def test_amount_field_on_reply_is_decimal(client, frontline_agent, team_ticket):
    login(client, frontline_agent).post(
        reverse("tickets:reply", args=[team_ticket.pk]), {"body": "Refunding you", "commits_amount": "20.00"}
    )
    message = Message.objects.get(ticket=team_ticket, direction="outbound")
    assert Decimal(message.metadata["commits_amount"]) == Decimal("20.00")


def test_managers_open_on_all_open_and_agents_on_their_team(client, manager, frontline_agent, team_ticket):
    assert login(client, manager).get(reverse("tickets:inbox")).context["view"] == "all"
    assert login(client, frontline_agent).get(reverse("tickets:inbox")).context["view"] == "team"


def test_a_just_received_ticket_is_shown_as_such_in_the_inbox(client, manager):
    """Before the pipeline has triaged it, the row says so instead of looking unclassified."""
    from tickets import intake

    intake.receive(
        intake.InboundMessage(
            channel="email", sender=intake.Sender(email="new@example.org"), subject="Hello", body="Help me"
        )
    )
    body = login(client, manager).get(reverse("tickets:inbox"), {"view": "all"}).content.decode()
    assert "just received, triaging" in body
