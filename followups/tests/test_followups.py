"""Follow-ups: scheduled on resolve, cancelled on reopen, sent exactly once, CSAT that acts."""

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from followups import actions, jobs, queries, tokens
from followups.models import CsatResponse, FollowUp
from followups.tests.factories import FollowUpFactory, FollowUpTemplateFactory
from helpdesk.errors import InvalidInput
from helpdesk.testing import run_concurrently
from routing.models import IssueType, Thresholds
from tickets import actions as ticket_actions
from tickets.models import Message, Ticket, TicketEvent
from tickets.tests.factories import RootCauseFactory, TicketFactory

pytestmark = pytest.mark.django_db


def resolve(ticket: Ticket, agent) -> Ticket:
    return ticket_actions.resolve_ticket(
        ticket, actor=agent, resolution_method="agent_reply", root_cause=RootCauseFactory()
    )


def sent_followup(**ticket_values) -> FollowUp:
    """A resolved ticket whose follow-up went out (scheduled and sent through the actions)."""
    followup = actions.schedule_followup(TicketFactory(resolved=True, **ticket_values))
    actions.send_due_followups(now=followup.due_at)
    followup.refresh_from_db()
    return followup


def token_of(followup: FollowUp) -> str:
    return tokens.make_token(followup_id=followup.pk, nonce=followup.csat_nonce)


def test_resolving_schedules_a_followup_after_the_threshold_delay(agent, django_capture_on_commit_callbacks):
    ticket = TicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(ticket, agent)
    followup = FollowUp.objects.get(ticket=ticket)
    assert followup.status == FollowUp.Status.SCHEDULED
    assert followup.due_at == ticket.resolved_at + timedelta(hours=48)
    event = ticket.events.get(kind=TicketEvent.Kind.FOLLOWUP_SCHEDULED)
    assert event.data["delay_hours"] == 48


def test_an_issue_type_override_wins_over_the_threshold(agent, django_capture_on_commit_callbacks):
    IssueType.objects.update_or_create(
        slug="order_status", defaults={"name": "Order status", "followup_delay_hours": 6}
    )
    ticket = TicketFactory(issue_type="order_status")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(ticket, agent)
    assert FollowUp.objects.get(ticket=ticket).due_at == ticket.resolved_at + timedelta(hours=6)


