"""Agents' corrections of triage: the override metric and the training loop read them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from helpdesk.errors import InvalidInput
from helpdesk.queue import enqueue_on_commit
from routing import moves
from routing.models import ClassificationOverride
from routing.triage.backends.base import SENTIMENTS, SIGNALS, URGENCIES
from routing.triage.brief import active_issue_types
from tickets import events, permissions
from tickets.models import Ticket, TicketEvent


def _clean_signals(signals: Mapping[str, Any] | Iterable[str]) -> dict[str, list[str]]:
    if isinstance(signals, Mapping):
        items = signals.items()
    else:
        items = ((name, ["set by agent"]) for name in signals)
    cleaned: dict[str, list[str]] = {}
    for name, cues in items:
        if name not in SIGNALS:
            raise InvalidInput(
                f"Unknown signal '{name}'; expected one of {', '.join(SIGNALS)}.", field="signals"
            )
        cues = [cues] if isinstance(cues, str) else list(cues or [])
        cleaned[name] = [str(c)[:200] for c in cues] or ["set by agent"]
    return cleaned


@transaction.atomic
def override_classification(
    ticket: Ticket,
    *,
    actor: AbstractBaseUser,
    issue_type: str | None = None,
    urgency: str | None = None,
    sentiment: str | None = None,
    signals: Mapping[str, Any] | Iterable[str] | None = None,
    reason: str = "",
) -> Ticket:
    """Record an agent's correction of the triage output and apply it; re-routes the ticket.

    Each changed field gets a ``ClassificationOverride`` (who, when, old, new) and a
    ``CLASSIFICATION_OVERRIDDEN`` event; unchanged values are ignored. Locks the ticket.
    Raises ``NotAllowed`` for users without a support role and ``InvalidInput`` naming the
    field for unknown values. Re-triage later keeps these values.
    """
    permissions.check_support_staff(actor, "change a ticket's classification")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    changes: dict[str, Any] = {}
    if issue_type is not None:
        if issue_type not in active_issue_types()[0]:
            raise InvalidInput(f"Unknown issue type '{issue_type}'.", field="issue_type")
        changes["issue_type"] = issue_type
    if urgency is not None:
        if urgency not in URGENCIES:
            raise InvalidInput(f"Urgency must be one of {', '.join(URGENCIES)}.", field="urgency")
        changes["urgency"] = urgency
    if sentiment is not None:
        if sentiment not in SENTIMENTS:
            raise InvalidInput(f"Sentiment must be one of {', '.join(SENTIMENTS)}.", field="sentiment")
        changes["sentiment"] = sentiment
    if signals is not None:
        changes["signals"] = _clean_signals(signals)
    changed = {f: v for f, v in changes.items() if getattr(ticket, f) != v}
    if not changed:
        return ticket
    for field, new in changed.items():
        old = getattr(ticket, field)
        ClassificationOverride.objects.create(
            ticket=ticket, actor=actor, field=field, old_value=old, new_value=new, reason=reason[:2000]
        )
        events.record(
            ticket,
            TicketEvent.Kind.CLASSIFICATION_OVERRIDDEN,
            actor=actor,
            data={"field": field, "old": old, "new": new, "reason": reason[:500]},
        )
        setattr(ticket, field, new)
    ticket.save(update_fields=[*changed, "updated_at"])
    if "issue_type" in changed:
        # The draft and the quoted policy follow the corrected type.
        enqueue_on_commit("routing.triage.jobs.redraft_reply_job", ticket.pk)
    # Re-routed as soon as this commits, in the same request, so the person who corrected it is
    # told where it went (``routing.moves``); the worker retries if that fails.
    transaction.on_commit(
        partial(moves.reroute_after_change, ticket.pk, actor_id=actor.pk, cause="a classification change")
    )
    return ticket
