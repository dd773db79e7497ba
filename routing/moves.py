"""Saying where routing moved a ticket when a person's change set it off.

A corrected classification re-routes the ticket at once (not later in a worker), so the person
who corrected it is told in the same answer whether it moved and where, and an assignee it was
taken from is told too, instead of finding a 404 on their next click.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from helpdesk.queue import enqueue
from routing import notices
from tickets.models import Notification, Ticket, TicketEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    tier: str
    team: str
    assignee_id: int | None


def placement_of(ticket_id: int) -> Placement | None:
    row = Ticket.objects.select_related("tier", "team").filter(pk=ticket_id).first()
    if row is None:
        return None
    return Placement(
        tier=str(row.tier) if row.tier_id else "AI" if row.handled_by_ai else "no tier",
        team=str(row.team) if row.team_id else "",
        assignee_id=row.assignee_id,
    )


def describe_move(before: Placement | None, after: Placement | None) -> str:
    """One sentence on what routing changed, or "" when the ticket stayed where it was."""
    if before is None or after is None or before == after:
        return ""
    parts = []
    if (before.tier, before.team) != (after.tier, after.team):
        parts.append(f"Routing moved it to {after.tier}" + (f" ({after.team})" if after.team else ""))
    if before.assignee_id and before.assignee_id != after.assignee_id:
        who = get_user_model().objects.filter(pk=before.assignee_id).first()
        name = (who.get_full_name() or who.get_username()) if who else "its assignee"
        parts.append(f"it is no longer assigned to {name}")
    text = " and ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def reroute_after_change(ticket_id: int, *, actor_id: int | None, cause: str) -> str:
    """Re-route now and tell a released assignee (other than the actor) where the ticket went.

    Runs after the change committed; when routing fails here, the worker job tries again, so the
    change is never left unrouted. Returns what moved (see ``describe_move``).
    """
    from routing import jobs

    before = placement_of(ticket_id)
    try:
        jobs.reroute_ticket(ticket_id)
    except Exception:
        logger.exception("Re-routing ticket %s after %s failed; queued for the worker.", ticket_id, cause)
        enqueue("routing.jobs.reroute_ticket", ticket_id)
        return ""
    after = placement_of(ticket_id)
    moved = describe_move(before, after)
    released = before.assignee_id if before and after and before.assignee_id != after.assignee_id else None
    if moved and released and released != actor_id:
        ticket = Ticket.objects.get(pk=ticket_id)
        notices.alert(
            get_user_model().objects.filter(pk=released),
            kind=Notification.Kind.ASSIGNMENT,
            text=f"{ticket.reference} moved after {cause}: {moved}",
            ticket=ticket,
        )
    return moved


def moved_away_from(user, ticket_id: int) -> Ticket | None:
    """The ticket ``user`` held until routing took it from them (for a "moved" page, not a 404)."""
    if not user.is_authenticated:
        return None
    held = TicketEvent.objects.filter(
        ticket_id=ticket_id, kind=TicketEvent.Kind.UNASSIGNED, data__previous_agent_id=user.pk
    ).exists()
    return Ticket.objects.select_related("tier", "team").filter(pk=ticket_id).first() if held else None
