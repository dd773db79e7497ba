"""End to end in headless Chromium: the inbox and ticket page as agents, seniors and managers use them."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from routing.models import AgentProfile
from tickets.models import Message, RootCause, Ticket
from tickets.tests.conftest import default_org
from tickets.tests.factories import CustomerFactory, OrderFactory, TicketFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "handoff-demo"
DRAFT = "Hi Ana, I am sorry your parcel is late. I have asked DHL to trace it and will update you tomorrow."


@pytest.fixture
def world(db):
    org = default_org()
    frontline, senior_team, management = org["frontline"], org["senior_team"], org["management"]
    general, senior, manager_tier = org["general"], org["senior"], org["manager"]
    agent = UserFactory(
        username="ana.agent", first_name="Ana", last_name="Agent", roles=["agent"], password=PASSWORD
    )
    AgentProfile.objects.create(user=agent, team=frontline, tier=general, availability="online")
    senior_user = UserFactory(
        username="sam.senior", first_name="Sam", roles=["senior agent"], password=PASSWORD
    )
    AgentProfile.objects.create(user=senior_user, team=senior_team, tier=senior, availability="online")
    manager = UserFactory(username="mia.manager", first_name="Mia", roles=["manager"], password=PASSWORD)
    AgentProfile.objects.create(user=manager, team=management, tier=manager_tier, availability="online")
    RootCause.objects.get_or_create(name="Carrier delay")
    now = timezone.now()
    customer = CustomerFactory(name="Ana Lopez", vip=True)
    order = OrderFactory(customer=customer, tracking_number="JJD0099887766")
    top = TicketFactory(
        customer=customer,
        order=order,
        subject="My parcel is a week late",
        team=frontline,
        tier=general,
        issue_type="delivery_problem",
        sentiment="frustrated",
        urgency="high",
        priority=Ticket.Priority.HIGH,
        signals={"vip": ["vip customer"]},
        first_message_at=now - timedelta(hours=2),
        sla_due_at=now + timedelta(minutes=40),
        first_response_due_at=now + timedelta(minutes=40),
        resolution_due_at=now + timedelta(hours=20),
        ai_summary="Parcel JJD0099887766 stuck in transit for 7 days; VIP customer asks for an update.",
        ai_brief={
            "customer_history": "VIP since 2023, 40 orders, no complaints in 30 days.",
            "relevant_policy": "Trace after 5 days in transit; offer a replacement after 10.",
        },
        ai_draft=DRAFT,
        with_message="Hello, my parcel has not moved for a week. Where is it?",
    )
    others = [
        TicketFactory(
            subject=subject,
            team=frontline,
            tier=general,
            issue_type=kind,
            sentiment="neutral",
            sla_due_at=now + timedelta(hours=hours),
            first_message_at=now - timedelta(minutes=30),
        )
        for subject, kind, hours in [
            ("Change delivery address", "order_change", 2),
            ("Refund for a broken kettle", "refund_request", 3),
            ("Question about sizes", "product_question", 6),
            ("Invoice for order 1203", "billing", 9),
        ]
    ]
    return {
        "agent": agent,
        "senior": senior_user,
        "manager": manager,
        "top": top,
        "others": others,
        "senior_tier": senior,
    }


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#inbox-list")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the header tools arrive just after the page


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()


def test_agent_opens_top_ticket_edits_the_ai_draft_and_sends_it(page: Page, live_server, world, screenshots):
    log_in(page, live_server, "ana.agent")
    first_row = page.locator("[data-row]").first
    expect(first_row).to_contain_text("My parcel is a week late")
    expect(first_row).to_contain_text("VIP")
    page.screenshot(path=str(screenshots / "inbox.png"), full_page=True)

    first_row.get_by_role("link").click()
    editor = page.get_by_label("Reply to the customer")
    expect(editor).to_have_value(DRAFT)
    expect(page.get_by_text("similarity ≥ 0.8 counts as accepted")).to_be_visible()
    page.screenshot(path=str(screenshots / "ticket.png"), full_page=True)
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, portrait
    page.screenshot(path=str(screenshots / "ticket-tablet.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    editor.fill(DRAFT.replace("will update you tomorrow", "will update you by tomorrow noon"))
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#flash")).to_contain_text("Reply sent.")
    expect(page.locator("#conversation")).to_contain_text("tomorrow noon")
    expect(page.locator("#conversation")).to_contain_text("accepted")

    sent = Message.objects.get(ticket=world["top"], direction="outbound")
    assert sent.author == world["agent"]
    assert 0.8 <= sent.draft_similarity < 1


def test_keyboard_shortcuts_move_and_open(page: Page, live_server, world):
    log_in(page, live_server, "ana.agent")
    page.get_by_label("Your availability").select_option("away")
    expect(page.locator("#flash")).to_contain_text("You are away.")
    rows = page.locator("[data-row]")
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("is-cursor"))
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class(re.compile("is-cursor"))
    target = rows.nth(1).get_attribute("data-url")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    page.wait_for_load_state()

    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(page.locator("#flash")).to_contain_text("Assigned to you.")
    page.keyboard.press("r")
    expect(page.get_by_label("Reply to the customer")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("x")
    expect(page.locator("#resolve-panel")).to_have_attribute("open", "")


def test_agent_resolves_with_a_root_cause_and_the_ticket_leaves_open_views(page: Page, live_server, world):
    log_in(page, live_server, "ana.agent")
    page.get_by_role("link", name="Refund for a broken kettle").click()
    page.wait_for_load_state()
    page.keyboard.press("x")
    panel = page.locator("#resolve-panel")
    panel.get_by_label("Root cause", exact=True).select_option(label="Carrier delay")
    panel.get_by_label("How was it resolved").select_option(label="Refund")
    page.locator("#resolve-panel").get_by_role("button", name="Resolve").click()
    expect(page.locator("#flash")).to_contain_text("Resolved")
    expect(page.locator("#ticket-header")).to_contain_text("Resolved")

    page.get_by_role("link", name="← Inbox").click()
    expect(page.locator("#inbox-list")).not_to_contain_text("Refund for a broken kettle")
    page.get_by_role("link", name=re.compile("^All open")).click()
    expect(page.locator("#inbox-title")).to_have_text("All open")
    expect(page.locator("#inbox-list")).to_contain_text("Question about sizes")
    expect(page.locator("#inbox-list")).not_to_contain_text("Refund for a broken kettle")
    resolved = Ticket.objects.get(subject="Refund for a broken kettle")
    assert resolved.status == Ticket.Status.RESOLVED and resolved.root_cause.name == "Carrier delay"


def test_list_refreshes_itself_and_keeps_the_cursor(page: Page, live_server, world):
    log_in(page, live_server, "ana.agent")
    page.keyboard.press("j")
    page.keyboard.press("j")
    cursor_id = page.locator("[data-row].is-cursor").get_attribute("id")
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/tickets/" in r.url else None)
    page.evaluate("htmx.trigger('#inbox-list', 'inbox-refresh')")
    page.wait_for_timeout(500)
    assert 304 in statuses
    Ticket.objects.filter(pk=world["others"][2].pk).update(
        subject="Sizes for the winter coat", updated_at=timezone.now()
    )
    page.evaluate("htmx.trigger('#inbox-list', 'inbox-refresh')")
    expect(page.locator("#inbox-list")).to_contain_text("Sizes for the winter coat")
    expect(page.locator(f"#{cursor_id}")).to_have_class(re.compile("is-cursor"))


def test_escalation_with_a_reason_reaches_the_senior(page: Page, live_server, world):
    log_in(page, live_server, "ana.agent")
    page.get_by_role("link", name="Change delivery address").click()
    page.wait_for_load_state()
    page.keyboard.press("e")
    expect(page.locator("#escalate-panel")).to_have_attribute("open", "")
    panel = page.locator("#escalate-panel")
    panel.get_by_label("Escalate to").select_option(label="Senior agent")
    panel.get_by_label("Reason (required)").fill("Customer threatens a chargeback; needs a senior decision.")
    panel.get_by_role("button", name="Escalate").click()
    expect(page.locator("#flash")).to_contain_text("Escalated to Senior agent")
    log_out(page)

    log_in(page, live_server, "sam.senior")
    page.get_by_role("link", name=re.compile("^Escalated to me")).click()
    expect(page.locator("#inbox-list")).to_contain_text("Change delivery address")
    expect(page.locator("#bell-button .badge")).to_be_visible()  # routing notified the senior tier
    page.locator("#bell-button").click()
    expect(page.locator("#bell-menu")).to_contain_text("escalated to Senior agent")


def test_manager_approves_a_refund_and_the_held_reply_goes_out(page: Page, live_server, world):
    ticket = world["others"][1]
    log_in(page, live_server, "ana.agent")
    page.get_by_role("link", name="Refund for a broken kettle").click()
    # The money gate opens the approval itself, bound to this reply (a hand-made approval would
    # release no reply).
    page.get_by_label("Reply to the customer").fill("We are refunding 250 EUR for the kettle.")
    page.get_by_label(re.compile("Refund or compensation promised")).fill("250")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#conversation")).to_contain_text("Held for approval")
    log_out(page)

    log_in(page, live_server, "mia.manager")
    page.get_by_role("link", name=re.compile("^Awaiting my approval")).click()
    page.locator("#inbox-list").get_by_role("link", name="Refund for a broken kettle").click()
    page.get_by_label("Note (required to deny)").fill("Approved: repeat defect.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#flash")).to_contain_text("Approved")
    held = Message.objects.get(ticket=ticket, direction="outbound", is_internal=False)
    assert held.delivery_status != Message.Delivery.HELD
    assert Decimal(held.metadata["commits_amount"]) == Decimal("250")
