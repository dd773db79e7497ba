"""Snooze: until a time or a customer reply, hidden from working views, SLA paused, wakes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from routing import jobs, sla_clocks
from routing.engine import route_ticket
from routing.models import BusinessCalendar, SlaClock
from routing.tests.factories import TriagedTicketFactory
from routing.workflow import install_default_workflow
from tickets import intake, queries, snooze
from tickets.jobs import wake_snoozed_tickets
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id").values_list("kind", flat=True))


def test_snoozing_until_a_time_records_it_and_moves_the_ticket_to_the_snoozed_view(manager):
    ticket = TicketFactory()
    other = TicketFactory()
    until = timezone.now() + timedelta(hours=2)
    snooze.snooze_ticket(ticket, actor=manager, until=until)

    ticket.refresh_from_db()
    assert ticket.snoozed_at is not None and ticket.snoozed_until == until
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.SNOOZED)
    assert event.actor == manager and event.data["until_reply"] is False
    assert event.data["until"].startswith(until.strftime("%Y-%m-%dT%H:%M:%S"))
    working = set(queries.inbox_for(manager, "all").values_list("pk", flat=True))
    assert ticket.pk not in working and other.pk in working
    assert list(queries.inbox_for(manager, "snoozed").values_list("pk", flat=True)) == [ticket.pk]
    counts = queries.view_counts(manager)
    assert counts["snoozed"] == 1 and counts["all"] == 1


@pytest.mark.parametrize(
    "delta, message",
    [
        (timedelta(minutes=-5), "at least a minute from now"),
        (timedelta(seconds=20), "at least a minute from now"),
        (timedelta(days=91), "at most 90 days"),
    ],
)
def test_a_wake_up_time_in_the_past_or_too_far_is_refused_naming_the_field(manager, delta, message):
    ticket = TicketFactory()
    with pytest.raises(InvalidInput, match=message) as refused:
        snooze.snooze_ticket(ticket, actor=manager, until=timezone.now() + delta)
    assert refused.value.field == "until"
    ticket.refresh_from_db()
    assert ticket.snoozed_at is None and not TicketEvent.objects.filter(ticket=ticket).exists()


def test_only_open_tickets_snooze_and_only_support_staff_snooze(manager):
    with pytest.raises(IllegalTransition, match="only open tickets snooze"):
        snooze.snooze_ticket(TicketFactory(resolved=True), actor=manager, until=None)
    integration = UserFactory(username="shop-integration", roles=[])
    with pytest.raises(NotAllowed):
        snooze.snooze_ticket(TicketFactory(), actor=integration, until=None)


def test_a_snoozed_ticket_wakes_on_time_once_via_the_scheduled_job(manager):
    due = TicketFactory()
    later = TicketFactory()
    now = timezone.now()
    snooze.snooze_ticket(due, actor=manager, until=now + timedelta(minutes=5), now=now)
    snooze.snooze_ticket(later, actor=manager, until=now + timedelta(hours=5), now=now)
    snooze.snooze_ticket(TicketFactory(), actor=manager, until=None, now=now)  # until a reply: never by time

    assert snooze.wake_due_snoozes(now + timedelta(minutes=6)) == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.snoozed_at is None and due.snoozed_until is None
    assert later.snoozed_at is not None
    woke = TicketEvent.objects.get(ticket=due, kind=TicketEvent.Kind.UNSNOOZED)
    assert woke.data["reason"] == "time" and woke.data["snoozed_minutes"] == 6.0
    assert snooze.wake_due_snoozes(now + timedelta(minutes=7)) == 0
    assert wake_snoozed_tickets() == 0  # the scheduled job: nothing due yet at the real time
    assert due.pk in set(queries.inbox_for(manager, "all").values_list("pk", flat=True))


def test_the_wake_sweep_is_set_based(manager, django_assert_max_num_queries):
    now = timezone.now()
    for _ in range(5):
        snooze.snooze_ticket(TicketFactory(), actor=manager, until=now + timedelta(minutes=2), now=now)
    with django_assert_max_num_queries(6):  # savepoint, UPDATE..RETURNING, INSERT events, release
        assert snooze.wake_due_snoozes(now + timedelta(minutes=3)) == 5


def test_a_customer_reply_wakes_a_snoozed_ticket_in_intake(manager):
    ticket = TicketFactory(channel="chat", thread_key="chat-42")
    snooze.snooze_ticket(ticket, actor=manager, until=None)
    result = intake.receive(
        intake.InboundMessage(
            channel="chat",
            sender=intake.Sender(email=ticket.customer.email),
            body="Any news?",
            external_id="chat-msg-2",
            thread_key="chat-42",
        )
    )
    assert result.ticket.pk == ticket.pk
    ticket.refresh_from_db()
    assert ticket.snoozed_at is None
    woke = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.UNSNOOZED)
    assert woke.data["reason"] == "customer_replied" and woke.actor_kind == "customer"


def test_waking_by_hand_brings_it_back(manager):
    ticket = TicketFactory()
    snooze.snooze_ticket(ticket, actor=manager, until=timezone.now() + timedelta(hours=1))
    snooze.unsnooze_ticket(ticket, actor=manager)
    ticket.refresh_from_db()
    assert ticket.snoozed_at is None
    assert kinds(ticket)[-2:] == ["snoozed", "unsnoozed"]
    snooze.unsnooze_ticket(ticket, actor=manager)  # not snoozed: nothing more recorded
    assert kinds(ticket).count("unsnoozed") == 1


def test_the_sla_clocks_pause_while_snoozed_and_the_snoozed_time_is_not_counted(
    manager, django_capture_on_commit_callbacks
):
    install_default_workflow()
    # Open around the clock, so the thirty minutes below count whatever hour the test runs at.
    BusinessCalendar.objects.update(always_open=True)
    sla_clocks.forget_calendars()
    ticket = TriagedTicketFactory(issue_type="account")
    route_ticket(ticket, trigger="message")
    ticket = Ticket.objects.get(pk=ticket.pk)
    clocks = {c.kind: c for c in SlaClock.objects.filter(ticket=ticket)}
    assert clocks and all(c.paused_at is None for c in clocks.values())
    due_before = {kind: c.due_at for kind, c in clocks.items()}

    with django_capture_on_commit_callbacks(execute=True):  # routing's subscriber pauses the clocks
        snooze.snooze_ticket(ticket, actor=manager, until=None)
    assert all(c.paused_at is not None for c in SlaClock.objects.filter(ticket=ticket))
    ticket.refresh_from_db()
    assert ticket.sla_paused_at is not None and ticket.sla_due_at is None

    jobs.run_sla_sweep()  # the sweep keeps a snoozed ticket's clocks paused (it resumes open ones)
    assert all(c.paused_at is not None for c in SlaClock.objects.filter(ticket=ticket))
    sla_clocks.recalculate_open()  # and so does re-applying the policies
    assert all(c.paused_at is not None for c in SlaClock.objects.filter(ticket=ticket))

    # Thirty minutes asleep, then woken: every target moves by those thirty minutes.
    SlaClock.objects.filter(ticket=ticket).update(paused_at=timezone.now() - timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        snooze.unsnooze_ticket(ticket, actor=manager)
    for clock in SlaClock.objects.filter(ticket=ticket):
        assert clock.paused_at is None
        shift = (clock.due_at - due_before[clock.kind]).total_seconds() / 60
        assert 29.9 <= shift <= 30.5, (clock.kind, shift)
    ticket.refresh_from_db()
    assert ticket.sla_paused_at is None and ticket.sla_due_at is not None


def test_resolving_a_snoozed_ticket_ends_the_snooze(manager):
    from tickets import actions
    from tickets.models import RootCause

    ticket = TicketFactory()
    snooze.snooze_ticket(ticket, actor=manager, until=None)
    actions.resolve_ticket(
        ticket,
        actor=manager,
        resolution_method=Ticket.ResolutionMethod.INFORMATION,
        root_cause=RootCause.objects.create(name="Question"),
    )
    ticket.refresh_from_db()
    assert ticket.snoozed_at is None and ticket.status == Ticket.Status.RESOLVED
    woke = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.UNSNOOZED)
    assert woke.data["reason"] == "resolved"


def test_snooze_and_wake_are_webhook_events(manager, django_capture_on_commit_callbacks):
    from followups.models import WebhookDelivery
    from followups.tests.factories import WebhookSubscriptionFactory

    WebhookSubscriptionFactory(events=["ticket.snoozed", "ticket.unsnoozed"])
    ticket = TicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        snooze.snooze_ticket(ticket, actor=manager, until=None)
        snooze.unsnooze_ticket(ticket, actor=manager)
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "ticket.snoozed",
        "ticket.unsnoozed",
    ]


def test_a_customer_reply_to_a_snoozed_ticket_resumes_its_sla_clocks_through_the_pipeline(
    manager, django_capture_on_commit_callbacks
):
    install_default_workflow()
    ticket = TriagedTicketFactory(issue_type="account")
    route_ticket(ticket, trigger="message")
    with django_capture_on_commit_callbacks(execute=True):
        snooze.snooze_ticket(ticket, actor=manager, until=None)
    assert all(c.paused_at is not None for c in SlaClock.objects.filter(ticket=ticket))

    with django_capture_on_commit_callbacks(execute=True):  # intake, then the pipeline, inline
        intake.receive(
            intake.InboundMessage(
                channel="email",
                sender=intake.Sender(email=ticket.customer.email),
                body="Hello? Any news on my account?",
                external_id="<wake@x>",
                ticket_id=ticket.pk,
            )
        )
    ticket.refresh_from_db()
    assert ticket.snoozed_at is None
    running = SlaClock.objects.filter(ticket=ticket, stopped_at__isnull=True)
    assert running.exists() and all(c.paused_at is None for c in running)


def test_a_snoozed_ticket_is_not_handed_to_an_agent_until_it_wakes(manager):
    from routing.assignment import fill_team
    from routing.tests.factories import agent_in, tier

    install_default_workflow()
    general = tier("general")
    agent = agent_in("general", username="free-agent")
    ticket = TicketFactory(team=general.team, tier=general)
    snooze.snooze_ticket(ticket, actor=manager, until=None)
    assert fill_team(general.team) == 0
    snooze.unsnooze_ticket(ticket, actor=manager)
    assert fill_team(general.team) == 1
    ticket.refresh_from_db()
    assert ticket.assignee == agent
