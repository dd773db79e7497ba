"""Tags an agent adds to or removes from a ticket (the tag editor on the ticket page, macros)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from helpdesk.errors import InvalidInput
from tickets import events, permissions
from tickets.models import Ticket, TicketEvent

TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


def normalize_tags(raw: Iterable[str] | str) -> list[str]:
    """Lower-case tags, spaces as dashes, each once; ``InvalidInput`` names a tag that is not valid.

    A string is split on commas, so "VIP follow up, refund" gives ["vip-follow-up", "refund"].
    """
    items = raw.split(",") if isinstance(raw, str) else raw
    tags = []
    for item in items:
        tag = re.sub(r"\s+", "-", item.strip().lower())
        if not tag:
            continue
        if not TAG.match(tag):
            raise InvalidInput(
                f"“{item.strip()[:60]}” is not a valid tag: use letters, digits, - and _ (up to 50).",
                field="tags",
            )
        if tag not in tags:
            tags.append(tag)
    return tags


def tag_changes(current: Iterable[str], *, add: Iterable[str], remove: Iterable[str]) -> tuple[list, list]:
    """What would really change: tags added that are not there yet, removed that are there."""
    current = list(current)
    drop = [tag for tag in remove if tag in current]
    added = [tag for tag in add if tag not in current and tag not in drop]
    return added, drop


def apply_tag_changes(
    ticket: Ticket, *, add: list[str], remove: list[str], actor: AbstractBaseUser | None, source: str
) -> tuple[list[str], list[str]]:
    """Change a locked ticket's tags and record TAGS_EDITED; returns (added, removed)."""
    added, removed = tag_changes(ticket.tags, add=add, remove=remove)
    if not (added or removed):
        return [], []
    ticket.tags = [tag for tag in ticket.tags if tag not in removed] + added
    ticket.save(update_fields=["tags", "updated_at"])
    events.record(
        ticket,
        TicketEvent.Kind.TAGS_EDITED,
        actor=actor,
        data={"added": added, "removed": removed, "tags": ticket.tags, "source": source},
    )
    return added, removed


@transaction.atomic
def edit_ticket_tags(
    ticket: Ticket, *, add: Iterable[str] = (), remove: Iterable[str] = (), actor: AbstractBaseUser
) -> Ticket:
    """Add and remove tags on ``ticket`` (agents and above); a no-op records nothing."""
    permissions.check_support_staff(actor, "edit tags")
    add, remove = normalize_tags(add), normalize_tags(remove)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    apply_tag_changes(ticket, add=add, remove=remove, actor=actor, source="editor")
    return ticket
