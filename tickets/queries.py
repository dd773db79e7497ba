"""Reads that matter: who may see which ticket, and the querysets behind lists.

``access_ticket`` is the only way a view or API endpoint gets a ticket: it raises 404 both
for a missing ticket and for one the user may not see, so ids cannot be probed.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from tickets.models import Message, Ticket, TicketEvent

ROLE_AGENT = "agent"
ROLE_SENIOR = "senior agent"
ROLE_MANAGER = "manager"
ROLE_ADMIN = "admin"
ROLE_INTEGRATION = "integration"


def has_role(user: AbstractBaseUser, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return bool(names & set(roles))


def sees_all_tickets(user: AbstractBaseUser) -> bool:
    return has_role(user, ROLE_ADMIN, ROLE_MANAGER, ROLE_INTEGRATION)


def is_staff_member(user: AbstractBaseUser) -> bool:
    """Agents, senior agents, managers and admins: the people who may own a ticket."""
    return has_role(user, ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN)


def assignable_agents() -> QuerySet:
    """Active users who may be a ticket's assignee."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(groups__name__in=[ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN])
        )
        .distinct()
    )


def visible_tickets(user: AbstractBaseUser) -> QuerySet[Ticket]:
    """Tickets ``user`` may see: admins, managers and integrations all; agents their team's queue,
    their tier's escalations and what is assigned to them."""
    tickets = Ticket.objects.all()
    if not user.is_authenticated:
        return tickets.none()
    if sees_all_tickets(user):
        return tickets
    profile = getattr(user, "agent_profile", None)
    scope = Q(assignee=user)
    if profile is not None:
        if profile.team_id:
            scope |= Q(team_id=profile.team_id)
        if profile.tier_id:
            scope |= Q(tier_id=profile.tier_id)
    return tickets.filter(scope)


def access_ticket(user: AbstractBaseUser, ticket_id: int | str, *, for_update: bool = False) -> Ticket:
    """The ticket ``ticket_id`` if ``user`` may see it; ``Http404`` otherwise."""
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        raise Http404("No such ticket.") from None
    queryset = visible_tickets(user).select_related(
        "customer", "order", "assignee", "tier", "team", "root_cause"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    ticket = queryset.filter(pk=pk).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def ticket_list(user: AbstractBaseUser) -> QuerySet[Ticket]:
    """The API's ticket list: visible tickets with what each row shows, in one query per page."""
    return visible_tickets(user).select_related("customer", "assignee", "tier", "team")


def ticket_detail(user: AbstractBaseUser) -> QuerySet[Ticket]:
    return (
        ticket_list(user)
        .select_related("order", "root_cause")
        .prefetch_related(
            Prefetch(
                "messages", queryset=Message.objects.select_related("author").prefetch_related("attachments")
            ),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
        )
    )
