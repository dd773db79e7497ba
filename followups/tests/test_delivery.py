"""Outbound email through a real SMTP server on loopback (aiosmtpd), retries, exactly-once."""

import email
import socket
from email import policy
from functools import partial

import pytest
from django.test import override_settings
from django_q.models import Schedule

from followups import actions
from followups.tests.factories import raw_email
from helpdesk.testing import run_concurrently
from tickets import actions as ticket_actions
from tickets.models import Message, TicketEvent
from tickets.tests.factories import MessageFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def received(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=policy.default)


def test_an_agent_reply_reaches_the_smtp_server_threaded_with_text_and_html(
    smtp_server, agent, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(subject="Where is my parcel?", with_message=False)
    MessageFactory(ticket=ticket, external_id="<customer-1@mail.example.org>")
    with django_capture_on_commit_callbacks(execute=True):
        reply = ticket_actions.reply_to_ticket(ticket, body="It ships today.", author=agent)
    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.SENT and reply.delivery_attempts == 1
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [ticket.customer.email]
    mail = received(envelope)
    assert mail["Message-ID"] == reply.external_id == f"<handoff.{ticket.pk}.{reply.pk}@example.com>"
    assert mail["In-Reply-To"] == "<customer-1@mail.example.org>"
    assert "<customer-1@mail.example.org>" in mail["References"]
    assert mail["From"].addresses[0].display_name == "Northwind Goods"
    assert mail["Reply-To"].addresses[0].addr_spec == f"support+HD-{ticket.pk}@example.com"
    assert "It ships today." in mail.get_body(("plain",)).get_content()
    assert "It ships today." in mail.get_body(("html",)).get_content()


def test_the_customers_reply_to_our_email_threads_into_the_same_ticket(smtp_server, agent, api_client):
    ticket = TicketFactory(with_message=False)
    MessageFactory(ticket=ticket, external_id="<plain-1@mail.example.org>")
    reply = ticket_actions.reply_to_ticket(ticket, body="Out for delivery.", author=agent)
    actions.deliver_message(reply.pk)
    reply.refresh_from_db()
    answer = raw_email("reply_quoted.eml", ticket_id="999999", in_reply_to=reply.external_id).replace(
        b"ann@example.org", ticket.customer.email.encode()
    )
    response = api_client.post("/api/v1/inbound/email/", answer, content_type="message/rfc822")
    assert response.status_code == 201, response.json()
    assert response.json()["ticket_id"] == ticket.pk
    assert ticket.messages.filter(direction="inbound").latest("id").body == "Thanks, it arrived today!"


def test_a_message_is_never_sent_twice_even_when_delivery_runs_again(smtp_server, agent):
    ticket = TicketFactory()
    reply = ticket_actions.reply_to_ticket(ticket, body="Done.", author=agent)
    actions.deliver_message(reply.pk)
    actions.deliver_message(reply.pk)
    assert len(smtp_server.messages) == 1


def test_a_down_mail_server_fails_visibly_then_the_retry_delivers(
    settings, smtp_server, agent, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()
    reply = ticket_actions.reply_to_ticket(ticket, body="Refund sent.", author=agent)
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    with django_capture_on_commit_callbacks(execute=True):
        actions.deliver_message(reply.pk)
    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.FAILED
    assert reply.delivery_attempts == 1 and "ConnectionRefused" in reply.delivery_error
    failure = ticket.events.get(kind=TicketEvent.Kind.DELIVERY_FAILED)
    assert failure.data["will_retry"] is True
    assert Schedule.objects.filter(func="followups.jobs.deliver_message", args=repr(reply.pk)).exists()
    settings.EMAIL_PORT = working_port
    actions.deliver_message(reply.pk)
    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.SENT and reply.delivery_attempts == 2
    assert len(smtp_server.messages) == 1


@override_settings(OUTBOUND_MAX_ATTEMPTS=2)
def test_after_the_last_attempt_the_message_is_marked_not_deliverable(settings, agent):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    reply = ticket_actions.reply_to_ticket(TicketFactory(), body="Hello", author=agent)
    actions.deliver_message(reply.pk)
    actions.deliver_message(reply.pk)
    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.UNDELIVERABLE and reply.delivery_attempts == 2


def test_a_bounce_marks_our_message_not_deliverable_and_opens_no_ticket(smtp_server, agent, api_client):
    ticket = TicketFactory()
    reply = ticket_actions.reply_to_ticket(ticket, body="Hello", author=agent)
    actions.deliver_message(reply.pk)
    reply.refresh_from_db()
    tickets_before = type(ticket).objects.count()
    response = api_client.post(
        "/api/v1/inbound/email/",
        raw_email("bounce.eml", bounced_id=reply.external_id),
        content_type="message/rfc822",
    )
    assert response.status_code == 202 and response.json()["reason"] == "bounce"
    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.UNDELIVERABLE and "550 5.1.1" in reply.delivery_error
    assert type(ticket).objects.count() == tickets_before


def test_chat_replies_become_visible_to_polling_and_social_replies_are_recorded(agent):
    chat = ticket_actions.reply_to_ticket(TicketFactory(channel="chat"), body="Hi!", author=agent)
    social = ticket_actions.reply_to_ticket(TicketFactory(channel="social"), body="Hi!", author=agent)
    actions.deliver_message(chat.pk)
    actions.deliver_message(social.pk)
    chat.refresh_from_db()
    social.refresh_from_db()
    assert chat.delivery_status == Message.Delivery.SENT
    assert (
        social.delivery_status == Message.Delivery.UNDELIVERABLE
        and "No outbound connector" in social.delivery_error
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_message_at_once_send_it_once(smtp_server):
    agent = UserFactory(username="racer", roles=["agent"])
    reply = ticket_actions.reply_to_ticket(TicketFactory(), body="Once only.", author=agent)
    # The reply was delivered on commit already; queue it again and race two workers on it.
    smtp_server.messages.clear()
    Message.objects.filter(pk=reply.pk).update(delivery_status=Message.Delivery.QUEUED, delivery_attempts=0)
    deliver = partial(actions.deliver_message, reply.pk)
    run_concurrently(deliver, deliver)
    assert len(smtp_server.messages) == 1
    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.SENT and reply.delivery_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_the_smtp_conversation_holds_no_lock_on_the_message(smtp_server, agent):
    """A slow mail server must not block the ticket: while the mail is handed over, another
    session can lock the message row at once (finding 10: sends out of the transaction)."""
    import psycopg
    from django.db import connection

    ticket = TicketFactory(with_message=False)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    seen: list[str] = []
    original = smtp_server.handle_DATA

    async def handle_data(server, session, envelope):
        with psycopg.connect(**params) as other:
            other.execute("SET lock_timeout = '500ms'")
            try:
                other.execute("SELECT 1 FROM tickets_message WHERE ticket_id = %s FOR UPDATE", [ticket.pk])
                seen.append("free")
            except psycopg.errors.LockNotAvailable:
                seen.append("locked")
        return await original(server, session, envelope)

    smtp_server.handle_DATA = handle_data
    # Committed at once in this transactional test, so the queued delivery runs inline.
    reply = ticket_actions.reply_to_ticket(ticket, body="On its way.", author=agent)
    actions.deliver_message(reply.pk)
    reply.refresh_from_db()
    assert seen == ["free"]
    assert reply.delivery_status == Message.Delivery.SENT
    assert received(smtp_server.messages[0])["Message-ID"] == reply.external_id
