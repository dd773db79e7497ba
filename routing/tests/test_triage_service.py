"""triage_ticket, run_for_message, override_classification, draft_reply and the retry job."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from helpdesk.errors import InvalidInput, NotAllowed
from routing.models import ClassificationOverride, IssueType, Policy, Thresholds, TriageResult
from routing.triage import draft_reply, override_classification, run_for_message, triage_ticket
from routing.triage.jobs import retry_failed_triage
from tickets.intake import InboundMessage, Sender, receive
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import CustomerFactory, MessageFactory, OrderFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

FAKE = "routing.triage.backends.fake.FakeBackend"


@pytest.fixture(autouse=True)
def reroutes(monkeypatch):
    """Stands in for ``routing.jobs.reroute_ticket`` (the routing work owns it) and records the calls."""
    import routing.jobs

    calls = []
    monkeypatch.setattr(routing.jobs, "reroute_ticket", calls.append, raising=False)
    return calls


def kinds(ticket):
    return list(ticket.events.values_list("kind", flat=True))


def test_the_default_issue_types_and_demo_policies_are_installed():
    assert IssueType.objects.count() == 13
    policies = {p.slug: p for p in Policy.objects.all()}
    assert set(policies) == {"returns", "refunds", "shipping", "warranty"}
    assert all(p.current_version.number == 1 and p.issue_types for p in policies.values())


def test_triage_writes_the_ticket_its_history_and_events(settings):
    settings.TRIAGE_BACKEND = {"BACKEND": "heuristic"}
    customer = CustomerFactory(name="Ann Lee")
    order = OrderFactory(customer=customer, number="48213", total=Decimal("89.90"))
    ticket = TicketFactory(
        customer=customer,
        subject="Parcel",
        with_message="My parcel 48213 still hasn't arrived and tracking hasn't moved in a week. Unacceptable!",
    )
    ticket = triage_ticket(ticket)
    assert ticket.issue_type == "delivery_problem"
    assert ticket.triage_status == Ticket.TriageStatus.DONE and ticket.triaged_at
    assert ticket.stage == Ticket.Stage.TRIAGED
    assert ticket.order == order  # the customer's own order, found by its number
    assert ticket.amount_at_stake == Decimal("89.90") and ticket.currency == "EUR"
    assert ticket.ai_brief["policy"]["slug"] == "shipping" and ticket.ai_brief["policy"]["version"] == 1
    assert ticket.ai_brief["order"]["tracking_number"] == order.tracking_number
    assert ticket.ai_brief["customer"]["name"] == "Ann Lee"
    assert ticket.ai_summary and "Ann" in ticket.ai_draft
    result = TriageResult.objects.get(ticket=ticket)
    assert result.backend == "heuristic" and result.model and result.confidence["issue_type"] > 0
    # The stage change goes through tickets.actions.move_stage, recorded with the triage write.
    assert kinds(ticket)[-2:] == [TicketEvent.Kind.STAGE_CHANGED, TicketEvent.Kind.TRIAGED]
    stage = ticket.events.get(kind=TicketEvent.Kind.STAGE_CHANGED)
    assert stage.data == {"from": "received", "to": "triaged"}


def test_the_brief_lists_past_tickets_and_open_complaints():
    customer = CustomerFactory()
    TicketFactory(customer=customer, issue_type="complaint", created_at=timezone.now() - timedelta(days=3))
    ticket = TicketFactory(
        customer=customer, subject="", with_message="The toaster stopped working after a week"
    )
    ticket = triage_ticket(ticket)
    history = ticket.ai_brief["customer"]
    assert history["past_tickets"] == 1 and history["open_complaints"] == 1
    assert history["recent_tickets"][0]["issue_type"] == "complaint"
    assert "repeat_complaint" in ticket.signals  # a complaint inside the repeat window


def test_a_complaint_outside_the_repeat_window_is_not_a_repeat(settings):
    customer = CustomerFactory()
    Thresholds.objects.update_or_create(pk=1, defaults={"repeat_complaint_days": 7})
    old = TicketFactory(customer=customer, issue_type="complaint")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=20))
    ticket = triage_ticket(
        TicketFactory(customer=customer, subject="", with_message="The toaster stopped working")
    )
    assert "repeat_complaint" not in ticket.signals


def test_a_failing_backend_leaves_a_retriable_ticket_and_nothing_else_changed(settings):
    settings.TRIAGE_BACKEND = {"BACKEND": FAKE, "OPTIONS": {"fail": True}}
    ticket = TicketFactory(subject="", with_message="Where is my order?")
    ticket = triage_ticket(ticket)
    ticket.refresh_from_db()
    assert ticket.triage_status == Ticket.TriageStatus.FAILED
    assert ticket.issue_type == "" and ticket.ai_draft == "" and ticket.stage == Ticket.Stage.RECEIVED
    failed = ticket.events.get(kind=TicketEvent.Kind.TRIAGE_FAILED)
    assert "configured to fail" in failed.data["reason"]
    assert not TriageResult.objects.filter(ticket=ticket).exists()

    settings.TRIAGE_BACKEND = {"BACKEND": "heuristic"}
    assert retry_failed_triage() == 1
    ticket.refresh_from_db()
    assert ticket.triage_status == Ticket.TriageStatus.DONE and ticket.issue_type == "order_status"
    assert retry_failed_triage() == 0


def test_intake_then_run_for_message_triages_inline_with_a_fast_backend():
    result = receive(
        InboundMessage(
            channel="email", sender=Sender(email="a@example.org"), body="Please cancel order 51234"
        )
    )
    ticket = run_for_message(result.ticket.pk, result.message.pk)
    assert ticket.issue_type == "cancellation"
    assert TriageResult.objects.get(ticket=ticket).message_id == result.message.pk


def test_a_slow_backend_is_queued_and_the_job_triages_then_reroutes(
    settings, django_capture_on_commit_callbacks, reroutes
):
    settings.TRIAGE_BACKEND = {"BACKEND": FAKE, "OPTIONS": {"slow": True, "issue_type": "billing"}}
    ticket = TicketFactory(subject="", with_message="I was charged twice")
    message = ticket.messages.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert run_for_message(ticket.pk, message.pk) is None
    assert callbacks  # the job was queued after commit (and run: django-q2 is synchronous in tests)
    ticket.refresh_from_db()
    assert ticket.issue_type == "billing" and ticket.triage_status == Ticket.TriageStatus.DONE
    assert reroutes == [ticket.pk]


def test_a_new_customer_message_re_triages_with_the_new_words():
    ticket = triage_ticket(TicketFactory(subject="", with_message="Where is my order?"))
    assert "legal" not in ticket.signals
    message = MessageFactory(ticket=ticket, body="Still nothing. My lawyer will be in touch.")
    ticket = run_for_message(ticket.pk, message.pk)
    assert "legal" in ticket.signals and ticket.urgency == "critical"
    assert TriageResult.objects.filter(ticket=ticket).count() == 2


def test_an_override_is_recorded_applied_and_survives_re_triage(
    agent, reroutes, django_capture_on_commit_callbacks
):
    ticket = triage_ticket(TicketFactory(subject="", with_message="Where is my order?"))
    assert ticket.issue_type == "order_status"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = override_classification(
            ticket, actor=agent, issue_type="delivery_problem", urgency="high", reason="parcel is lost"
        )
    assert reroutes == [ticket.pk]
    ticket.refresh_from_db()
    assert ticket.ai_brief["policy"]["slug"] == "shipping"  # re-drafted for the corrected type
    assert ticket.issue_type == "delivery_problem" and ticket.urgency == "high"
    rows = {o.field: o for o in ClassificationOverride.objects.filter(ticket=ticket)}
    assert (
        rows["issue_type"].old_value == "order_status" and rows["issue_type"].new_value == "delivery_problem"
    )
    assert rows["issue_type"].actor == agent
    event = ticket.events.filter(kind=TicketEvent.Kind.CLASSIFICATION_OVERRIDDEN).first()
    assert event.data["field"] in {"issue_type", "urgency"} and event.actor == agent

    message = MessageFactory(ticket=ticket, body="Any news?")
    ticket = run_for_message(ticket.pk, message.pk)
    assert ticket.issue_type == "delivery_problem" and ticket.urgency == "high"


def test_a_signal_removed_by_an_agent_stays_removed_but_new_ones_still_appear(agent):
    ticket = triage_ticket(
        TicketFactory(subject="", with_message="I will post this on Twitter if it's not fixed")
    )
    ticket = override_classification(ticket, actor=agent, signals={}, reason="joke")
    assert ticket.signals == {}
    message = MessageFactory(ticket=ticket, body="I'll tweet it again. And the charger burned my hand.")
    ticket = run_for_message(ticket.pk, message.pk)
    assert "reputation" not in ticket.signals and "safety" in ticket.signals


def test_an_unchanged_value_records_no_override(agent):
    ticket = triage_ticket(TicketFactory(subject="", with_message="Where is my order?"))
    override_classification(ticket, actor=agent, issue_type="order_status")
    assert not ClassificationOverride.objects.exists()


def test_overrides_need_a_support_role_and_known_values(agent):
    ticket = triage_ticket(TicketFactory(subject="", with_message="Where is my order?"))
    with pytest.raises(NotAllowed):
        override_classification(ticket, actor=UserFactory(username="nobody"), issue_type="billing")
    with pytest.raises(InvalidInput) as error:
        override_classification(ticket, actor=agent, issue_type="nonsense")
    assert error.value.field == "issue_type"
    with pytest.raises(InvalidInput):
        override_classification(ticket, actor=agent, signals=["lawsuit"])


def test_draft_reply_redrafts_and_stores_the_draft():
    ticket = triage_ticket(TicketFactory(subject="", with_message="My blender is broken, refund €300 please"))
    Ticket.objects.filter(pk=ticket.pk).update(ai_draft="")
    text = draft_reply(ticket)
    ticket.refresh_from_db()
    assert text == ticket.ai_draft and "approve" in text


def test_the_retry_job_is_scheduled():
    from django.utils.module_loading import import_string

    from helpdesk.schedules import SCHEDULES

    paths = {job.func for job in SCHEDULES}
    assert "routing.triage.jobs.retry_failed_triage" in paths
    assert callable(import_string("routing.triage.jobs.retry_failed_triage"))
