"""Per-agent read state: when an agent last opened a ticket (the inbox's unread marker)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from tickets.models import Ticket, TicketRead


def mark_read(user: AbstractBaseUser, ticket: Ticket) -> None:
    """Record that ``user`` opened ``ticket`` now: one ``INSERT ... ON CONFLICT DO UPDATE`` on
    the (user, ticket) unique index, so concurrent opens never collide and nothing is read first."""
    if not user.is_authenticated:
        return
    TicketRead.objects.bulk_create(
        [TicketRead(user_id=user.pk, ticket_id=ticket.pk, read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "ticket"],
        update_fields=["read_at"],
    )
