"""The demo seed's inbox steps (``demo.seed.POST_SEED_STEPS``): settle the SLA clocks once after
seeding, and mark what each assignee has already read."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from tickets.models import Ticket, TicketRead


def settle_sla_clocks(context) -> None:
    """Run the SLA clock sweep once over the back-dated history, as the worker does every minute:
    clocks of answered and resolved tickets stop, tickets waiting on the customer pause. Without
    it the demo opens with every clock running, and the first sweep then flips most open rows."""
    from routing.sla_clocks import sync_clocks

    result = sync_clocks(timezone.now())
    context.log(f"routing: SLA clocks settled ({result['stopped']} stopped, {result['paused']} paused)")


def seed_demo_reads(context) -> None:
    """Demo seed step: each assignee has read their tickets up to their own last reply (they
    answered it, so they opened it), so only tickets the customer wrote to since show unread.
    One ``INSERT ... SELECT``."""
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
