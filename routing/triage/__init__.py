"""AI triage: classification, signals, brief and draft. The only API other apps use.

- ``triage_ticket(ticket)``: run the configured backend and write the result (history kept).
- ``triage_tickets(tickets, backend=..., message_ids=...)``: a batch, what ``routing.pipeline`` runs.
- ``run_for_message(ticket_id, message_id)``: one message (slow backends, re-triage).
- ``override_classification(ticket, actor=..., ...)``: an agent's correction.
- ``draft_reply(ticket)``: re-draft on demand.
- ``get_backend()``: the backend named by ``settings.TRIAGE_BACKEND``.
"""

from routing.triage.backends import get_backend
from routing.triage.overrides import override_classification
from routing.triage.runner import (
    draft_reply,
    mark_triage_failed,
    run_for_message,
    triage_ticket,
    triage_tickets,
)

__all__ = [
    "draft_reply",
    "get_backend",
    "mark_triage_failed",
    "override_classification",
    "run_for_message",
    "triage_ticket",
    "triage_tickets",
]
