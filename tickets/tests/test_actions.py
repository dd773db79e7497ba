"""Actions: each state change validates, saves, and writes its event."""

from decimal import Decimal
from functools import partial

import pytest

from helpdesk.errors import IllegalTransition, InvalidInput
from helpdesk.testing import run_concurrently
from tickets import actions, intake
from tickets.models import CustomerIdentity, Message, RootCause, Ticket, TicketEvent
from tickets.tests.factories import (
    CustomerFactory,
    IdentityFactory,
    OrderFactory,
    RootCauseFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.values_list("kind", flat=True))


def test_a_reply_is_the_first_response_and_waits_for_the_customer(open_ticket, agent):
    message = actions.reply_to_ticket(open_ticket, body="  It ships today.  ", author=agent)
    open_ticket.refresh_from_db()
    assert message.body == "It ships today." and message.delivery_status != Message.Delivery.HELD
    assert open_ticket.first_response_at is not None
    assert open_ticket.status == Ticket.Status.PENDING
    assert open_ticket.stage == Ticket.Stage.AWAITING_CUSTOMER
    assert kinds(open_ticket) == ["status_changed", "stage_changed", "reply_sent"]


def test_a_second_reply_keeps_the_first_response_time(open_ticket, agent):
    actions.reply_to_ticket(open_ticket, body="One", author=agent)
    first = Ticket.objects.get(pk=open_ticket.pk).first_response_at
    actions.reply_to_ticket(open_ticket, body="Two", author=agent)
    assert Ticket.objects.get(pk=open_ticket.pk).first_response_at == first


def test_a_reply_to_a_closed_ticket_is_refused(agent):
    ticket = TicketFactory(closed=True)
    with pytest.raises(actions.TicketClosed):
        actions.reply_to_ticket(ticket, body="Hello", author=agent)
    assert not Message.objects.filter(direction="outbound").exists()


def test_an_empty_reply_names_the_body(open_ticket, agent):
    with pytest.raises(InvalidInput) as error:
        actions.reply_to_ticket(open_ticket, body=" ", author=agent)
    assert error.value.field == "body"


def test_an_internal_note_never_counts_as_a_response(open_ticket, agent):
    note = actions.add_internal_note(open_ticket, body="Called the carrier.", author=agent)
    open_ticket.refresh_from_db()
    assert note.is_internal and not note.is_public_reply
    assert open_ticket.first_response_at is None and open_ticket.status == Ticket.Status.OPEN
    assert kinds(open_ticket) == ["note_added"]


