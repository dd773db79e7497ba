"""Who may change what: the ``check_*`` every action calls before it acts.

The role ladder (``tickets.roles``) climbs agent < senior agent < manager < admin; a role may do
whatever a lower one may, and superusers hold every role. Integrations (API keys) stand off the ladder: they bring
messages, customers and orders in, and people act on tickets, so no ticket action accepts an
integration as its actor.

Each check takes the actor the action was given. ``None`` is the system (jobs, the routing
engine, a customer's CSAT answer): what it may do is fixed by the code that calls it, so only
people are checked. A refusal is ``NotAllowed`` (403 in the API and the inbox alike), which is
why the inbox, the API, the admin and jobs cannot disagree: they all call the same action.
Views may call the ``may_*`` predicates to decide what to show, never to decide what happens.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from helpdesk.errors import InvalidInput, NotAllowed
from tickets.models import Ticket
from tickets.queries import GENERAL_TIER_RANK, visible_tickets
from tickets.roles import (
    ROLE_LADDER,
    ROLE_SENIOR,
    display_name,
    holds_role,
    is_support_staff,
    roles_at_or_above,
    sees_all_tickets,
)

__all__ = ["ROLE_LADDER", "holds_role", "is_support_staff", "roles_at_or_above"]


def _person(actor: AbstractBaseUser | None) -> bool:
    return actor is not None and actor.is_authenticated


def may_assign_others(user: AbstractBaseUser | None) -> bool:
    """Senior agents and above hand tickets to other people (or take them off someone)."""
    return holds_role(user, ROLE_SENIOR)


def check_support_staff(actor: AbstractBaseUser | None, doing: str) -> None:
    """Refuse anyone off the ladder (integrations, customers' accounts): ``doing`` names the act."""
    if actor is None:
        return
    if not _person(actor) or not is_support_staff(actor):
        raise NotAllowed(f"Only support staff may {doing}; integrations post messages, not ticket changes.")


def check_sees(actor: AbstractBaseUser | None, *tickets: Ticket) -> None:
    """Refuse a person who may not see every one of ``tickets`` (``queries.visible_tickets``):
    an action that touches two tickets checks both, whatever page or API called it. One query."""
    if actor is None or not actor.is_authenticated:
        return
    ids = {ticket.pk for ticket in tickets}
    if visible_tickets(actor).filter(pk__in=ids).count() != len(ids):
        raise NotAllowed("You may only work on tickets of your queue, your tier or assigned to you.")


def check_assign(actor: AbstractBaseUser | None, ticket: Ticket, agent: AbstractBaseUser | None) -> None:
    """Anyone on the ladder takes a ticket or lets go of their own; only seniors and above give
    it to someone else or take it off someone. ``ticket`` must be the locked row, so two
    requests cannot both see it as "mine"."""
    if actor is None:
        return
    check_support_staff(actor, "assign tickets")
    taking = agent is not None and agent.pk == actor.pk
    releasing_own = agent is None and ticket.assignee_id == actor.pk
    if not (taking or releasing_own or may_assign_others(actor)):
        raise NotAllowed("Only senior agents, managers and admins assign tickets to others.")


def check_tier(ticket: Ticket, agent: AbstractBaseUser | None) -> None:
    """A ticket in a tier above the general queue goes only to people of that tier or above: a
    specialist-tier ticket is never a frontline agent's. People without a tier (managers,
    admins without a profile) may hold any ticket. ``InvalidInput`` names both tiers."""
    if agent is None or ticket.tier_id is None:
        return
    profile = getattr(agent, "agent_profile", None)
    if profile is None or profile.tier_id is None or profile.tier_id == ticket.tier_id:
        return
    tier = ticket.tier
    if tier is not None and profile.tier.rank < tier.rank and tier.rank > GENERAL_TIER_RANK:
        name = display_name(agent)
        raise InvalidInput(
            f"{name} works the {profile.tier} tier; this ticket is in the {ticket.tier} tier. "
            "Assign someone of that tier, or de-escalate the ticket first.",
            field="assignee",
        )


def check_customer_writer(actor: AbstractBaseUser | None) -> None:
    """Integrations, managers, admins and support staff write customers' records."""
    if actor is None:
        return
    if not (sees_all_tickets(actor) or is_support_staff(actor)):
        raise NotAllowed("Your role may not read or write customers.")


def check_order_writer(actor: AbstractBaseUser | None) -> None:
    """Integrations, managers and admins write orders (a store pushes them)."""
    if actor is None:
        return
    if not sees_all_tickets(actor):
        raise NotAllowed("Only integrations, managers and admins may write orders.")
