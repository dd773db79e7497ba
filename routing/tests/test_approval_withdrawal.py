"""A ticket resolved or closed while approvals are pending withdraws them and drops the held reply."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from routing import jobs
from routing.engine import route_ticket
from routing.models import Approval
from routing.tests.factories import TriagedTicketFactory, agent_in
from tickets import actions
from tickets.models import Message, Notification, Ticket, TicketEvent
from tickets.tests.factories import RootCauseFactory

pytestmark = pytest.mark.usefixtures("workflow")


@pytest.fixture
def held(db):
    """A routed refund ticket whose reply promising 250 waits on a pending approval."""
    ticket = TriagedTicketFactory(issue_type="refund_request", amount_at_stake=Decimal("250.00"))
    route_ticket(ticket, trigger="message")
    author = agent_in("specialist", username="spec")
    message = actions.reply_to_ticket(
        ticket, body="Refund of 250.", author=author, commits_amount=Decimal("250")
    )
    assert message.delivery_status == Message.Delivery.HELD
    return Ticket.objects.get(pk=ticket.pk), message, author


def _resolve(ticket: Ticket) -> Ticket:
    return actions.resolve_ticket(
        ticket, actor=None, resolution_method=Ticket.ResolutionMethod.values[0], root_cause=RootCauseFactory()
    )


def test_resolving_withdraws_pending_approvals_and_discards_the_held_reply(
    held, django_capture_on_commit_callbacks
):
    ticket, message, author = held
    assert Approval.objects.filter(ticket=ticket, status=Approval.Status.PENDING).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _resolve(ticket)
    assert not Approval.objects.filter(ticket=ticket, status=Approval.Status.PENDING).exists()
    withdrawn = Approval.objects.filter(ticket=ticket, status=Approval.Status.WITHDRAWN)
    assert withdrawn.exists() and all(a.decided_at for a in withdrawn)
    events = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.APPROVAL_DECIDED)
    assert {e.data["outcome"] for e in events} == {"withdrawn"}
    assert events.count() == withdrawn.count()
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.NOT_APPLICABLE and message.is_internal
    assert "withdrawn" in message.delivery_error
    assert Notification.objects.filter(recipient=author, kind=Notification.Kind.APPROVAL_DECIDED).exists()


def test_the_job_is_idempotent_and_leaves_decided_approvals_alone(held, manager):
    ticket, _message, _author = held
    decided = Approval.objects.create(ticket=ticket, role="manager", amount=Decimal("10"), reason="small")
    decided.status, decided.decided_at, decided.decided_by = Approval.Status.APPROVED, timezone.now(), manager
    decided.save(update_fields=["status", "decided_at", "decided_by"])
    _resolve(ticket)  # its on-commit job does not run inside the test transaction
    assert jobs.ticket_resolved(ticket.pk) == 1
    events = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.APPROVAL_DECIDED).count()
    assert jobs.ticket_resolved(ticket.pk) == 0
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.APPROVAL_DECIDED).count() == events
    decided.refresh_from_db()
    assert decided.status == Approval.Status.APPROVED


def test_an_open_ticket_keeps_its_pending_approvals(held):
    ticket, message, _author = held
    assert jobs.ticket_resolved(ticket.pk) == 0
    assert Approval.objects.filter(ticket=ticket, status=Approval.Status.PENDING).exists()
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.HELD


def test_closing_withdraws_what_is_still_pending(held, django_capture_on_commit_callbacks):
    ticket, _message, _author = held
    _resolve(ticket)  # its on-commit job is dropped here, as if it had been lost
    assert Approval.objects.filter(ticket=ticket, status=Approval.Status.PENDING).exists()
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_ticket(ticket, actor=None)
    assert not Approval.objects.filter(ticket=ticket, status=Approval.Status.PENDING).exists()


def test_the_catch_up_command_withdraws_approvals_left_on_closed_tickets(held):
    ticket, _message, _author = held
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.RESOLVED, resolved_at=timezone.now())
    call_command("withdraw_orphaned_approvals")
    assert not Approval.objects.filter(ticket=ticket, status=Approval.Status.PENDING).exists()
    call_command("withdraw_orphaned_approvals")  # safe to run again