def test_assigning_and_unassigning_record_events_and_move_the_stage(open_ticket, agent, manager):
    actions.assign_ticket(open_ticket, agent=agent, actor=manager)
    open_ticket.refresh_from_db()
    assert open_ticket.assignee == agent and open_ticket.stage == Ticket.Stage.ASSIGNED
    actions.assign_ticket(open_ticket, agent=agent, actor=manager)  # no-op: same agent
    actions.assign_ticket(open_ticket, agent=None, actor=manager)
    open_ticket.refresh_from_db()
    assert open_ticket.assignee is None and open_ticket.stage == Ticket.Stage.QUEUED
    assert kinds(open_ticket) == ["assigned", "stage_changed", "unassigned", "stage_changed"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claims_leave_one_assignee_and_two_events():
    ticket = TicketFactory()
    first, second = (
        UserFactory(username="first", roles=["agent"]),
        UserFactory(username="second", roles=["agent"]),
    )
    run_concurrently(
        *(partial(actions.assign_ticket, ticket, agent=user, actor=user) for user in (first, second))
    )
    ticket.refresh_from_db()
    assigned = list(ticket.events.filter(kind="assigned").order_by("id").values_list("data", flat=True))
    assert len(assigned) == 2
    assert assigned[1]["previous_agent_id"] == assigned[0]["agent_id"]
    assert ticket.assignee_id == assigned[1]["agent_id"]


def test_priority_changes_are_recorded_and_checked(open_ticket, agent):
    actions.change_priority(open_ticket, priority=Ticket.Priority.URGENT, actor=agent, reason="VIP")
    event = open_ticket.events.get(kind="priority_changed")
    assert event.data == {"from": 2, "to": 4, "reason": "VIP"}
    with pytest.raises(InvalidInput) as error:
        actions.change_priority(open_ticket, priority=9, actor=agent)
    assert error.value.field == "priority"


def test_status_moves_between_open_and_pending_only(open_ticket, agent):
    actions.change_status(open_ticket, status=Ticket.Status.PENDING, actor=agent)
    assert Ticket.objects.get(pk=open_ticket.pk).status == Ticket.Status.PENDING
    with pytest.raises(InvalidInput):
        actions.change_status(open_ticket, status=Ticket.Status.RESOLVED, actor=agent)
    with pytest.raises(IllegalTransition):
        actions.change_status(TicketFactory(resolved=True), status=Ticket.Status.OPEN, actor=agent)


def test_resolving_needs_a_method_and_a_root_cause(open_ticket, agent):
    with pytest.raises(InvalidInput) as error:
        actions.resolve_ticket(open_ticket, actor=agent, resolution_method="magic")
    assert error.value.field == "resolution_method"
    with pytest.raises(InvalidInput) as error:
        actions.resolve_ticket(open_ticket, actor=agent, resolution_method="refund")
    assert error.value.field == "root_cause"
    assert Ticket.objects.get(pk=open_ticket.pk).status == Ticket.Status.OPEN


def test_resolving_with_a_new_root_cause_name_creates_it_and_logs_it(open_ticket, agent):
    actions.resolve_ticket(
        open_ticket, actor=agent, resolution_method="replacement", root_cause_name=" Damaged in transit "
    )
    open_ticket.refresh_from_db()
    assert open_ticket.status == Ticket.Status.RESOLVED and open_ticket.resolved_at
    assert open_ticket.root_cause == RootCause.objects.get(name="Damaged in transit")
    event = open_ticket.events.get(kind="resolved")
    assert event.data["root_cause"] == "Damaged in transit"
    assert event.data["resolution_method"] == "replacement"
    with pytest.raises(IllegalTransition):
        actions.resolve_ticket(
            open_ticket, actor=agent, resolution_method="refund", root_cause=RootCauseFactory()
        )


def test_reopen_then_close_follow_the_lifecycle(open_ticket, agent):
    with pytest.raises(IllegalTransition):
        actions.close_ticket(open_ticket, actor=agent)
    actions.resolve_ticket(
        open_ticket, actor=agent, resolution_method="refund", root_cause=RootCauseFactory()
    )
    actions.reopen_ticket(open_ticket, actor=None, reason="customer_replied", actor_kind="customer")
    open_ticket.refresh_from_db()
    assert open_ticket.status == Ticket.Status.OPEN and open_ticket.reopen_count == 1
    assert open_ticket.resolved_at is None
    actions.resolve_ticket(
        open_ticket, actor=agent, resolution_method="refund", root_cause=RootCauseFactory()
    )
    actions.close_ticket(open_ticket, actor=agent, reason="csat_good")
    actions.close_ticket(open_ticket, actor=agent)  # closing twice is a no-op
    open_ticket.refresh_from_db()
    assert open_ticket.status == Ticket.Status.CLOSED and open_ticket.stage == Ticket.Stage.CLOSED
    lifecycle = [k for k in kinds(open_ticket) if k in {"resolved", "reopened", "closed"}]
    assert lifecycle == ["resolved", "reopened", "resolved", "closed"]


def test_reopening_an_open_ticket_for_recovery_only_flags_it(open_ticket):
    actions.reopen_ticket(open_ticket, actor=None, reason="bad_csat", recovery=True)
    open_ticket.refresh_from_db()
    assert open_ticket.needs_recovery and open_ticket.reopen_count == 0
    assert kinds(open_ticket) == []


def test_merging_customers_moves_tickets_identities_and_orders_and_loses_nothing(manager):
    into = CustomerFactory(email="", phone="+4915100000", lifetime_value=Decimal("40"), tags=["b2b"])
    source = CustomerFactory(
        email="gil@example.org", name="Gil", lifetime_value=Decimal("900"), order_count=7, tags=["vip"]
    )
    IdentityFactory(customer=source)
    IdentityFactory(customer=source, channel="social", handle="@gil")
    IdentityFactory(customer=into, channel="sms", handle="+4915100000")
    tickets = [TicketFactory(customer=source), TicketFactory(customer=source), TicketFactory(customer=into)]
    order = OrderFactory(customer=source)
    messages_before = Message.objects.count()

    result = actions.merge_customers(source, into=into, actor=manager)

    source.refresh_from_db()
    assert result == into and source.merged_into == into
    assert set(into.tickets.values_list("pk", flat=True)) == {t.pk for t in tickets}
    assert set(CustomerIdentity.objects.filter(customer=into).values_list("handle", flat=True)) == {
        "gil@example.org",
        "@gil",
        "+4915100000",
    }
    assert list(into.orders.all()) == [order]
    into.refresh_from_db()
    assert into.lifetime_value == Decimal("900") and into.order_count == 7
    assert into.tags == ["b2b", "vip"] and into.email == "gil@example.org"
    assert Message.objects.count() == messages_before
    assert TicketEvent.objects.filter(kind="merged").count() == 2
    later = intake.receive(
        intake.InboundMessage(
            channel="social", sender=intake.Sender(handle="@gil"), body="Hi again", external_id="x"
        )
    )
    assert later.ticket.customer == into


def test_a_customer_cannot_be_merged_into_itself_or_twice(manager):
    source, into, other = CustomerFactory(), CustomerFactory(), CustomerFactory()
    with pytest.raises(InvalidInput):
        actions.merge_customers(source, into=source, actor=manager)
    actions.merge_customers(source, into=into, actor=manager)
    with pytest.raises(IllegalTransition):
        actions.merge_customers(source, into=other, actor=manager)


def test_intake_resolves_a_merged_customer_to_the_surviving_one(manager):
    source = CustomerFactory(email="old@example.org")
    into = CustomerFactory(email="new@example.org")
    actions.merge_customers(source, into=into, actor=manager)
    result = intake.receive(
        intake.InboundMessage(
            channel="email", sender=intake.Sender(email="old@example.org"), body="Hi", external_id="y"
        )
    )
    assert result.ticket.customer == into


def test_set_stage_moves_the_stage_and_records_it(open_ticket, agent):
    open_ticket.stage = Ticket.Stage.RECEIVED
    open_ticket.save(update_fields=["stage"])
    actions.set_stage(open_ticket, stage=Ticket.Stage.QUEUED, actor=agent)
    assert open_ticket.stage == Ticket.Stage.QUEUED
    assert Ticket.objects.get(pk=open_ticket.pk).stage == Ticket.Stage.QUEUED
    event = open_ticket.events.get(kind=TicketEvent.Kind.STAGE_CHANGED)
    assert event.data == {"from": Ticket.Stage.RECEIVED, "to": Ticket.Stage.QUEUED} and event.actor == agent


def test_set_stage_to_the_same_stage_records_nothing(open_ticket):
    actions.set_stage(open_ticket, stage=open_ticket.stage)
    assert not open_ticket.events.filter(kind=TicketEvent.Kind.STAGE_CHANGED).exists()


def test_set_stage_refuses_an_unknown_stage(open_ticket):
    with pytest.raises(InvalidInput) as error:
        actions.set_stage(open_ticket, stage="limbo")
    assert error.value.field == "stage"