def test_reopening_before_it_is_due_cancels_the_followup(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(TicketFactory(), agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_actions.reopen_ticket(ticket, actor=agent, reason="customer wrote back")
    assert FollowUp.objects.get(ticket=ticket).status == FollowUp.Status.CANCELLED
    assert ticket.events.filter(kind=TicketEvent.Kind.FOLLOWUP_CANCELLED).count() == 1
    assert jobs.send_due_followups() == 0


def test_with_delay_zero_the_job_sends_the_followup_email_with_a_csat_link(
    agent, django_capture_on_commit_callbacks
):
    threshold = Thresholds.current()
    threshold.followup_delay_hours = 0
    threshold.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(TicketFactory(subject="Lost parcel"), agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due_followups() == 1
    [email] = mail.outbox
    assert email.to == [ticket.customer.email]
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "/followups/csat/" in email.body
    ticket.refresh_from_db()
    assert ticket.stage == Ticket.Stage.FOLLOWUP_SENT
    followup = FollowUp.objects.get(ticket=ticket)
    assert followup.status == FollowUp.Status.SENT and followup.message.is_auto
    assert ticket.events.filter(kind=TicketEvent.Kind.FOLLOWUP_SENT).count() == 1


def test_a_template_for_the_issue_type_and_language_is_used():
    FollowUpTemplateFactory(
        issue_type="refund_request", language="de", subject="Alles erledigt, {customer_name}?"
    )
    FollowUpTemplateFactory(issue_type="", language="en", subject="Generic")
    followup = sent_followup(issue_type="refund_request", customer__locale="de", customer__name="Jürgen")
    assert followup.message.subject == "Alles erledigt, Jürgen?"


def test_a_followup_on_a_channel_without_outbound_is_recorded_as_not_deliverable():
    followup = sent_followup(channel="review")
    assert followup.status == FollowUp.Status.UNDELIVERABLE
    assert followup.message.delivery_status == Message.Delivery.UNDELIVERABLE


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_due_job_at_once_send_each_followup_exactly_once():
    followups = [FollowUpFactory(due_at=timezone.now() - timedelta(minutes=1)) for _ in range(6)]
    handled = run_concurrently(jobs.send_due_followups, jobs.send_due_followups)
    assert sum(handled) == 6
    assert len(mail.outbox) == 6
    assert Message.objects.filter(metadata__has_key="followup_id").count() == 6
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.FOLLOWUP_SENT).count() == 6
    assert {f.ticket.customer.email for f in followups} == {m.to[0] for m in mail.outbox}


def test_the_csat_page_records_a_good_score_and_closes_the_ticket(client):
    followup = sent_followup()
    url = f"/followups/csat/{token_of(followup)}/"
    page = client.get(url + "?score=5")
    assert page.status_code == 200 and b"How did we do?" in page.content
    assert not CsatResponse.objects.exists()
    response = client.post(url, {"score": "5", "comment": "Great"})
    assert response.status_code == 200 and b"Thank you" in response.content
    csat = queries.csat_for_ticket(followup.ticket)
    assert (csat.score, csat.comment, csat.followup_id) == (5, "Great", followup.pk)
    followup.ticket.refresh_from_db()
    assert followup.ticket.status == Ticket.Status.CLOSED
    event = followup.ticket.events.get(kind=TicketEvent.Kind.CSAT_RECEIVED)
    assert event.data["score"] == 5


def test_a_low_score_reopens_the_ticket_flagged_for_recovery(client):
    followup = sent_followup(sentiment="frustrated")
    client.post(f"/followups/csat/{token_of(followup)}/", {"score": "1", "comment": "Still broken"})
    ticket = Ticket.objects.get(pk=followup.ticket_id)
    assert ticket.status == Ticket.Status.OPEN and ticket.needs_recovery
    reopened = ticket.events.get(kind=TicketEvent.Kind.REOPENED)
    assert reopened.data == {"from": "resolved", "reason": "low_csat", "recovery": True}
    assert CsatResponse.objects.get(ticket=ticket).is_complaint


def test_a_csat_link_works_once(client):
    followup = sent_followup()
    url = f"/followups/csat/{token_of(followup)}/"
    assert client.post(url, {"score": "4"}).status_code == 200
    second = client.post(url, {"score": "1"})
    assert second.status_code == 409 and b"Already answered" in second.content
    assert CsatResponse.objects.get().score == 4


def test_a_tampered_csat_link_is_refused(client):
    followup = sent_followup()
    token = token_of(followup)
    forged = signing.dumps({"f": followup.pk, "n": followup.csat_nonce}, salt="someone-else")
    assert client.get(f"/followups/csat/{token[:-2]}xx/").status_code == 404
    assert client.post(f"/followups/csat/{forged}/", {"score": "1"}).status_code == 404
    assert not CsatResponse.objects.exists()


def test_an_expired_csat_link_is_refused(client, settings):
    followup = sent_followup()
    token = token_of(followup)
    settings.CSAT_TOKEN_MAX_AGE_DAYS = 0
    response = client.post(f"/followups/csat/{token}/", {"score": "5"})
    assert response.status_code == 410 and b"expired" in response.content
    assert not CsatResponse.objects.exists()


def test_a_score_outside_one_to_five_is_refused_naming_the_field():
    followup = sent_followup()
    with pytest.raises(InvalidInput) as error:
        actions.record_csat(followup, score=9)
    assert error.value.field == "score"


def test_a_reply_saying_it_is_not_solved_reopens_for_recovery(api_client):
    followup = sent_followup()
    ticket = followup.ticket
    raw = (
        f"From: {ticket.customer.email}\nTo: support+HD-{ticket.pk}@example.com\n"
        f"Subject: Re: follow-up\nMessage-ID: <unsolved-1@mail.example.org>\n"
        f"In-Reply-To: {followup.message.external_id or '<none@x>'}\n\n"
        "No, it is still not working.\n"
    ).encode()
    response = api_client.post("/api/v1/inbound/email/", raw, content_type="message/rfc822")
    assert response.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.needs_recovery
    assert ticket.events.get(kind=TicketEvent.Kind.REOPENED).data["recovery"] is True


def test_a_late_reopen_job_spares_the_followup_of_a_newer_resolution(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(TicketFactory(), agent)
    ticket_actions.reopen_ticket(ticket, actor=agent, reason="customer wrote back")  # its job has not run yet
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolve(ticket, agent)
    jobs.ticket_reopened(ticket.pk)
    statuses = sorted(FollowUp.objects.filter(ticket=ticket).values_list("status", flat=True))
    assert statuses == [FollowUp.Status.CANCELLED, FollowUp.Status.SCHEDULED]


def test_scheduling_again_after_the_followup_went_out_adds_nothing():
    followup = sent_followup()
    assert actions.schedule_followup(followup.ticket) == followup
    assert FollowUp.objects.count() == 1


def test_submitting_without_a_score_shows_the_form_again_with_the_error(client):
    followup = sent_followup()
    response = client.post(f"/followups/csat/{token_of(followup)}/", {"comment": "meh"})
    assert response.status_code == 200 and b"Choose a score from 1 to 5." in response.content
    assert not CsatResponse.objects.exists()
