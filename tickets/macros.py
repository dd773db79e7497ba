"""Reply macros: text with ``{placeholders}`` plus what applying them changes on the ticket.

``preview_macro`` (pure) shows the filled text and each change before anything happens;
``apply_macro`` is the one action that makes the changes (status, priority, tags, assignment to
an agent or a tier, a follow-up) through the ticket's own actions, so each keeps its checks and
events, and records MACRO_APPLIED. A refusal by any of them (an agent assigning to someone
else, say) rolls the whole macro back. Managers and admins create and edit macros
(``save_macro``); agents only use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from helpdesk.queue import schedule_once
from tickets import actions, events, permissions, tagging
from tickets.models import Macro, Ticket, TicketEvent
from tickets.queries import ROLE_MANAGER
from tickets.roles import display_name

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders_for(ticket: Ticket, *, agent: AbstractBaseUser) -> dict[str, str]:
    customer = ticket.customer
    order = ticket.order
    name = customer.name or ""
    return {
        "customer_name": name or "there",
        "customer_first_name": name.split()[0] if name.strip() else "there",
        "order_number": order.number if order else "",
        "order_status": order.get_fulfillment_status_display().lower() if order else "",
        "tracking_number": order.tracking_number if order else "",
        "tracking_url": order.tracking_url if order else "",
        "carrier": order.carrier if order else "",
        "ticket_reference": ticket.reference,
        "agent_name": cast(Any, agent).get_full_name() or agent.get_username(),
        "store_name": settings.STORE_NAME,
    }


def render_macro(macro: Macro, ticket: Ticket, *, agent: AbstractBaseUser) -> str:
    """The macro body with known placeholders filled; unknown ones stay visible as typed."""
    values = placeholders_for(ticket, agent=agent)
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), macro.body)


@dataclass
class MacroPreview:
    """What applying ``macro`` to a ticket would do, in words, and what would stop it."""

    macro: Macro
    text: str
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def preview_macro(macro: Macro, ticket: Ticket, *, actor: AbstractBaseUser) -> MacroPreview:
    """The filled text and each change applying would make to ``ticket`` as it is now (no writes)."""
    preview = MacroPreview(macro=macro, text=render_macro(macro, ticket, agent=actor))
    changes, problems = preview.changes, preview.problems
    if macro.set_status and macro.set_status != ticket.status:
        changes.append(f"Status: {ticket.get_status_display()} → {Ticket.Status(macro.set_status).label}")
    if macro.set_priority and macro.set_priority != ticket.priority:
        changes.append(
            f"Priority: {ticket.get_priority_display()} → {Ticket.Priority(macro.set_priority).label}"
        )
    added, removed = tagging.tag_changes(ticket.tags, add=macro.add_tags, remove=macro.remove_tags)
    changes += [f"Add tag {tag}" for tag in added] + [f"Remove tag {tag}" for tag in removed]
    assignee = macro.assign_agent
    if assignee is not None and assignee.pk != ticket.assignee_id:
        changes.append(f"Assign to {display_name(assignee)}")
        if macro.assign_agent_id != actor.pk and not permissions.may_assign_others(actor):
            problems.append("Only senior agents, managers and admins assign tickets to others.")
    if macro.assign_tier_id and macro.assign_tier_id != ticket.tier_id:
        changes.append(f"Move to tier {macro.assign_tier}")
    if macro.followup_hours:
        changes.append(f"Back to open in {macro.followup_hours} h if the customer has not answered by then")
    if changes and not ticket.is_open:
        problems.append(f"The ticket is {ticket.get_status_display().lower()}; reopen it first.")
    return preview


@transaction.atomic
def apply_macro(macro: Macro, ticket: Ticket, *, actor: AbstractBaseUser) -> tuple[Ticket, str]:
    """Make ``macro``'s changes on ``ticket`` and return it with the filled reply text.

    Raises ``NotAllowed`` for someone off the support ladder or a change the actor may not make
    (nothing is changed then), ``InvalidInput`` for an inactive macro and ``IllegalTransition``
    when the macro changes a ticket that is not open.
    """
    permissions.check_support_staff(actor, "apply macros")
    if not macro.is_active:
        raise InvalidInput(f"The macro “{macro.name}” is switched off.", field="macro")
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("tier", "customer").get(pk=ticket.pk)
    )
    preview = preview_macro(macro, ticket, actor=actor)
    if preview.changes and not ticket.is_open:
        raise IllegalTransition(f"The ticket is {ticket.get_status_display().lower()}; reopen it first.")
    reason = f"Macro “{macro.name}”"
    if macro.assign_tier_id and macro.assign_tier_id != ticket.tier_id:
        import_string(settings.TICKET_TIER_MOVE)(ticket, tier=macro.assign_tier, actor=actor, reason=reason)
        ticket.refresh_from_db()
    if macro.assign_agent_id and macro.assign_agent_id != ticket.assignee_id:
        ticket = actions.assign_ticket(ticket, agent=macro.assign_agent, actor=actor)
    if macro.set_priority:
        ticket = actions.change_priority(ticket, priority=macro.set_priority, actor=actor, reason=reason)
    if macro.set_status:
        ticket = actions.change_status(ticket, status=macro.set_status, actor=actor)
    tagging.apply_tag_changes(
        ticket, add=list(macro.add_tags), remove=list(macro.remove_tags), actor=actor, source="macro"
    )
    event = events.record(
        ticket,
        TicketEvent.Kind.MACRO_APPLIED,
        actor=actor,
        data={"macro_id": macro.pk, "macro_name": macro.name, "changes": preview.changes},
    )
    if macro.followup_hours:
        run_at = timezone.now() + timedelta(hours=macro.followup_hours)
        schedule_once("tickets.macros.follow_up", ticket.pk, event.pk, run_at=run_at)
    return ticket, preview.text


@transaction.atomic
def follow_up(ticket_id: int, macro_event_id: int) -> Ticket | None:
    """A macro's follow-up came due: a ticket still waiting on the customer comes back to open.

    Idempotent job: nothing happens when the customer wrote since the macro, the ticket moved
    on, or this follow-up already ran.
    """
    event = TicketEvent.objects.filter(pk=macro_event_id, ticket_id=ticket_id).first()
    if event is None:
        return None
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    already = ticket.events.filter(
        kind=TicketEvent.Kind.MACRO_FOLLOWUP_DUE, data__macro_event_id=macro_event_id
    ).exists()
    answered = ticket.messages.filter(direction="inbound", created_at__gt=event.at).exists()
    if already or answered or ticket.status != Ticket.Status.PENDING:
        return ticket
    ticket = actions.change_status(ticket, status=Ticket.Status.OPEN, actor=None)
    events.record(
        ticket,
        TicketEvent.Kind.MACRO_FOLLOWUP_DUE,
        data={"macro_event_id": macro_event_id, "macro_name": event.data.get("macro_name", "")},
    )
    return ticket


def check_manage_macros(actor: AbstractBaseUser | None) -> None:
    """Managers and admins edit macros; agents only use them."""
    if not permissions.holds_role(actor, ROLE_MANAGER):
        raise NotAllowed("Only managers and admins create or edit macros.")


@transaction.atomic
def save_macro(macro: Macro, *, actor: AbstractBaseUser) -> Macro:
    """Create or update ``macro`` (validated by its form) on a manager's say."""
    check_manage_macros(actor)
    macro.add_tags = tagging.normalize_tags(macro.add_tags)
    macro.remove_tags = tagging.normalize_tags(macro.remove_tags)
    if set(macro.add_tags) & set(macro.remove_tags):
        raise InvalidInput("A tag cannot be both added and removed by the same macro.", field="remove_tags")
    if macro.assign_agent_id and macro.assign_tier_id:
        raise InvalidInput("Assign to an agent or to a tier, not both.", field="assign_tier")
    macro.save()
    return macro
