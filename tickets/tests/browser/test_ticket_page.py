"""The ticket page in Chromium: the sticky action bar keeps the conversation in view; snooze and
merge (with undo) as an agent does them. Saves the ticket page at desktop and tablet sizes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from routing.escalation import build_package
from routing.models import AgentProfile, Escalation
from tickets.models import Message, RootCause, Ticket, TicketMerge
from tickets.tests.browser.test_inbox_flows import PASSWORD, log_in
from tickets.tests.conftest import default_org
from tickets.tests.factories import CustomerFactory, MessageFactory, OrderFactory, TicketFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER_LINES = [
    "Hello, my parcel has not moved for a week. The tracking page still says it left Leipzig.",
    "I ordered it as a birthday present and the party is on Saturday, so this matters a lot to me.",
    "Could you please check with the carrier and tell me whether it will arrive in time?",
]


@pytest.fixture
def desk(db):
    org = default_org()
    agent = UserFactory(
        username="ana.agent", first_name="Ana", last_name="Agent", roles=["agent"], password=PASSWORD
    )
    AgentProfile.objects.create(user=agent, team=org["frontline"], tier=org["general"], availability="online")
    RootCause.objects.get_or_create(name="Carrier delay")
    customer = CustomerFactory(name="Ana Lopez", vip=True)
    order = OrderFactory(customer=customer, tracking_number="JJD0099887766")
    now = timezone.now()
    common = {"customer": customer, "team": org["frontline"], "tier": org["general"], "order": order}
    long = TicketFactory(
        subject="My parcel is a week late",
        issue_type="delivery_problem",
        sentiment="frustrated",
        priority=Ticket.Priority.HIGH,
        first_message_at=now - timedelta(hours=6),
        sla_due_at=now + timedelta(minutes=40),
        first_response_due_at=now + timedelta(minutes=40),
        resolution_due_at=now + timedelta(hours=20),
        ai_summary="Parcel JJD0099887766 stuck in transit for 7 days; VIP customer needs it by Saturday.",
        ai_draft="Hi Ana, I am sorry your parcel is late. I have asked DHL to trace it.",
        with_message=False,
        **common,
    )
    for n in range(14):
        inbound = n % 2 == 0
        MessageFactory(
            ticket=long,
            direction="inbound" if inbound else "outbound",
            author_kind="customer" if inbound else "agent",
            delivery_status="n/a" if inbound else "sent",
            body=" ".join(CUSTOMER_LINES)
            if inbound
            else f"Update {n}: we asked the carrier again and will write back.",
            created_at=now - timedelta(hours=6) + timedelta(minutes=20 * n),
        )
    # It arrived escalated: the AI tier handed it to the general queue with routing's package.
    reason = "VIP customer, frustrated, a deadline on Saturday: a person should answer."
    Escalation.objects.create(
        ticket=long,
        direction=Escalation.Direction.UP,
        from_tier=org["ai"],
        to_tier=org["general"],
        trigger=Escalation.Trigger.RULE,
        reason=reason,
        package=build_package(long, trigger=Escalation.Trigger.RULE, reason=reason),
    )
    duplicate = TicketFactory(
        subject="Parcel late (second mail)", with_message="Me again about the late parcel.", **common
    )
    return {"agent": agent, "long": long, "duplicate": duplicate}


def conversation_top(page: Page) -> float:
    return page.locator("#conversation article").first.bounding_box()["y"]


def test_the_action_bar_stays_and_the_conversation_stays_in_view(page: Page, live_server, desk, screenshots):
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server, "ana.agent")
    page.goto(f"{live_server.url}/tickets/{desk['long'].pk}/")
    expect(page.locator(".action-bar")).to_be_visible()
    expect(page.locator("#escalation-package")).to_contain_text("a person should answer")
    page.screenshot(path=str(screenshots / "ticket-desktop.png"))

    # The page is the viewport: the window never scrolls, the conversation column scrolls itself.
    sizes = page.evaluate(
        "() => ({doc: document.scrollingElement.scrollHeight, view: innerHeight,"
        " work: document.querySelector('.work').scrollHeight, workView: document.querySelector('.work').clientHeight})"
    )
    tall = page.evaluate(
        "() => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().bottom > innerHeight + 2 && !e.closest('.work, .ops, .customer-side')).map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().bottom)).slice(0, 15)"
    )
    assert sizes["doc"] <= sizes["view"] + 1, (sizes, tall)
    assert sizes["work"] > sizes["workView"], sizes
    page.locator(".work").evaluate("el => el.scrollTop = 400")
    top = conversation_top(page)

    for key, panel in [
        ("x", "resolve-panel"),
        ("e", "escalate-panel"),
        ("s", "snooze-panel"),
        ("m", "merge-panel"),
    ]:
        page.keyboard.press("Escape")
        page.locator("body").focus()
        page.keyboard.press(key)
        expect(page.locator(f"#{panel}")).to_have_attribute("open", "")
        expect(page.locator(".action-bar")).to_be_in_viewport()
        assert page.evaluate("scrollY") == 0
        assert conversation_top(page) == top, key
        assert page.locator(".work").evaluate("el => el.scrollTop") == 400
        assert page.locator(".action-bar > details[open]").count() == 1  # one panel at a time
    page.keyboard.press("Escape")
    expect(page.locator("#merge-panel")).not_to_have_attribute("open", "")

    # Keyboard reachable without shortcuts: focus a summary, Enter opens its form.
    page.locator("#snooze-panel > summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#snooze-panel")).to_have_attribute("open", "")
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": 768, "height": 1024})
    page.reload()
    page.screenshot(path=str(screenshots / "ticket-tablet.png"))
    page.mouse.wheel(0, 900)
    page.wait_for_timeout(200)
    scrolled = page.evaluate("scrollY")
    assert scrolled > 0
    page.locator("body").focus()
    page.keyboard.press("x")
    expect(page.locator("#resolve-panel")).to_have_attribute("open", "")
    expect(page.locator(".action-bar")).to_be_in_viewport()  # the header is sticky on a tablet
    assert page.evaluate("scrollY") == scrolled


def test_an_agent_snoozes_a_ticket_and_finds_it_under_snoozed(page: Page, live_server, desk):
    log_in(page, live_server, "ana.agent")
    page.goto(f"{live_server.url}/tickets/{desk['long'].pk}/")
    page.keyboard.press("s")
    panel = page.locator("#snooze-panel")
    panel.get_by_label("4 hours").check()
    panel.get_by_role("button", name="Snooze").click()
    expect(page.locator("#flash")).to_contain_text("Snoozed until")
    expect(page.locator("#snoozed-badge")).to_be_visible()
    ticket = Ticket.objects.get(pk=desk["long"].pk)
    assert ticket.snoozed_until and abs(
        (ticket.snoozed_until - timezone.now()) - timedelta(hours=4)
    ) < timedelta(minutes=2)

    page.get_by_role("link", name="← Inbox").click()
    expect(page.locator("#inbox-list")).not_to_contain_text("My parcel is a week late")
    page.get_by_role("link", name=re.compile("^Snoozed")).click()
    expect(page.locator("#inbox-list")).to_contain_text("My parcel is a week late")


def test_an_agent_merges_a_duplicate_and_undoes_it(page: Page, live_server, desk):
    duplicate, target = desk["duplicate"], desk["long"]
    log_in(page, live_server, "ana.agent")
    page.goto(f"{live_server.url}/tickets/{duplicate.pk}/")
    page.keyboard.press("m")
    panel = page.locator("#merge-panel")
    expect(panel).to_contain_text(target.reference)  # offered: the customer's other open ticket
    panel.get_by_label("Merge into ticket").fill(target.reference)
    panel.get_by_role("button", name="Merge", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/tickets/{target.pk}/$"))
    expect(page.locator("#flash")).to_contain_text(f"{duplicate.reference} merged into {target.reference}")
    expect(page.locator("#conversation")).to_contain_text("Me again about the late parcel.")
    assert TicketMerge.objects.filter(source=duplicate, target=target).exists()

    page.goto(f"{live_server.url}/tickets/{duplicate.pk}/")  # the old link leads to the target
    expect(page).to_have_url(re.compile(rf"/tickets/{target.pk}/$"))

    page.get_by_role("button", name="Undo merge").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{duplicate.pk}/$"))
    expect(page.locator("#flash")).to_contain_text("Merge undone")
    expect(page.locator("#conversation")).to_contain_text("Me again about the late parcel.")
    assert Message.objects.filter(ticket=duplicate).count() == 1
    assert Ticket.objects.get(pk=duplicate.pk).is_open
