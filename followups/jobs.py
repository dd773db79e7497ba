"""Jobs of the followups app: thin, idempotent, by id. Periodic ones are in helpdesk/schedules.py."""

from __future__ import annotations

from django.utils import timezone

from followups import actions
from tickets.channels import mailbox
from tickets.models import Ticket


def deliver_message(message_id: int) -> None:
    """Deliver an outbound message on its channel (settings.OUTBOUND_DELIVERY). Safe to run twice."""
    actions.deliver_message(message_id)


def ticket_resolved(ticket_id: int) -> None:
    """Schedule the follow-up of a resolved ticket; nothing if it was reopened meanwhile."""
    ticket = Ticket.objects.filter(pk=ticket_id, status=Ticket.Status.RESOLVED).first()
    if ticket:
        actions.schedule_followup(ticket)


def ticket_reopened(ticket_id: int) -> None:
    """Cancel the follow-ups scheduled before the latest reopening (a newer one survives)."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket:
        actions.cancel_followups_after_reopen(ticket)


def send_due_followups() -> int:
    """Send every due follow-up exactly once (SKIP LOCKED; any number of workers)."""
    return actions.send_due_followups(now=timezone.now())


def dispatch_webhook_event(event_id: int) -> None:
    """Fan one ticket event out to the outbound webhook subscriptions."""
    actions.dispatch_event(event_id)


def send_webhook_delivery(delivery_id: int) -> None:
    """Post one outbound webhook delivery (signed); failures are retried by the sweep."""
    actions.send_delivery(delivery_id)


def retry_webhook_deliveries() -> int:
    """Retry the outbound webhook deliveries whose backoff has elapsed."""
    return actions.retry_due_deliveries(now=timezone.now())


def poll_mailbox() -> int:
    """Fetch unseen mail from the IMAP mailbox in settings (nothing when IMAP_HOST is unset)."""
    return mailbox.poll(handle=actions.receive_email)
