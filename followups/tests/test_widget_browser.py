"""The widget end to end in headless Chromium: a shop page on another origin embeds the script,
a visitor chats, an agent's reply arrives by polling (real CORS, real preflights)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from followups.tests.factories import WidgetSiteFactory
from tickets import actions as ticket_actions
from tickets.models import Ticket
from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_page():
    """A page on its own loopback origin; ``page.html`` is filled in by the test."""
    state = {"html": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(state["html"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["origin"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_a_visitor_chats_from_the_shop_and_sees_the_agents_reply(live_server, shop_page, page):
    site = WidgetSiteFactory(allowed_origins=[shop_page["origin"]], greeting="Hello from Northwind!")
    shop_page["html"] = (
        f"<!doctype html><html><body><h1>Shop</h1>"
        f'<script src="{live_server.url}/static/widget/widget.js" data-key="{site.key}" defer></script>'
        f"</body></html>"
    ).encode()
    agent = UserFactory(username="widget-agent", first_name="Sam", roles=["agent"])
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(shop_page["origin"] + "/")
    page.click("text=Chat with us")
    page.wait_for_selector("text=Hello from Northwind!")
    page.fill("input[name=name]", "Ann")
    page.fill("input[name=email]", "ann@example.org")
    page.click("text=Start chat")
    page.fill("#hc-text", "Has my order shipped?")
    page.click(".hc-send button")
    page.wait_for_selector(".hc-mine >> text=Has my order shipped?")
    ticket = Ticket.objects.get(channel="chat")
    ticket_actions.reply_to_ticket(ticket, body="Yes, it left our warehouse today.", author=agent)
    page.wait_for_selector(".hc-theirs >> text=Yes, it left our warehouse today.", timeout=15_000)
    # The agent's reply carries the agent's name (out of business hours an automatic "Support"
    # acknowledgement comes first, so look at the reply itself).
    reply = page.locator(".hc-theirs", has_text="Yes, it left our warehouse today.")
    assert reply.locator(".hc-who").inner_text() == "Sam"
    assert errors == []
    assert ticket.customer.email == "ann@example.org"
