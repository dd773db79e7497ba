"""The ticket page's action bar, escalation package, and the snooze / merge / split endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from routing import escalation
from tickets.models import Message, Ticket, TicketEvent, TicketMerge, TicketSplit
from tickets.tests.factories import CustomerFactory, MessageFactory, TicketFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    client.force_login(user)
    return client


def test_the_action_bar_holds_every_action_with_its_panel(client, frontline_agent, team_ticket):
    page = (
        login(client, frontline_agent).get(reverse("tickets:detail", args=[team_ticket.pk])).content.decode()
    )
    bar = page[page.index('class="action-bar"') : page.index("</nav>", page.index('class="action-bar"'))]
    for panel in (
        "assign-panel",
        "escalate-panel",
        "approval-panel",
        "snooze-panel",
        "merge-panel",
        "resolve-panel",
    ):
        assert f'id="{panel}"' in bar, panel
    assert 'data-focus="reply-body"' in bar and 'data-shortcut="a"' in bar
    assert page.index('class="action-bar"') < page.index('id="conversation"')


def test_a_ticket_that_arrived_escalated_shows_the_package_as_one_panel_on_top(
    client, frontline_agent, senior_agent, team_ticket, org
):
    MessageFactory(ticket=team_ticket, body="I will call my lawyer")
    escalation.escalate_ticket(
        team_ticket,
        actor=frontline_agent,
        reason="Legal threat over a lost parcel",
        target_tier=org["senior"],
    )
    page = login(client, senior_agent).get(reverse("tickets:detail", args=[team_ticket.pk])).content.decode()
    assert page.count('id="escalation-package"') == 1
    panel = page[
        page.index('id="escalation-package"') : page.index(
            "</section>", page.index('id="escalation-package"')
        )
    ]
    assert "Legal threat over a lost parcel" in panel
    assert "Customer&#x27;s parcel is a week late." in panel  # the AI summary
    assert "Attempts so far" in panel and "LTV" in panel
    assert page.index('id="escalation-package"') < page.index('id="conversation"')


def test_a_ticket_that_was_not_escalated_has_no_package(client, frontline_agent, team_ticket):
    page = (
        login(client, frontline_agent).get(reverse("tickets:detail", args=[team_ticket.pk])).content.decode()
    )
    assert 'id="escalation-package"' not in page


def test_snooze_from_the_page_until_the_customer_replies_and_wake_it(client, frontline_agent, team_ticket):
    login(client, frontline_agent)
    response = client.post(reverse("tickets:snooze", args=[team_ticket.pk]), {"preset": "reply"}, **HTMX)
    assert "Snoozed until the customer replies." in response.content.decode()
    assert 'id="snoozed-badge"' in response.content.decode()
    team_ticket.refresh_from_db()
    assert team_ticket.snoozed_at is not None and team_ticket.snoozed_until is None
    inbox = client.get(reverse("tickets:inbox"), {"view": "team"}).context["page"].object_list
    assert team_ticket not in inbox
    assert (
        team_ticket in client.get(reverse("tickets:inbox"), {"view": "snoozed"}).context["page"].object_list
    )

    client.post(reverse("tickets:unsnooze", args=[team_ticket.pk]), **HTMX)
    team_ticket.refresh_from_db()
    assert team_ticket.snoozed_at is None


def test_snooze_until_a_custom_time_needs_the_time(client, frontline_agent, team_ticket):
    login(client, frontline_agent)
    url = reverse("tickets:snooze", args=[team_ticket.pk])
    refused = client.post(url, {"preset": "custom"}, **HTMX)
    assert "Wake at: Give the date and time to wake the ticket." in refused.content.decode()
    past = client.post(url, {"preset": "custom", "until": "2020-01-01T09:00"}, **HTMX)
    assert "at least a minute from now" in past.content.decode()
    team_ticket.refresh_from_db()
    assert team_ticket.snoozed_at is None


def test_merge_from_the_page_redirects_to_the_target_which_offers_undo(client, manager):
    customer = CustomerFactory()
    source = TicketFactory(customer=customer, subject="Second mail about it")
    target = TicketFactory(customer=customer, subject="Parcel lost")
    login(client, manager)
    response = client.post(reverse("tickets:merge", args=[source.pk]), {"target": target.reference}, **HTMX)
    assert response.headers["HX-Redirect"] == reverse("tickets:detail", args=[target.pk])

    old_url = client.get(reverse("tickets:detail", args=[source.pk]))
    assert old_url.status_code == 302 and old_url.url == reverse("tickets:detail", args=[target.pk])
    page = client.get(old_url.url).content.decode()
    merge = TicketMerge.objects.get()
    assert f"{source.reference} was merged into this ticket" in page
    assert reverse("tickets:undo-merge", args=[target.pk, merge.pk]) in page

    undone = client.post(reverse("tickets:undo-merge", args=[target.pk, merge.pk]), **HTMX)
    assert undone.headers["HX-Redirect"] == reverse("tickets:detail", args=[source.pk])
    source.refresh_from_db()
    assert source.merged_into is None and source.is_open and source.messages.count() == 1


def test_merging_into_another_customer_s_ticket_is_refused_on_the_page(client, manager):
    source = TicketFactory()
    other = TicketFactory(customer=CustomerFactory(email="b@example.org"))
    response = login(client, manager).post(
        reverse("tickets:merge", args=[source.pk]), {"target": str(other.pk)}, **HTMX
    )
    assert "belong to different customers" in response.content.decode()
    assert not TicketMerge.objects.exists()


def test_merging_into_a_ticket_the_agent_cannot_open_is_refused_like_a_missing_one(
    client, frontline_agent, team_ticket, other_ticket
):
    Ticket.objects.filter(pk=other_ticket.pk).update(customer=team_ticket.customer)
    response = login(client, frontline_agent).post(
        reverse("tickets:merge", args=[team_ticket.pk]), {"target": other_ticket.reference}, **HTMX
    )
    assert f"There is no ticket {other_ticket.reference} you can open." in response.content.decode()
    assert not TicketMerge.objects.exists()


def test_undo_after_the_minute_is_refused_on_the_page(client, manager):
    customer = CustomerFactory()
    source, target = TicketFactory(customer=customer), TicketFactory(customer=customer)
    login(client, manager).post(reverse("tickets:merge", args=[source.pk]), {"target": target.reference})
    TicketMerge.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    merge = TicketMerge.objects.get()
    page = client.get(reverse("tickets:detail", args=[target.pk])).content.decode()
    assert "Undo merge" not in page
    refused = client.post(reverse("tickets:undo-merge", args=[target.pk, merge.pk]), **HTMX)
    assert "within 60 seconds" in refused.content.decode()
    source.refresh_from_db()
    assert source.merged_into == target


def test_split_from_the_page_and_undo(client, manager):
    ticket = TicketFactory(with_message="First question")
    second = MessageFactory(ticket=ticket, body="A different question about a refund")
    login(client, manager)
    response = client.post(
        reverse("tickets:split", args=[ticket.pk]), {"messages": [second.pk], "subject": "Refund"}, **HTMX
    )
    assert response.headers["HX-Redirect"] == reverse("tickets:detail", args=[ticket.pk])
    split = TicketSplit.objects.get()
    assert Message.objects.get(pk=second.pk).ticket_id == split.created_id
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "1 message moved to" in page and "Undo split" in page

    client.post(reverse("tickets:undo-split", args=[ticket.pk, split.pk]), **HTMX)
    assert Message.objects.get(pk=second.pk).ticket_id == ticket.pk
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.TICKET_SPLIT_UNDONE).exists()


def test_split_without_ticked_messages_is_refused(client, manager):
    ticket = TicketFactory()
    MessageFactory(ticket=ticket)
    response = login(client, manager).post(
        reverse("tickets:split", args=[ticket.pk]), {"subject": "x"}, **HTMX
    )
    assert "Tick the messages to move" in response.content.decode()


@pytest.mark.parametrize("messages_count", [5, 50])
def test_the_ticket_page_with_a_merge_to_undo_and_an_escalation_keeps_a_flat_query_count(
    client, frontline_agent, senior_agent, team_ticket, org, messages_count, django_assert_max_num_queries
):
    for _ in range(messages_count):
        MessageFactory(ticket=team_ticket)
    source = TicketFactory(customer=team_ticket.customer, team=org["frontline"], tier=org["general"])
    from tickets import merging

    merging.merge_tickets(source, into=team_ticket, actor=frontline_agent)
    escalation.escalate_ticket(team_ticket, actor=frontline_agent, reason="Legal", target_tier=org["senior"])
    login(client, senior_agent)
    with django_assert_max_num_queries(32):
        response = client.get(reverse("tickets:detail", args=[team_ticket.pk]))
    assert response.status_code == 200 and 'id="escalation-package"' in response.content.decode()
