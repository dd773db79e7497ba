"""Intake: one entry for every channel, idempotent, threaded, identity-resolving."""

from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.errors import InvalidInput
from helpdesk.testing import run_concurrently
from tickets import intake
from tickets.models import Customer, CustomerIdentity, Message, Ticket, TicketEvent
from tickets.tests.factories import CustomerFactory, OrderFactory, TicketFactory

pytestmark = pytest.mark.django_db


def inbound(**overrides) -> intake.InboundMessage:
    values = {
        "channel": "email",
        "sender": intake.Sender(email="Ann@Example.org", name="Ann Lee"),
        "subject": "Where is my parcel?",
        "body": "Order 10001 has not arrived.",
        "external_id": "<m1@example.org>",
    }
    values.update(overrides)
    return intake.InboundMessage(**values)


def test_a_new_message_opens_a_ticket_with_created_and_received_events():
    result = intake.receive(inbound())
    assert result.created and result.new_ticket
    assert result.ticket.subject == "Where is my parcel?"
    assert result.ticket.customer.email == "ann@example.org"
    kinds = list(result.ticket.events.values_list("kind", flat=True))
    assert kinds == [TicketEvent.Kind.CREATED, TicketEvent.Kind.MESSAGE_RECEIVED]


def test_the_same_message_twice_returns_the_same_ticket_and_stores_one_message():
    first = intake.receive(inbound())
    second = intake.receive(inbound())
    assert not second.created
    assert second.ticket.pk == first.ticket.pk and second.message.pk == first.message.pk
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_one_message_store_it_once():
    message = inbound(external_id="<race@example.org>")
    results = run_concurrently(partial(intake.receive, message), partial(intake.receive, message))
    assert Message.objects.filter(external_id="<race@example.org>").count() == 1
    assert Ticket.objects.count() == 1
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.ticket.pk for r in results}) == 1


def test_a_reply_with_references_threads_into_the_open_ticket():
    first = intake.receive(inbound())
    reply = intake.receive(
        inbound(external_id="<m2@example.org>", references=["<m1@example.org>"], subject="Re: x")
    )
    assert reply.ticket.pk == first.ticket.pk and not reply.new_ticket
    assert reply.ticket.messages.count() == 2


def test_a_chat_thread_key_threads_messages_of_one_conversation():
    sender = intake.Sender(email="bo@example.org", handle="visitor-1")
    first = intake.receive(inbound(channel="chat", sender=sender, thread_key="chat-1", external_id="c1"))
    second = intake.receive(inbound(channel="chat", sender=sender, thread_key="chat-1", external_id="c2"))
    other = intake.receive(inbound(channel="chat", sender=sender, thread_key="chat-2", external_id="c3"))
    assert second.ticket.pk == first.ticket.pk
    assert other.ticket.pk != first.ticket.pk


def test_a_reply_to_a_recently_resolved_ticket_reopens_it():
    first = intake.receive(inbound())
    Ticket.objects.filter(pk=first.ticket.pk).update(
        status="resolved", resolved_at=timezone.now() - timedelta(days=2)
    )
    reply = intake.receive(inbound(external_id="<m2@example.org>", references=["<m1@example.org>"]))
    reply.ticket.refresh_from_db()
    assert reply.ticket.pk == first.ticket.pk
    assert reply.ticket.status == Ticket.Status.OPEN and reply.ticket.reopen_count == 1
    assert reply.ticket.events.filter(kind=TicketEvent.Kind.REOPENED).count() == 1


def test_a_reply_to_a_ticket_resolved_long_ago_opens_a_new_ticket():
    first = intake.receive(inbound())
    Ticket.objects.filter(pk=first.ticket.pk).update(
        status="resolved", resolved_at=timezone.now() - timedelta(days=9)
    )
    reply = intake.receive(inbound(external_id="<m2@example.org>", references=["<m1@example.org>"]))
    assert reply.new_ticket and reply.ticket.pk != first.ticket.pk


