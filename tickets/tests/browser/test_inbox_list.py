"""The compact inbox, the unread marker, personal views and the per-agent report, in Chromium.

Screenshots: artifacts/screenshots/list-desktop.png, list-tablet.png, reports-desktop.png,
reports-tablet.png.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from routing.models import AgentProfile
from tickets.models import Message, Ticket, TicketEvent
from tickets.tests.browser.test_inbox_flows import PASSWORD, log_in, log_out
from tickets.tests.conftest import default_org
from tickets.tests.factories import CustomerFactory, EventFactory, MessageFactory, TicketFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
TABLET = {"width": 768, "height": 1024}
ROWS_IN_VIEW = """() => [...document.querySelectorAll('[data-row]')].filter(row => {
    const box = row.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0;
}).length"""
SUBJECTS = [
    ("Parcel stuck in Leipzig for a week", "delivery_problem", "chat"),
    ("Refund for the broken kettle", "refund_request", "email"),
    ("Wrong size delivered", "return_request", "email"),
    ("Invoice address is wrong", "billing", "email"),
    ("Where is order 10044?", "order_status", "chat"),
]


@pytest.fixture
def busy_queue(db):
    org = default_org()
    agent = UserFactory(
        username="ana.agent", first_name="Ana", last_name="Agent", roles=["agent"], password=PASSWORD
    )
    AgentProfile.objects.create(user=agent, team=org["frontline"], tier=org["general"], availability="online")
    mate = UserFactory(
        username="ben.agent", first_name="Ben", last_name="Mate", roles=["agent"], password=PASSWORD
    )
    AgentProfile.objects.create(user=mate, team=org["frontline"], tier=org["general"], availability="online")
    manager = UserFactory(username="mia.manager", first_name="Mia", roles=["manager"], password=PASSWORD)
    AgentProfile.objects.create(
        user=manager, team=org["management"], tier=org["manager"], availability="online"
    )
    now = timezone.now()
    tickets = []
    for n in range(26):
        subject, kind, channel = SUBJECTS[n % len(SUBJECTS)]
        waited = timedelta(minutes=17 * n + 5)
        pending = n % 6 == 5
        ticket = TicketFactory(
            customer=CustomerFactory(name=f"Customer {n:02d}", vip=n % 7 == 0),
            subject=f"{subject} (#{n})",
            team=org["frontline"],
            tier=org["general"],
            issue_type=kind,
            channel=channel,
            sentiment="frustrated" if n % 4 == 0 else "neutral",
            priority=Ticket.Priority.HIGH if n % 5 == 0 else Ticket.Priority.NORMAL,
            status=Ticket.Status.PENDING if pending else Ticket.Status.OPEN,
            stage=Ticket.Stage.AWAITING_CUSTOMER if pending else Ticket.Stage.ASSIGNED,
            assignee=agent if n % 2 == 0 else mate,
            first_message_at=now - waited - timedelta(hours=1),
            last_customer_message_at=now - waited,
            last_agent_message_at=now if pending else None,
            sla_due_at=None if pending else now + timedelta(minutes=40 * n - 120),
            sla_paused_at=now if pending else None,
            sla_breached=40 * n - 120 < 0 and not pending,
            with_message=False,
        )
        MessageFactory(
            ticket=ticket,
            body=f"Hello, this is customer {n:02d}. {subject}: could someone look into it today, please?",
            created_at=now - waited,
        )
        tickets.append(ticket)
    return {"agent": agent, "mate": mate, "manager": manager, "tickets": tickets, "org": org}


def test_list_shows_at_least_18_compact_rows_with_preview_waiting_and_sla(
    page: Page, live_server, busy_queue, screenshots
):
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "ana.agent")
    expect(page.get_by_role("heading", name="My team's queue")).to_be_visible()
    rows_visible = page.evaluate(ROWS_IN_VIEW)
    assert rows_visible >= 18, f"only {rows_visible} rows fit in 1440x900"
    first = page.locator("[data-row]").first
    expect(first.locator(".preview")).to_contain_text("Hello, this is customer")
    expect(first.locator(".col-wait time")).to_have_text(re.compile(r"^\d+(d|h|m)"))
    expect(page.locator("[data-row] .sla-breach").first).to_contain_text("overdue")
    expect(page.locator("[data-row] .sla-paused").first).to_have_text("Paused")
    assert page.locator("[data-row] .sla-none").count() == 0  # every row has an SLA chip
    page.screenshot(path=str(screenshots / "list-desktop.png"))
    page.set_viewport_size(TABLET)
    expect(page.locator("[data-row]").first).to_be_visible()
    page.screenshot(path=str(screenshots / "list-tablet.png"))


def test_unread_marker_clears_when_the_agent_opens_the_ticket_and_returns_on_a_new_message(
    page: Page, live_server, busy_queue
):
    page.set_viewport_size(DESKTOP)
    ticket = busy_queue["tickets"][3]
    log_in(page, live_server, "ana.agent")
    row = page.locator(f"#ticket-{ticket.pk}")
    expect(row).to_have_attribute("data-unread", "")
    expect(row.locator(".unread-dot")).to_be_visible()
    row.get_by_role("link", name=ticket.subject).click()
    expect(page.get_by_role("heading", name=ticket.subject)).to_be_visible()
    page.go_back()
    page.reload()
    expect(page.locator(f"#ticket-{ticket.pk}")).not_to_have_attribute("data-unread", "")
    # Ben has not opened it: still unread for him.
    log_out(page)
    log_in(page, live_server, "ben.agent")
    expect(page.locator(f"#ticket-{ticket.pk} .unread-dot")).to_be_visible()
    log_out(page)
    # The customer writes again: unread for Ana once more (the list refreshes itself).
    MessageFactory(ticket=ticket, body="Any news?", direction=Message.Direction.INBOUND)
    Ticket.objects.filter(pk=ticket.pk).update(last_customer_message_at=timezone.now())
    log_in(page, live_server, "ana.agent")
    expect(page.locator(f"#ticket-{ticket.pk} .unread-dot")).to_be_visible()


def test_agent_saves_reorders_and_shares_personal_views(page: Page, live_server, busy_queue):
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "ana.agent")
    page.goto(f"{live_server.url}/tickets/?view=team&channel=chat")
    chats = Ticket.objects.filter(channel="chat").count()
    page.locator(".save-view summary").click()
    page.get_by_label("View name").fill("Chats")
    page.get_by_role("button", name="Save", exact=True).click()
    chats_link = page.locator("[data-personal-view='Chats'] a")
    expect(chats_link).to_contain_text(str(chats))
    expect(chats_link).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Chats")).to_be_visible()

    page.goto(f"{live_server.url}/tickets/?view=team&priority=3")
    page.locator(".save-view summary").click()
    page.get_by_label("View name").fill("High priority")
    page.get_by_role("button", name="Save", exact=True).click()
    names = page.locator(".personal-view")
    expect(names).to_have_count(2)
    expect(names.nth(0)).to_have_attribute("data-personal-view", "Chats")
    page.get_by_role("button", name="Move High priority up").click()
    expect(names.nth(0)).to_have_attribute("data-personal-view", "High priority")

    page.get_by_role("button", name="Share Chats with my team").click()
    expect(page.locator("[data-personal-view='Chats']")).to_contain_text("shared")
    log_out(page)
    log_in(page, live_server, "ben.agent")
    shared = page.locator("[data-personal-view='Chats']")
    expect(shared).to_contain_text("Ana")
    expect(page.locator("[data-personal-view='High priority']")).to_have_count(0)
    shared.get_by_role("link").click()
    expect(page.locator("[data-row]")).to_have_count(chats)


def worked_history(tickets) -> None:
    """Replies (from the AI draft, some edited heavily), resolutions and CSAT on the queue's tickets."""
    for n, ticket in enumerate(tickets):
        first = ticket.first_message_at
        replied = first + timedelta(minutes=20 + 9 * n)
        ticket.first_response_at = replied
        if n % 3 != 2:
            ticket.status, ticket.stage = Ticket.Status.RESOLVED, Ticket.Stage.RESOLVED
            ticket.resolved_at = replied + timedelta(hours=1 + n % 4)
        ticket.save(update_fields=["first_response_at", "status", "stage", "resolved_at"])
        EventFactory(
            ticket=ticket,
            kind=TicketEvent.Kind.REPLY_SENT,
            at=replied,
            data={"author_kind": "agent", "is_auto": False, "draft_similarity": 0.9 if n % 4 else 0.4},
        )
        if ticket.resolved_at and n % 2 == 0:
            EventFactory(
                ticket=ticket,
                kind=TicketEvent.Kind.CSAT_RECEIVED,
                at=ticket.resolved_at,
                data={"score": 3 + n % 3},
            )


