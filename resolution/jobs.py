"""Jobs of the resolution app: thin, idempotent, by id. Periodic ones are in helpdesk/schedules.py."""

from __future__ import annotations

from resolution import actions
from tickets.models import Ticket


def resolve_tickets(ticket_ids: list[int]) -> int:
    """Run the AI flows on tickets the AI owns (a batch from an intake worker)."""
    return len(actions.resolve_with_ai(Ticket.objects.filter(pk__in=ticket_ids, handled_by_ai=True)))


def resolve_quiet_tickets() -> int:
    return actions.resolve_quiet_tickets()
