"""The composer in headless Chromium: a macro that acts, a reply with a file, a collision between two agents."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from routing.models import AgentProfile
from tickets.models import Attachment, Macro, Ticket
from tickets.tests.browser.test_inbox_flows import PASSWORD, log_in, world  # noqa: F401 (the fixture, reused)
from tickets.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def open_ticket(page: Page, live_server, ticket: Ticket) -> None:
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.get_by_label("Reply to the customer")).to_be_visible()


def test_agent_previews_and_applies_a_macro_that_sets_status_and_tags(
    page: Page,
    live_server,
    world,  # noqa: F811 (fixture)
    screenshots,
):
    Macro.objects.create(
        name="Waiting on carrier",
        body="Hi {customer_first_name}, we asked the carrier to trace your parcel.",
        set_status=Ticket.Status.PENDING,
        add_tags=["carrier-trace", "late"],
    )
    log_in(page, live_server, "ana.agent")
    open_ticket(page, live_server, world["top"])
    page.get_by_text("Macros", exact=True).click()
    page.get_by_role("link", name="Waiting on carrier").click()
    preview = page.get_by_role("region", name="Macro preview")
    expect(preview).to_contain_text("Status: Open → Pending customer")
    expect(preview).to_contain_text("Add tag carrier-trace")
    page.screenshot(path=str(screenshots / "composer-macro-preview.png"), full_page=True)
    preview.get_by_role("button", name="Apply macro").click()
    expect(page.get_by_text("Macro “Waiting on carrier” applied.")).to_be_visible()
    expect(page.get_by_label("Reply to the customer")).to_have_value(
        "Hi Ana, we asked the carrier to trace your parcel."
    )
    expect(page.locator(".tag-editor")).to_contain_text("carrier-trace")
    expect(page.locator("#ticket-header")).to_contain_text("Pending customer")
    ticket = Ticket.objects.get(pk=world["top"].pk)
    assert ticket.status == Ticket.Status.PENDING and ticket.tags == ["carrier-trace", "late"]


def test_agent_sends_a_formatted_reply_with_an_attachment(
    page: Page,
    live_server,
    world,  # noqa: F811 (fixture)
    tmp_path,
):
    label = tmp_path / "return-label.pdf"
    label.write_bytes(b"%PDF-1.4 a return label")
    log_in(page, live_server, "ana.agent")
    open_ticket(page, live_server, world["top"])
    page.get_by_label("Reply to the customer").fill("Your **return label** is attached.")
    page.get_by_label(re.compile("Attach files")).set_input_files(str(label))
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    sent = page.locator("#conversation .msg-out").last
    expect(sent.locator("strong", has_text="return label")).to_be_visible()
    expect(sent.get_by_role("link", name="return-label.pdf")).to_be_visible()
    assert Attachment.objects.get().message.direction == "outbound"


def test_a_second_agent_raises_presence_and_a_collision_warning(
    browser: Browser,
    live_server,
    world,  # noqa: F811 (fixture)
    screenshots,
):
    ben = UserFactory(username="ben.agent", first_name="Ben", roles=["agent"], password=PASSWORD)
    top = world["top"]
    AgentProfile.objects.create(user=ben, team=top.team, tier=top.tier, availability="online")
    ana_context = browser.new_context(viewport={"width": 1280, "height": 800})
    ana_page = ana_context.new_page()
    ben_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(ana_page, live_server, "ana.agent")
    log_in(ben_page, live_server, "ben.agent")
    open_ticket(ana_page, live_server, top)
    open_ticket(ben_page, live_server, top)
    expect(ana_page.locator("#presence-who")).to_contain_text("Ben is viewing", timeout=12_000)
    ana_inbox = ana_context.new_page()  # the list shows it too, on the ticket's row
    ana_inbox.goto(f"{live_server.url}/tickets/")
    expect(ana_inbox.locator(f"#ticket-{top.pk} .presence-marker")).to_contain_text(
        "Ben is viewing", timeout=12_000
    )
    ana_inbox.close()

    ben_page.get_by_label("Reply to the customer").fill("Ben here: the parcel is with DHL.")
    expect(ana_page.locator("#presence-who")).to_contain_text("Ben is typing", timeout=12_000)
    ben_page.get_by_role("button", name="Send reply").click()
    expect(ben_page.get_by_text("Reply sent.")).to_be_visible()

    ana_page.get_by_label("Reply to the customer").fill("Ana here: I am tracing it.")
    ana_page.get_by_role("button", name="Send reply").click()
    warning = ana_page.get_by_role("alert").filter(
        has_text="Another reply was sent since you opened this ticket"
    )
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Ben here: the parcel is with DHL.")
    expect(ana_page.get_by_label("Reply to the customer")).to_have_value("Ana here: I am tracing it.")
    ana_page.screenshot(path=str(screenshots / "composer-collision.png"), full_page=True)
    assert top.messages.filter(direction="outbound").count() == 1
    ana_page.get_by_role("button", name="Send anyway").click()
    expect(ana_page.get_by_text("Reply sent.")).to_be_visible()
    assert top.messages.filter(direction="outbound").count() == 2


def test_a_manager_creates_a_macro_in_the_inbox(
    page: Page,
    live_server,
    world,  # noqa: F811 (fixture)
    screenshots,
):
    log_in(page, live_server, "mia.manager")
    page.goto(f"{live_server.url}/tickets/macros/")
    page.get_by_role("link", name="New macro").click()
    page.get_by_label("Name").fill("Refund sent")
    page.get_by_label("Body").fill("Hi {customer_first_name}, your refund is on its way.")
    page.get_by_label("Set status").select_option("pending")
    page.get_by_label("Set priority").select_option(label="Low")
    page.get_by_label("Add tags").fill("refund, Refund Sent")
    page.get_by_label("Follow up after (hours)").fill("48")
    page.get_by_label("Is active").check()
    page.screenshot(path=str(screenshots / "macro-form.png"), full_page=True)
    page.get_by_role("button", name="Save macro").click()
    expect(page.get_by_text("Macro “Refund sent” saved.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Refund sent")
    expect(row).to_contain_text("Adds refund, refund-sent")
    expect(row).to_contain_text("Follow-up after 48 h")
    macro = Macro.objects.get(name="Refund sent")
    assert macro.set_status == "pending" and macro.set_priority == Ticket.Priority.LOW