def test_manager_opens_the_per_agent_report(page: Page, live_server, busy_queue, screenshots):
    worked_history(busy_queue["tickets"])
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "mia.manager")
    page.get_by_role("link", name="Analytics").click()
    page.locator(".analytics-nav").get_by_role("link", name="Agents").click()
    expect(page.get_by_role("heading", name="Agents and teams")).to_be_visible()
    agents = page.locator("[data-report='agent']")
    expect(agents.locator("tr[data-name='Ana Agent'] [data-measure='volume']")).to_have_text("13")
    expect(agents.locator("tr[data-name='Ben Mate'] [data-measure='volume']")).to_have_text("13")
    expect(
        page.locator("[data-report='team'] tr[data-name='Frontline'] [data-measure='volume']")
    ).to_have_text("26")
    expect(agents.locator("tr[data-name='Ana Agent'] [data-measure='csat']")).not_to_have_text("—")
    expect(
        agents.locator("tr[data-name='Ana Agent'] [data-measure='ai_draft_acceptance_rate']")
    ).to_contain_text("%")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.startswith("agents-")
    page.screenshot(path=str(screenshots / "reports-desktop.png"), full_page=True)
    page.set_viewport_size(TABLET)
    page.screenshot(path=str(screenshots / "reports-tablet.png"), full_page=True)
