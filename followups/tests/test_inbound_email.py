"""POST /api/v1/inbound/email/: raw RFC 822 in, tickets out; automatic mail and loops stay out."""

import pytest
from rest_framework.test import APIClient

from followups.tests.factories import raw_email
from tickets.models import Attachment, Customer, Message, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/inbound/email/"


def post(client, raw: bytes):
    return client.post(URL, raw, content_type="message/rfc822")


def test_the_endpoint_needs_an_api_key():
    assert post(APIClient(), raw_email("plain.eml")).status_code in (401, 403)


def test_an_agent_session_may_not_post_mail(client, agent):
    client.force_login(agent)
    assert client.post(URL, raw_email("plain.eml"), content_type="message/rfc822").status_code == 403


def test_a_plain_email_opens_an_email_ticket(api_client):
    response = post(api_client, raw_email("plain.eml"))
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["ticket_id"])
    assert (ticket.channel, ticket.subject) == ("email", "Where is my parcel?")
    assert ticket.customer.email == "ann@example.org"
    assert Message.objects.get().external_id == "<plain-1@mail.example.org>"


def test_the_same_email_delivered_twice_is_stored_once(api_client):
    first = post(api_client, raw_email("plain.eml"))
    second = post(api_client, raw_email("plain.eml"))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["duplicate"] is True
    assert Message.objects.count() == 1


def test_html_only_mail_is_sanitised_and_gets_a_text_body(api_client):
    post(api_client, raw_email("html_only.eml"))
    message = Message.objects.get()
    assert "<script" not in message.body_html and "onclick" not in message.body_html
    assert "<b>broken</b>" in message.body_html
    assert "The mug arrived broken." in message.body


def test_attachments_are_stored_with_name_type_and_size(api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    post(api_client, raw_email("multipart_attachment.eml"))
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == ("box.png", "image/png", 1032)
    assert attachment.file.read().startswith(b"\x89PNG")


def test_non_utf8_headers_become_a_readable_customer_and_subject(api_client):
    post(api_client, raw_email("non_utf8_headers.eml"))
    ticket = Ticket.objects.get()
    assert ticket.subject == "Rücksendung für Bestellung 10002"
    assert ticket.customer.name == "Jürgen Müller"


def test_a_reply_to_the_ticket_address_threads_into_that_ticket(api_client):
    ticket = TicketFactory(customer__email="ann@example.org")
    raw = raw_email("reply_quoted.eml", ticket_id=str(ticket.pk), in_reply_to="<unknown@elsewhere>")
    response = post(api_client, raw)
    assert response.json()["ticket_id"] == ticket.pk
    assert ticket.messages.filter(body="Thanks, it arrived today!").exists()


def test_auto_replies_are_accepted_but_open_no_ticket(api_client):
    response = post(api_client, raw_email("auto_reply.eml"))
    assert response.status_code == 202 and response.json()["reason"] == "auto_reply"
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_mail_from_our_own_address_is_dropped_as_a_loop(api_client):
    raw = raw_email("plain.eml").replace(b"Ann Lee <ann@example.org>", b"Support <support+HD-3@example.com>")
    response = post(api_client, raw)
    assert response.status_code == 202 and response.json()["reason"] == "loop"
    assert not Ticket.objects.exists()


def test_a_sender_above_the_hourly_limit_is_treated_as_a_mail_loop(api_client, settings):
    settings.INBOUND_EMAIL_LOOP_LIMIT = 2
    outcomes = [
        post(api_client, raw_email("plain.eml").replace(b"plain-1@", f"plain-{n}@".encode())).status_code
        for n in range(3)
    ]
    assert outcomes == [201, 201, 202]
    assert Message.objects.count() == 2


def test_an_empty_body_is_refused_naming_the_field(api_client):
    response = post(api_client, b"")
    assert response.status_code == 400 and response.json()["fields"] == {"body": ["The message is empty."]}
