"""What happens after intake commits a message: the seam between tickets and routing.

``tickets.intake`` calls ``message_received`` (by the dotted path in settings.INTAKE_PIPELINE)
after the message is committed. Exceptions here never lose the message: intake logs them and
the ticket stays marked for triage, which a job retries.
"""

from __future__ import annotations

from routing.engine import route_ticket
from routing.models import RoutingDecision


def message_received(ticket_id: int, message_id: int) -> RoutingDecision | None:
    """Triage the message, then route the ticket; None when triage deferred (it retries later)."""
    from routing import triage

    ticket = triage.run_for_message(ticket_id, message_id)
    if ticket is None:
        return None
    if not ticket.is_open:
        return None
    return route_ticket(ticket, trigger="message")
