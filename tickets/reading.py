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


def seed_demo_reads(context) -> None:
    """Demo seed step: each assignee has read their tickets up to their own last reply (they
    answered it, so they opened it), so only tickets the customer wrote to since show unread.
    One ``INSERT ... SELECT``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {TicketRead._meta.db_table} (user_id, ticket_id, read_at)
            SELECT t.assignee_id, t.id, t.last_agent_message_at FROM {Ticket._meta.db_table} t
            WHERE t.assignee_id IS NOT NULL AND t.last_agent_message_at IS NOT NULL
            ON CONFLICT (user_id, ticket_id) DO UPDATE SET read_at = EXCLUDED.read_at
            """
        )
        context.log(f"tickets: {cursor.rowcount} read markers for the assignees' answered tickets")
