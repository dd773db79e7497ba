"""The AI draft in the composer: how close a sent reply stayed to it, and throwing it away.

Shared by the inbox (``tickets.views.ticket_actions``) and the demo seed, so the draft
acceptance metric (``analytics.queries.metrics``) reads the same numbers from both.
"""

from __future__ import annotations

import hashlib
from difflib import SequenceMatcher

from django.contrib.auth.models import AbstractBaseUser

from tickets import events, permissions
from tickets.models import Ticket, TicketEvent


def draft_digest(text: str) -> str:
    """A short fingerprint of a draft: a discarded draft stays hidden until triage writes a new one."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:16]


def draft_similarity(ticket: Ticket, body: str, *, from_draft: bool) -> float | None:
    """How much of ``ticket.ai_draft`` survived in ``body`` (0..1, 3 decimals).

    None when the reply did not start from the draft or there was no draft to start from.
    """
    if not from_draft or not ticket.ai_draft.strip():
        return None
    return round(SequenceMatcher(None, ticket.ai_draft.strip(), body.strip()).ratio(), 3)


def discard_draft(ticket: Ticket, *, actor: AbstractBaseUser) -> TicketEvent | None:
    """Record that ``actor`` threw the current AI draft away (counts against draft acceptance).

    Nothing is recorded when the ticket has no draft. Raises ``NotAllowed`` off the ladder.
    """
    permissions.check_support_staff(actor, "discard AI drafts")
    if not ticket.ai_draft.strip():
        return None
    return events.record(
        ticket,
        TicketEvent.Kind.DRAFT_DISCARDED,
        actor=actor,
        data={"digest": draft_digest(ticket.ai_draft), "draft_similarity": None},
    )
