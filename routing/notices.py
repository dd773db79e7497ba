"""Who gets told: role and team recipients, in-app notifications and their emails.

In-app rows are written by ``tickets.notifications.notify`` (the one writer); the email copy is a
job after commit, so a slow mail server never holds a ticket lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from helpdesk.queue import enqueue_on_commit
from tickets.models import Ticket
from tickets.notifications import notify

# The one role ladder (higher roles may do what lower ones may) lives with the ticket actions.
from tickets.permissions import ROLE_LADDER, holds_role, roles_at_or_above

__all__ = ["ROLE_LADDER", "alert", "exact_role", "holds_role", "roles_at_or_above", "team_members"]


def users_with_role(role: str) -> QuerySet:
    """Active users holding ``role`` or a role above it."""
    roles = roles_at_or_above(role)
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=roles) | Q(is_superuser=True), is_active=True)
        .distinct()
    )


def exact_role(role: str) -> QuerySet:
    return get_user_model().objects.filter(groups__name=role, is_active=True)


def team_members(team_id: int | None) -> QuerySet:
    return get_user_model().objects.filter(agent_profile__team_id=team_id, is_active=True)


def alert(recipients: Iterable[AbstractBaseUser], *, kind: str, text: str, ticket: Ticket | None) -> int:
    """Notify ``recipients`` in the app and, after commit, by email. Returns how many were told."""
    rows = notify(recipients, kind=kind, text=text, ticket=ticket)
    if rows:
        enqueue_on_commit("routing.jobs.email_notifications", [row.pk for row in rows])
    return len(rows)
