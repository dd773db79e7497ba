"""An agent's day, end to end in Chromium: the list by keyboard, a snooze, a merge, a macro that
acts, a reply with a file, a collision raised from a second browser, and the manager's report.

Each step is tested on its own elsewhere (test_inbox_list, test_ticket_page, test_composer_flows);
this one checks they hold together on one queue, in the order a working day uses them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from routing.models import AgentProfile
from tickets.models import Attachment, Macro, Message, Ticket
from tickets.tests.browser.test_inbox_flows import PASSWORD, log_in
from tickets.tests.browser.test_inbox_list import DESKTOP, ROWS_IN_VIEW, busy_queue, worked_history  # noqa: F401
from tickets.tests.factories import MessageFactory, TicketFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ticket_id(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[-1])


def test_an_agent_works_a_day_and_the_manager_reads_the_report(
    browser: Browser,
    live_server,
    busy_queue,  # noqa: F811 (fixture)
    settings,
    tmp_path,
    screenshots,
):
    settings.MEDIA_ROOT = tmp_path
    queue = busy_queue["tickets"]
    org = busy_queue["org"]
    Macro.objects.create(
        name="Waiting on carrier",
        body="Hi {customer_first_name}, we asked the carrier to trace your parcel.",
        set_status=Ticket.Status.PENDING,
        add_tags=["carrier-trace"],
    )
    ana = browser.new_context(viewport=DESKTOP)
    page = ana.new_page()
    log_in(page, live_server, "ana.agent")

    # Morning: the list holds a screenful, and the keyboard opens the second ticket.
    assert page.evaluate(ROWS_IN_VIEW) >= 18
    rows = page.locator("[data-row]")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("is-cursor"))
    opened = rows.nth(1).get_attribute("data-url")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(opened) + "$"))
    page.wait_for_load_state("networkidle")  # the page's shortcuts are bound once its scripts ran
    expect(page.locator(".action-bar")).to_be_visible()

    # It can wait until the afternoon: snooze it; it leaves the working list.
    page.keyboard.press("s")
    panel = page.locator("#snooze-panel")
    expect(panel).to_have_attribute("open", "")
    panel.get_by_label("4 hours").check()
    panel.get_by_role("button", name="Snooze").click()
    expect(page.locator("#flash")).to_contain_text("Snoozed until")
    snoozed = Ticket.objects.get(pk=ticket_id(opened))
    assert snoozed.snoozed_until is not None

    # A customer wrote twice: merge the second ticket into the first.
    target = next(t for t in queue if t.pk != snoozed.pk and t.assignee_id == busy_queue["agent"].pk)
    duplicate = TicketFactory(
        customer=target.customer,
        subject="Same question, second email",
        team=org["frontline"],
        tier=org["general"],
        assignee=busy_queue["agent"],
        issue_type=target.issue_type,
        channel="email",
        with_message=False,
    )
    MessageFactory(
        ticket=duplicate, body="Me again about the same thing.", direction=Message.Direction.INBOUND
    )
    page.goto(f"{live_server.url}/tickets/{duplicate.pk}/")
    page.keyboard.press("m")
    panel = page.locator("#merge-panel")
    expect(panel).to_have_attribute("open", "")
    panel.get_by_label("Merge into ticket").fill(target.reference)
    panel.get_by_role("button", name="Merge", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/tickets/{target.pk}/$"))
    expect(page.locator("#conversation")).to_contain_text("Me again about the same thing.")

    # On the merged ticket: a macro sets the status and a tag, then the reply goes with a file.
    page.get_by_text("Macros", exact=True).click()
    page.get_by_role("link", name="Waiting on carrier").click()
    preview = page.get_by_role("region", name="Macro preview")
    expect(preview).to_contain_text("Add tag carrier-trace")
    preview.get_by_role("button", name="Apply macro").click()
    expect(page.get_by_text("Macro “Waiting on carrier” applied.")).to_be_visible()
    label = tmp_path / "return-label.pdf"
    label.write_bytes(b"%PDF-1.4 a return label")
    page.get_by_label(re.compile("Attach files")).set_input_files(str(label))
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    merged = Ticket.objects.get(pk=target.pk)
    assert merged.status == Ticket.Status.PENDING and "carrier-trace" in merged.tags
    assert Attachment.objects.get().message.ticket_id == target.pk

    # After lunch: Ben opens the ticket Ana is on and answers first; Ana is warned before sending.
    ben_user = UserFactory(username="ben.day", first_name="Ben", roles=["agent"], password=PASSWORD)
    AgentProfile.objects.create(
        user=ben_user, team=org["frontline"], tier=org["general"], availability="online"
    )
    shared = next(t for t in queue if t.pk not in (snoozed.pk, target.pk) and t.status == Ticket.Status.OPEN)
    ben = browser.new_context(viewport=DESKTOP).new_page()
    log_in(ben, live_server, "ben.day")
    page.goto(f"{live_server.url}/tickets/{shared.pk}/")
    ben.goto(f"{live_server.url}/tickets/{shared.pk}/")
    expect(page.locator("#presence-who")).to_contain_text("Ben is viewing", timeout=12_000)
    ben.get_by_label("Reply to the customer").fill("Ben here: it is on its way.")
    ben.get_by_role("button", name="Send reply").click()
    expect(ben.get_by_text("Reply sent.")).to_be_visible()
    page.get_by_label("Reply to the customer").fill("Ana here: I am looking into it.")
    page.get_by_role("button", name="Send reply").click()
    expect(
        page.get_by_role("alert").filter(has_text="Another reply was sent since you opened this ticket")
    ).to_be_visible()
    assert shared.messages.filter(direction="outbound").count() == 1

    # Evening: the manager reads the per-agent report.
    worked_history(queue)
    manager = browser.new_context(viewport=DESKTOP).new_page()
    log_in(manager, live_server, "mia.manager")
    manager.goto(f"{live_server.url}/analytics/agents/")
    expect(manager.get_by_role("heading", name="Agents and teams")).to_be_visible()
    expect(manager.locator("[data-report='agent'] tr[data-name='Ana Agent']")).to_be_visible()
    manager.screenshot(path=str(screenshots / "agent-day-report.png"), full_page=True)
