"""Writing routing's own columns on a ticket (tier, team, AI ownership, stage, tags) with events.

``tickets`` leaves these columns to routing; every write here locks nothing itself (callers hold
the ticket row lock), saves with ``update_fields`` and records the matching ``TicketEvent``. The
stage is written by ``tickets.actions.set_stage``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser

from tickets import actions, events
from tickets.models import Ticket, TicketEvent

WORKABLE_STAGES = (Ticket.Stage.RECEIVED, Ticket.Stage.TRIAGED, Ticket.Stage.QUEUED, Ticket.Stage.ASSIGNED)


def settled_stage(ticket: Ticket) -> str | None:
    """The stage ``settle_stage`` moves ``ticket`` to, or None when it stays where it is."""
    stage = Ticket.Stage.ASSIGNED if ticket.assignee_id else Ticket.Stage.QUEUED
    if (
        ticket.is_open
        and ticket.stage != stage
        and ticket.stage in (*WORKABLE_STAGES, Ticket.Stage.AWAITING_APPROVAL)
    ):
        return stage
    return None


def settle_stage(ticket: Ticket, *, actor: AbstractBaseUser | None) -> None:
    """Queued or assigned, from where the ticket is (used after routing and after a denied hold)."""
    # The caller holds the row lock, so its instance is current: skip the action when nothing moves.
    stage = settled_stage(ticket)
    if stage is not None:
        actions.set_stage(ticket, stage=stage, actor=actor)


def place(ticket: Ticket, *, tier_id: int | None, team_id: int | None, handled_by_ai: bool) -> list[str]:
    """Set tier, team and AI ownership; returns the changed field names (saved)."""
    changed = []
    for name, value in (("tier_id", tier_id), ("team_id", team_id), ("handled_by_ai", handled_by_ai)):
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.append(name.removesuffix("_id"))
    if changed:
        ticket.save(update_fields=[*changed, "updated_at"])
        # Drop cached relations so ``ticket.tier``/``ticket.team`` match the new ids.
        for relation in ("tier", "team"):
            ticket._state.fields_cache.pop(relation, None)
    return changed


def add_tags(
    ticket: Ticket, tags: Iterable[str], *, actor: AbstractBaseUser | None, reason: str
) -> list[str]:
    new = [tag for tag in dict.fromkeys(tags) if tag and tag not in ticket.tags]
    if new:
        before = list(ticket.tags)
        ticket.tags = [*ticket.tags, *new]
        ticket.save(update_fields=["tags", "updated_at"])
        events.record(
            ticket,
            TicketEvent.Kind.TAGS_CHANGED,
            actor=actor,
            data={"from": before, "to": ticket.tags, "reason": reason},
        )
    return new


def remove_tags(ticket: Ticket, tags: Iterable[str], *, actor: AbstractBaseUser | None, reason: str) -> None:
    drop = set(tags)
    if drop & set(ticket.tags):
        before = list(ticket.tags)
        ticket.tags = [tag for tag in ticket.tags if tag not in drop]
        ticket.save(update_fields=["tags", "updated_at"])
        events.record(
            ticket,
            TicketEvent.Kind.TAGS_CHANGED,
            actor=actor,
            data={"from": before, "to": ticket.tags, "reason": reason},
        )
