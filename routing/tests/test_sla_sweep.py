"""The SLA sweep: clocks start at routing, pause on the customer, warn and breach exactly once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.testing import run_concurrently
from routing import config, jobs, sla_clocks
from routing.engine import route_ticket
from routing.models import Escalation, SlaClock, SlaPolicy, Thresholds
from routing.tests.factories import TriagedTicketFactory, agent_in, tier
from routing.workflow import install_default_workflow
from tickets import actions
from tickets.models import Notification, Ticket, TicketEvent


def routed(**fields) -> Ticket:
    ticket = TriagedTicketFactory(issue_type="account", **fields)
    route_ticket(ticket, trigger="message")
    return Ticket.objects.get(pk=ticket.pk)


def make_due(ticket: Ticket, kind=SlaClock.Kind.FIRST_RESPONSE, *, warn_only=False) -> None:
    past = timezone.now() - timedelta(minutes=1)
    values = {"warn_at": past} if warn_only else {"warn_at": past, "due_at": past}
    SlaClock.objects.filter(ticket=ticket, kind=kind).update(**values)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_escalate_a_breached_ticket_exactly_once():
    install_default_workflow()
    agent_in("specialist", username="spec")
    ticket = routed()
    make_due(ticket)
    run_concurrently(jobs.run_sla_sweep, jobs.run_sla_sweep)
    events = TicketEvent.objects.filter(ticket=ticket)
    assert events.filter(kind=TicketEvent.Kind.SLA_BREACHED, data__target="first_response").count() == 1
    assert Escalation.objects.filter(ticket=ticket, trigger=Escalation.Trigger.SLA).count() == 1
    ticket.refresh_from_db()
    assert ticket.tier == tier("specialist") and ticket.sla_breached
    jobs.run_sla_sweep()  # and once more, later: nothing new
    assert Escalation.objects.filter(ticket=ticket, trigger=Escalation.Trigger.SLA).count() == 1


pytestmark_db = pytest.mark.usefixtures("workflow")


@pytestmark_db
def test_routing_starts_first_response_and_resolution_clocks_mirrored_on_the_ticket():
    ticket = routed()
    kinds = set(SlaClock.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == {"first_response", "resolution"}
    first = SlaClock.objects.get(ticket=ticket, kind="first_response")
    assert ticket.first_response_due_at == first.due_at and ticket.sla_due_at == first.due_at
    assert first.started_at < first.warn_at < first.due_at


@pytestmark_db
def test_the_warning_fires_once_and_notifies_the_team():
    member = agent_in("general", username="gen")
    ticket = routed()
    make_due(ticket, warn_only=True)
    assert jobs.run_sla_sweep()["warned"] == 1
    assert jobs.run_sla_sweep()["warned"] == 0
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.SLA_WARNING).count() == 1
    assert Notification.objects.filter(recipient=member, kind=Notification.Kind.SLA, ticket=ticket).exists()


@pytestmark_db
def test_a_breach_raises_priority_and_the_policy_can_turn_escalation_off():
    SlaPolicy.objects.update(breach_escalate=False)
    config.drop_snapshot()  # a queryset update sends no signal
    ticket = routed()
    make_due(ticket)
    result = jobs.run_sla_sweep()
    assert result["breached"] == 1 and result["escalated"] == 0
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.HIGH and ticket.tier == tier("general") and ticket.sla_breached


@pytestmark_db
def test_internal_notes_never_stop_the_first_response_clock_but_a_reply_does(agent):
    ticket = routed()
    actions.add_internal_note(ticket, body="Checking with the warehouse", author=agent)
    jobs.run_sla_sweep()
    assert SlaClock.objects.get(ticket=ticket, kind="first_response").stopped_at is None
    actions.reply_to_ticket(ticket, body="On it!", author=agent, set_pending=False)
    jobs.run_sla_sweep()
    assert SlaClock.objects.get(ticket=ticket, kind="first_response").stopped_at is not None
    assert Ticket.objects.get(pk=ticket.pk).first_response_due_at is None


@pytestmark_db
def test_the_clock_pauses_while_waiting_on_the_customer_and_resumes_later():
    ticket = routed()
    resolution = SlaClock.objects.get(ticket=ticket, kind="resolution")
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.PENDING)
    jobs.run_sla_sweep()
    paused = SlaClock.objects.get(pk=resolution.pk)
    assert paused.paused_at is not None and Ticket.objects.get(pk=ticket.pk).sla_paused_at is not None
    # The customer answers three hours later (the clock's calendar is 24/7 for this check).
    SlaClock.objects.filter(pk=resolution.pk).update(paused_at=timezone.now() - timedelta(hours=3))
    ticket.team.calendar = None
    ticket.team.save(update_fields=["calendar"])
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.OPEN)
    jobs.run_sla_sweep()
    resumed = SlaClock.objects.get(pk=resolution.pk)
    assert resumed.paused_at is None
    assert resumed.paused_minutes == pytest.approx(180, abs=1)


@pytestmark_db
def test_changing_a_policy_recalculates_open_tickets():
    ticket = routed()
    before = SlaClock.objects.get(ticket=ticket, kind="first_response").due_at
    policy = SlaPolicy.objects.get(tier__slug="general", priority=None, for_vip=False)
    policy.first_response_minutes = 30
    policy.save()
    jobs.recalculate_sla_dues()
    after = SlaClock.objects.get(ticket=ticket, kind="first_response").due_at
    assert after < before
    assert Ticket.objects.get(pk=ticket.pk).first_response_due_at == after


@pytestmark_db
def test_the_warning_share_comes_from_thresholds():
    thresholds = Thresholds.current()
    thresholds.sla_warning_share = "0.50"
    thresholds.save()
    ticket = routed()
    clock = SlaClock.objects.get(ticket=ticket, kind="first_response")
    calendar = sla_clocks.calendar_for_team(ticket.team_id)
    from routing.sla import business_minutes_between

    assert business_minutes_between(clock.started_at, clock.warn_at, calendar) == pytest.approx(
        clock.target_minutes * 0.5, abs=0.01
    )


@pytestmark_db
def test_routing_after_the_customer_answers_resumes_the_clock_at_once():
    ticket = routed()
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.PENDING)
    jobs.run_sla_sweep()
    SlaClock.objects.filter(ticket=ticket).update(paused_at=timezone.now() - timedelta(hours=1))
    ticket.team.calendar = None
    ticket.team.save(update_fields=["calendar"])
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.OPEN, last_customer_message_at=timezone.now()
    )
    route_ticket(ticket, trigger="message")
    resolution = SlaClock.objects.get(ticket=ticket, kind="resolution")
    assert resolution.paused_at is None and resolution.paused_minutes == pytest.approx(60, abs=1)
    assert Ticket.objects.get(pk=ticket.pk).sla_paused_at is None
