"""The demo seed gives resolved tickets consistent, backdated follow-ups and CSAT answers."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from demo.followups import seed_followups
from followups.models import CsatResponse, FollowUp
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_seeded_followups_are_sent_when_due_and_answers_come_after():
    long_ago = timezone.now() - timedelta(days=10)
    tickets = [TicketFactory(resolved=True, resolved_at=long_ago) for _ in range(12)]
    recent = TicketFactory(resolved=True)
    seeded = seed_followups([t.pk for t in [*tickets, recent]], random.Random(7))
    assert seeded == 12
    # A low score reopened the ticket; long ago, so it was recovered and got its own check-in.
    recovered = TicketEvent.objects.filter(kind=TicketEvent.Kind.REOPENED, ticket__in=tickets).count()
    assert FollowUp.objects.filter(status="sent").count() == 12 + recovered
    assert recovered and not Ticket.objects.filter(pk__in=[t.pk for t in tickets], status="open").exists()
    assert FollowUp.objects.get(ticket=recent).status == "scheduled"
    answers = list(CsatResponse.objects.select_related("followup"))
    assert answers, "a 45% answer rate over 12 tickets with this seed gives some answers"
    for answer in answers:
        assert answer.followup.sent_at < answer.created_at <= timezone.now()
        assert answer.followup.sent_at == long_ago + timedelta(hours=48)
    late = TicketEvent.objects.filter(ticket__in=tickets, at__gt=timezone.now() - timedelta(minutes=5))
    assert not late.exists()


def test_seeding_twice_adds_nothing():
    ticket = TicketFactory(resolved=True, resolved_at=timezone.now() - timedelta(days=5))
    seed_followups([ticket.pk], random.Random(1))
    assert seed_followups([ticket.pk], random.Random(1)) == 0
    assert FollowUp.objects.count() == 1


def test_the_widget_demo_page_embeds_the_seeded_site(client, agent, settings):
    settings.SITE_URL = "http://testserver"
    from demo.followups import seed_channels

    site = seed_channels()
    client.force_login(agent)
    page = client.get("/followups/widget-demo/")
    assert page.status_code == 200 and f'data-key="{site.key}"'.encode() in page.content


def test_a_followup_the_pipeline_scheduled_during_seeding_is_the_one_sent():
    ticket = TicketFactory(resolved=True, resolved_at=timezone.now() - timedelta(days=4))
    from followups import actions

    scheduled = actions.schedule_followup(ticket, now=ticket.resolved_at)
    seed_followups([ticket.pk], random.Random(3))
    assert list(FollowUp.objects.values_list("pk", "status")) == [(scheduled.pk, "sent")]


def test_a_closed_tickets_due_followup_is_recorded_as_sent_not_mailed_later():
    from followups import actions
    from tickets import actions as ticket_actions

    ticket = TicketFactory(resolved=True, resolved_at=timezone.now() - timedelta(days=4))
    scheduled = actions.schedule_followup(ticket, now=ticket.resolved_at)
    ticket_actions.close_ticket(ticket, actor=None, reason="no reply after follow-up")
    seed_followups([ticket.pk], random.Random(3))
    scheduled.refresh_from_db()
    assert scheduled.status == "sent" and scheduled.sent_at == scheduled.due_at
    assert actions.send_due_followups() == 0