def test_a_new_handle_with_a_known_email_joins_the_existing_customer():
    customer = CustomerFactory(email="cara@example.org")
    result = intake.receive(
        inbound(
            channel="social", sender=intake.Sender(email="CARA@example.org", handle="@cara"), external_id="s1"
        )
    )
    assert result.ticket.customer == customer
    handles = set(CustomerIdentity.objects.filter(customer=customer).values_list("channel", "handle"))
    assert handles == {("email", "cara@example.org"), ("social", "@cara")}
    later = intake.receive(inbound(channel="social", sender=intake.Sender(handle="@cara"), external_id="s2"))
    assert later.ticket.customer == customer
    assert Customer.objects.count() == 1


def test_customer_html_is_sanitised_and_a_text_body_derived():
    result = intake.receive(
        inbound(body="", body_html='<p onclick="x()">Hi<script>alert(1)</script></p><br>Order')
    )
    assert "<script" not in result.message.body_html and "onclick" not in result.message.body_html
    assert result.message.body.startswith("Hi")


def test_the_order_number_links_the_order():
    order = OrderFactory(number="55501")
    result = intake.receive(inbound(order_number="#55501"))
    assert result.ticket.order == order


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"sender": intake.Sender(name="Nobody")}, "sender"),
        ({"body": "  "}, "body"),
        ({"body": "x" * 100_001}, "body"),
    ],
)
def test_bad_input_is_refused_naming_the_field(overrides, field):
    with pytest.raises(InvalidInput) as error:
        intake.receive(inbound(**overrides))
    assert error.value.field == field
    assert Message.objects.count() == 0


def test_a_message_to_a_pending_ticket_sets_it_open_again():
    ticket = TicketFactory(status=Ticket.Status.PENDING, thread_key="t-9", channel="chat")
    result = intake.receive(
        inbound(
            channel="chat",
            thread_key="t-9",
            sender=intake.Sender(email=ticket.customer.email),
            external_id="z",
        )
    )
    result.ticket.refresh_from_db()
    assert result.ticket.pk == ticket.pk and result.ticket.status == Ticket.Status.OPEN


def _statements(captured) -> list[str]:
    # Inside a test every atomic block is a savepoint; outside one it is BEGIN/COMMIT, which
    # Django does not send as statements. Neither is work done for the message.
    return [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_a_new_customer_s_message_is_stored_in_at_most_eight_statements(django_capture_on_commit_callbacks):
    """Identity, threading, idempotency and the events cost at most 8 statements; the only
    thing queued is the pipeline wake-up (triage and routing run in workers)."""
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks() as callbacks:
        result = intake.receive(inbound(sender=intake.Sender(email="new@example.org", phone="+49 30 1234")))
    assert result.created and result.new_ticket
    assert len(_statements(captured.captured_queries)) <= 8
    assert len(callbacks) == 1


def test_a_returning_customer_s_reply_is_stored_in_at_most_eight_statements(
    django_capture_on_commit_callbacks,
):
    """A threaded reply (references) to an open ticket: the same budget, with the ticket locked."""
    first = intake.receive(inbound())
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks():
        reply = intake.receive(inbound(external_id="<m2@example.org>", references=["<m1@example.org>"]))
    assert reply.ticket.pk == first.ticket.pk and not reply.new_ticket
    assert len(_statements(captured.captured_queries)) <= 8


def test_a_received_message_waits_for_the_pipeline_in_stage_received():
    """Until a worker takes it, the ticket says "received": not triaged, not routed, marked."""
    result = intake.receive(inbound())
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.stage == Ticket.Stage.RECEIVED
    assert ticket.triage_status == Ticket.TriageStatus.PENDING and ticket.team_id is None
    assert Message.objects.get(pk=result.message.pk).awaiting_pipeline
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert created.data["message_id"] == result.message.pk


def test_a_duplicate_delivery_is_not_marked_for_the_pipeline_again(django_capture_on_commit_callbacks):
    """A retried webhook stores nothing and wakes nothing."""
    intake.receive(inbound())
    with django_capture_on_commit_callbacks() as callbacks:
        again = intake.receive(inbound())
    assert not again.created and callbacks == []
    assert Message.objects.filter(awaiting_pipeline=True).count() == 1
