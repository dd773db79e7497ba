"""Merge and split: what moves, what is refused, undo within the minute, concurrent merges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from helpdesk.testing import run_concurrently
from routing.models import AgentProfile
from tickets import intake, merging
from tickets.models import Message, Ticket, TicketEvent, TicketMerge, TicketSplit
from tickets.tests.conftest import default_org
from tickets.tests.factories import (
    CustomerFactory,
    EventFactory,
    MessageFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(customer):
    """Two open tickets of one customer, each with messages and an event."""
    earlier = timezone.now() - timedelta(hours=3)
    source = TicketFactory(
        customer=customer, subject="Parcel late", tags=["delivery"], thread_key="", with_message=False
    )
    target = TicketFactory(customer=customer, subject="Where is my order", tags=["order"], with_message=False)
    MessageFactory(ticket=source, body="My parcel is late", external_id="<s1@x>", created_at=earlier)
    MessageFactory(ticket=source, body="Still nothing", external_id="<s2@x>")
    MessageFactory(ticket=target, body="Where is order 1001?", external_id="<t1@x>")
    EventFactory(ticket=source, kind=TicketEvent.Kind.CREATED)
    EventFactory(ticket=target, kind=TicketEvent.Kind.CREATED)
    source.last_customer_message_at = timezone.now()
    source.save(update_fields=["last_customer_message_at"])
    return Ticket.objects.get(pk=source.pk), Ticket.objects.get(pk=target.pk)


def state(ticket: Ticket) -> dict:
    ticket = Ticket.objects.get(pk=ticket.pk)
    return {
        "status": ticket.status,
        "stage": ticket.stage,
        "closed_at": ticket.closed_at,
        "resolution_method": ticket.resolution_method,
        "merged_into": ticket.merged_into_id,
        "tags": ticket.tags,
        "last_customer_message_at": ticket.last_customer_message_at,
        "last_agent_message_at": ticket.last_agent_message_at,
        "messages": sorted(ticket.messages.values_list("pk", flat=True)),
        "events": sorted(ticket.events.exclude(kind__startswith="ticket_").values_list("pk", flat=True)),
    }


# --- merge ---------------------------------------------------------------------------------------


def test_merge_moves_messages_and_events_and_closes_the_source_as_merged(pair, manager):
    source, target = pair
    source_messages = set(source.messages.values_list("pk", flat=True))
    source_events = set(source.events.values_list("pk", flat=True))

    merge = merging.merge_tickets(source, into=target, actor=manager)

    assert set(target.messages.values_list("pk", flat=True)) >= source_messages
    assert not Message.objects.filter(ticket=source).exists()
    assert set(target.events.values_list("pk", flat=True)) >= source_events
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Ticket.Status.CLOSED and source.merged_into == target
    assert source.resolution_method == Ticket.ResolutionMethod.DUPLICATE
    assert target.tags == ["delivery", "order"] and target.is_open
    assert target.last_customer_message_at == source.last_customer_message_at
    for ticket, role in ((source, "source"), (target, "target")):
        event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.TICKET_MERGED)
        assert event.actor == manager and event.data["role"] == role
        assert event.data["merge_id"] == merge.pk and event.data["messages"] == 2


def test_merging_tickets_of_different_customers_is_refused_and_changes_nothing(pair, manager):
    source, _ = pair
    stranger = TicketFactory(customer=CustomerFactory(email="someone.else@example.org"))
    before = state(source), state(stranger)
    with pytest.raises(InvalidInput, match="belong to different customers") as refused:
        merging.merge_tickets(source, into=stranger, actor=manager)
    assert refused.value.field == "target"
    assert (state(source), state(stranger)) == before
    assert not TicketMerge.objects.exists()


def test_merge_refusals_name_the_problem(pair, manager):
    source, target = pair
    with pytest.raises(InvalidInput, match="into itself"):
        merging.merge_tickets(source, into=source, actor=manager)
    closed = TicketFactory(customer=source.customer, closed=True)
    with pytest.raises(IllegalTransition, match="is closed; reopen it"):
        merging.merge_tickets(source, into=closed, actor=manager)
    merging.merge_tickets(source, into=target, actor=manager)
    with pytest.raises(IllegalTransition, match="already merged"):
        merging.merge_tickets(source, into=target, actor=manager)
    with pytest.raises(IllegalTransition, match="merge into that one"):
        merging.merge_tickets(target, into=source, actor=manager)
    with pytest.raises(NotAllowed):
        merging.merge_tickets(target, into=closed, actor=UserFactory(username="integration", roles=[]))


def test_an_agent_cannot_merge_into_a_ticket_outside_their_queue(pair):
    source, target = pair
    agent = UserFactory(username="queue-agent", roles=["agent"])
    Ticket.objects.filter(pk=source.pk).update(assignee=agent)  # the agent sees the source only
    before = state(source), state(target)
    with pytest.raises(NotAllowed, match="tickets of your queue"):
        merging.merge_tickets(Ticket.objects.get(pk=source.pk), into=target, actor=agent)
    assert (state(source), state(target)) == before
    assert not TicketMerge.objects.exists()


def test_a_held_reply_blocks_the_merge(pair, manager):
    source, target = pair
    MessageFactory(ticket=source, direction="outbound", author_kind="agent", delivery_status="held")
    with pytest.raises(IllegalTransition, match="held for approval"):
        merging.merge_tickets(source, into=target, actor=manager)


def test_a_reply_through_the_merged_ticket_s_thread_lands_on_the_target(pair, manager):
    source, target = pair
    merging.merge_tickets(source, into=target, actor=manager)
    reply = intake.receive(
        intake.InboundMessage(
            channel="email",
            sender=intake.Sender(email=source.customer.email),
            body="Any news?",
            external_id="<s3@x>",
            ticket_id=source.pk,  # the source's reply address
        )
    )
    assert reply.ticket.pk == target.pk and not reply.new_ticket


def test_undo_within_the_minute_restores_both_tickets_exactly(pair, manager):
    source, target = pair
    before = state(source), state(target)
    merge = merging.merge_tickets(source, into=target, actor=manager)

    merging.undo_merge(merge, actor=manager, now=merge.created_at + timedelta(seconds=59))

    assert (state(source), state(target)) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.TICKET_MERGE_UNDONE).count() == 2
    with pytest.raises(IllegalTransition, match="already undone"):
        merging.undo_merge(merge, actor=manager)


def test_undo_after_the_minute_is_refused_and_the_merge_stands(pair, manager):
    source, target = pair
    merge = merging.merge_tickets(source, into=target, actor=manager)
    with pytest.raises(merging.UndoExpired, match="within 60 seconds"):
        merging.undo_merge(merge, actor=manager, now=merge.created_at + timedelta(seconds=61))
    source.refresh_from_db()
    assert source.merged_into == target and not source.messages.exists()


def test_only_the_author_or_a_senior_undoes_a_merge(pair, manager):
    source, target = pair
    merge = merging.merge_tickets(source, into=target, actor=manager)
    with pytest.raises(NotAllowed, match="who made the merge"):
        merging.undo_merge(merge, actor=UserFactory(username="other-agent", roles=["agent"]))
    merging.undo_merge(merge, actor=UserFactory(username="a-senior", roles=["senior agent"]))


@pytest.mark.django_db(transaction=True)
def test_two_agents_merging_the_same_pair_both_ways_at_once_end_with_one_merge():
    customer = CustomerFactory()
    agents = [UserFactory(username=f"merger-{n}", roles=["agent"]) for n in range(2)]
    # Both tickets sit in the two agents' team queue, so each agent may work on both.
    team = default_org()["frontline"]
    first, second = (TicketFactory(customer=customer, team=team) for _ in range(2))
    for agent in agents:
        AgentProfile.objects.create(user=agent, team=team)

    def attempt(source, target, actor):
        def call():
            try:
                return merging.merge_tickets(source, into=target, actor=actor)
            except IllegalTransition as refused:
                return refused

        return call

    results = run_concurrently(attempt(first, second, agents[0]), attempt(second, first, agents[1]))

    assert sum(isinstance(r, TicketMerge) for r in results) == 1
    assert sum(isinstance(r, IllegalTransition) for r in results) == 1
    assert TicketMerge.objects.count() == 1
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 1


# --- split ---------------------------------------------------------------------------------------


def test_split_moves_the_chosen_messages_into_a_new_ticket_of_the_same_customer(pair, manager):
    source, _ = pair
    moving = source.messages.order_by("created_at").last()
    split = merging.split_ticket(source, message_ids=[moving.pk], actor=manager, subject="Second parcel")

    created = split.created
    assert created.customer == source.customer and created.subject == "Second parcel"
    assert list(created.messages.values_list("pk", flat=True)) == [moving.pk]
    assert created.is_open and created.first_message_at == moving.created_at
    assert source.messages.count() == 1
    for ticket, role in ((source, "source"), (created, "new")):
        event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.TICKET_SPLIT)
        assert event.data["role"] == role and event.data["message_ids"] == [moving.pk]


def test_split_refusals_name_the_problem(pair, manager):
    source, target = pair
    with pytest.raises(InvalidInput, match="Choose the messages"):
        merging.split_ticket(source, message_ids=[], actor=manager)
    with pytest.raises(InvalidInput, match="is not on"):
        merging.split_ticket(source, message_ids=[target.messages.first().pk], actor=manager)
    with pytest.raises(InvalidInput, match="Leave at least one message"):
        merging.split_ticket(source, message_ids=source.messages.values_list("pk", flat=True), actor=manager)
    assert not TicketSplit.objects.exists()


def test_undo_split_within_the_minute_puts_the_messages_back_and_removes_the_new_ticket(pair, manager):
    source, _ = pair
    before = state(source)
    split = merging.split_ticket(source, message_ids=[source.messages.last().pk], actor=manager)
    created_id = split.created_id

    merging.undo_split(split, actor=manager, now=split.created_at + timedelta(seconds=30))

    assert state(source) == before
    assert not Ticket.objects.filter(pk=created_id).exists()
    undone = TicketEvent.objects.get(ticket=source, kind=TicketEvent.Kind.TICKET_SPLIT_UNDONE)
    assert undone.data["deleted_ticket"] == f"HD-{created_id}"


def test_undo_split_after_the_minute_or_after_a_new_message_is_refused(pair, manager):
    source, _ = pair
    split = merging.split_ticket(source, message_ids=[source.messages.last().pk], actor=manager)
    with pytest.raises(merging.UndoExpired):
        merging.undo_split(split, actor=manager, now=split.created_at + timedelta(minutes=2))
    MessageFactory(ticket=split.created, body="A new question on the split ticket")
    with pytest.raises(IllegalTransition, match="new messages since the split"):
        merging.undo_split(split, actor=manager)
    assert Ticket.objects.filter(pk=split.created_id).exists()


def test_a_pending_approval_blocks_the_merge(pair, manager):
    from decimal import Decimal

    from routing import approvals

    source, target = pair
    approvals.request_approval(
        source, requested_by=manager, amount=Decimal("80"), reason="Goodwill refund", role="manager"
    )
    with pytest.raises(IllegalTransition, match="pending approval"):
        merging.merge_tickets(source, into=target, actor=manager)


def test_a_ticket_split_off_a_routed_one_gets_its_own_sla_clocks(manager, django_capture_on_commit_callbacks):
    from routing.engine import route_ticket
    from routing.models import SlaClock
    from routing.tests.factories import TriagedTicketFactory
    from routing.workflow import install_default_workflow

    install_default_workflow()
    ticket = TriagedTicketFactory(issue_type="account")
    MessageFactory(ticket=ticket, body="And a second, different question")
    route_ticket(ticket, trigger="message")
    ticket.refresh_from_db()
    moving = ticket.messages.order_by("created_at", "id").last()
    with django_capture_on_commit_callbacks(execute=True):
        split = merging.split_ticket(ticket, message_ids=[moving.pk], actor=manager)
    created = Ticket.objects.get(pk=split.created_id)
    assert created.tier_id == ticket.tier_id and created.team_id == ticket.team_id
    assert SlaClock.objects.filter(ticket=created, kind="first_response").exists()
    assert created.sla_due_at is not None
    merging.undo_split(split, actor=manager)  # its clocks and routing rows go with it
    assert not Ticket.objects.filter(pk=created.pk).exists()
    assert not SlaClock.objects.filter(ticket_id=created.pk).exists()
