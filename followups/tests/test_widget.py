"""The chat widget endpoints: key, origin, rate limit, the conversation, one customer per email."""

import pytest
from rest_framework.test import APIClient

from followups.tests.factories import WidgetSiteFactory, raw_email
from tickets import actions as ticket_actions
from tickets.models import Customer, Ticket

pytestmark = pytest.mark.django_db
ORIGIN = "https://shop.example.com"


@pytest.fixture
def site():
    return WidgetSiteFactory()


def call(method: str, path: str, *, origin: str = ORIGIN, token: str = "", **data):
    headers = {"Origin": origin}
    if token:
        headers["X-Chat-Token"] = token
    client = APIClient()
    return getattr(client, method)(path, data or None, format="json", headers=headers)


def start(site, email="ann@example.org") -> str:
    response = call("post", f"/api/v1/widget/{site.key}/sessions/", name="Ann", email=email)
    assert response.status_code == 201, response.json()
    return response.json()["token"]


def test_an_unknown_key_is_refused():
    response = call("post", "/api/v1/widget/wk_nope/sessions/", name="Ann", email="ann@example.org")
    assert response.status_code == 403 and "widget key" in response.json()["detail"]


def test_a_foreign_origin_is_refused_and_gets_no_cors_header(site):
    response = call(
        "post", f"/api/v1/widget/{site.key}/sessions/", origin="https://evil.example", email="a@b.org"
    )
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_the_allowed_origin_gets_cors_headers_including_on_preflight(site):
    preflight = APIClient().options(f"/api/v1/widget/{site.key}/messages/", headers={"Origin": ORIGIN})
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Chat-Token" in preflight["Access-Control-Allow-Headers"]


def test_over_the_rate_limit_the_widget_gets_429(site, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"widget": "3/min"}}
    codes = [call("get", f"/api/v1/widget/{site.key}/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(site, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"widget": "3/min"}}
    client = APIClient()
    codes = [
        client.get(
            f"/api/v1/widget/{site.key}/",
            headers={"Origin": ORIGIN, "X-Forwarded-For": f"203.0.113.{n}"},
        ).status_code
        for n in range(6)
    ]
    assert codes == [200, 200, 200, 429, 429, 429]


def test_behind_one_trusted_proxy_the_forwarded_client_is_throttled_on_its_own(site, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"widget": "2/min"},
        "NUM_PROXIES": 1,
    }
    client = APIClient()

    def get(ip):
        headers = {"Origin": ORIGIN, "X-Forwarded-For": ip}
        return client.get(f"/api/v1/widget/{site.key}/", headers=headers).status_code

    assert [get("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert get("198.51.100.2") == 200


def test_a_visitor_chats_and_sees_the_agent_reply_by_polling(site, agent, django_capture_on_commit_callbacks):
    token = start(site)
    sent = call(
        "post",
        f"/api/v1/widget/{site.key}/messages/",
        token=token,
        body="Is my order shipped?",
        client_id="c1",
    )
    assert sent.status_code == 201 and sent.json()["mine"] is True
    ticket = Ticket.objects.get()
    assert ticket.channel == "chat" and ticket.customer.email == "ann@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        ticket_actions.reply_to_ticket(ticket, body="Yes, it left today.", author=agent)
    ticket_actions.add_internal_note(ticket, body="VIP, be nice", author=agent)
    polled = call("get", f"/api/v1/widget/{site.key}/messages/?after={sent.json()['id']}", token=token)
    assert [m["body"] for m in polled.json()] == ["Yes, it left today."]
    assert polled.json()[0]["mine"] is False


def test_a_resent_message_is_stored_once(site):
    token = start(site)
    for _ in range(2):
        call("post", f"/api/v1/widget/{site.key}/messages/", token=token, body="Hello?", client_id="same")
    assert Ticket.objects.get().messages.count() == 1


def test_polling_without_a_valid_token_is_refused(site):
    assert call("get", f"/api/v1/widget/{site.key}/messages/", token="forged").status_code == 401


def test_a_visitor_cannot_read_another_visitors_chat(site):
    ann = start(site, "ann@example.org")
    call(
        "post", f"/api/v1/widget/{site.key}/messages/", token=ann, body="My address is secret", client_id="a"
    )
    bob = start(site, "bob@example.org")
    assert call("get", f"/api/v1/widget/{site.key}/messages/", token=bob).json() == []


def test_the_same_email_later_joins_the_same_customer(site, api_client):
    token = start(site, "ann@example.org")
    call("post", f"/api/v1/widget/{site.key}/messages/", token=token, body="Hi", client_id="x")
    api_client.post("/api/v1/inbound/email/", raw_email("plain.eml"), content_type="message/rfc822")
    assert Customer.objects.count() == 1
    assert set(Ticket.objects.values_list("channel", flat=True)) == {"chat", "email"}


def test_the_widget_on_this_servers_own_page_polls_without_an_origin_header(site):
    """Issue 14, finding 13: Chromium sends no Origin on same-origin GETs, and every poll of the
    demo page got 403, so replies never reached the visitor."""
    site.allowed_origins = [*site.allowed_origins, "http://testserver"]
    site.save(update_fields=["allowed_origins"])
    token = start(site)
    client = APIClient()
    polled = client.get(f"/api/v1/widget/{site.key}/messages/", headers={"X-Chat-Token": token})
    assert polled.status_code == 200


def test_without_an_origin_header_a_site_not_served_here_is_still_refused(site):
    token = start(site)
    polled = APIClient().get(f"/api/v1/widget/{site.key}/messages/", headers={"X-Chat-Token": token})
    assert polled.status_code == 403
