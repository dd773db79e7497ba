"""Customer and order upserts are named actions with their role checks inside; the small stage and
status transitions other apps and intake apply inside their own writes go through tickets.actions."""

from decimal import Decimal

import pytest

from helpdesk.errors import InvalidInput, NotAllowed
from tickets import actions, records
from tickets.models import Customer, Order, Ticket, TicketEvent
from tickets.tests.factories import TicketFactory, UserFactory


@pytest.mark.django_db
def test_a_customer_is_found_by_email_and_their_standing_updated():
    agent = UserFactory(roles=["agent"])
    first, created = records.upsert_customer(actor=agent, email="ann@example.org", name="Ann")
    assert created and first.name == "Ann"
    again, created = records.upsert_customer(
        actor=agent, email="ANN@example.org", lifetime_value=Decimal("900.00"), tags=["wholesale"]
    )
    assert not created and again.pk == first.pk
    stored = Customer.objects.get(pk=first.pk)
    assert (stored.lifetime_value, stored.tags) == (Decimal("900.00"), ["wholesale"])


@pytest.mark.django_db
def test_customer_upserts_refuse_people_off_the_ladder_and_bad_input():
    with pytest.raises(NotAllowed):
        records.upsert_customer(actor=UserFactory(), email="ann@example.org")
    agent = UserFactory(roles=["agent"])
    with pytest.raises(InvalidInput, match="email or a phone"):
        records.upsert_customer(actor=agent, name="Nobody")
    with pytest.raises(InvalidInput, match="Unknown customer field\\(s\\): vip_level"):
        records.upsert_customer(actor=agent, email="ann@example.org", vip_level="gold")
    assert not Customer.objects.filter(email="ann@example.org").exists()


@pytest.mark.django_db
def test_an_order_is_created_then_updated_in_place_and_only_integrations_and_managers_write_it():
    manager = UserFactory(roles=["manager"])
    values = {"number": "10001", "status": "paid", "total": Decimal("49.00"), "currency": "EUR"}
    order, created = records.upsert_order(
        actor=manager, external_id="shop-1", values=values, customer_email="bo@example.org"
    )
    assert created and order.customer.email == "bo@example.org"
    order, created = records.upsert_order(
        actor=manager, external_id="shop-1", values={**values, "status": "shipped"}
    )
    assert not created and Order.objects.get(external_id="shop-1").status == "shipped"
    with pytest.raises(NotAllowed, match="integrations, managers and admins"):
        records.upsert_order(actor=UserFactory(roles=["agent"]), external_id="shop-2", values=values)
    with pytest.raises(InvalidInput, match="longer than 100"):
        records.upsert_order(actor=manager, external_id="x" * 101, values=values)
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_move_stage_records_the_change_with_no_query_but_the_event(django_assert_num_queries):
    ticket = TicketFactory(stage=Ticket.Stage.RECEIVED)
    updates = ["updated_at"]
    with django_assert_num_queries(1):
        actions.move_stage(ticket, Ticket.Stage.TRIAGED, actor_kind="ai", updates=updates)
    assert updates == ["updated_at", "stage"] and ticket.stage == Ticket.Stage.TRIAGED
    event = ticket.events.get(kind=TicketEvent.Kind.STAGE_CHANGED)
    assert (event.actor_kind, event.data) == ("ai", {"from": "received", "to": "triaged"})
    with pytest.raises(InvalidInput, match="Unknown stage 'limbo'"):
        actions.move_stage(ticket, "limbo", updates=updates)


@pytest.mark.django_db
def test_a_customer_message_reopens_only_a_pending_ticket():
    pending, open_ticket = (
        TicketFactory(status=Ticket.Status.PENDING),
        TicketFactory(status=Ticket.Status.OPEN),
    )
    updates: list[str] = []
    event = actions.reopen_on_customer_message(pending, updates=updates)
    assert pending.status == Ticket.Status.OPEN and updates == ["status"]
    assert event.kind == TicketEvent.Kind.STATUS_CHANGED and event.data == {"from": "pending", "to": "open"}
    assert actions.reopen_on_customer_message(open_ticket, updates=updates) is None
    assert updates == ["status"]
