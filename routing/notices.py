"""Who gets told: role and team recipients, in-app notifications and their emails.

In-app rows are written by ``tickets.notifications.notify`` (the one writer); the email copy is a
job after commit, so a slow mail server never holds a ticket lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from helpdesk.queue import enqueue_on_commit
from tickets.models import Ticket
from tickets.notifications import notify

# The one role ladder (higher roles may do what lower ones may): ``tickets.roles``.
from tickets.roles import holds_role, users_holding

__all__ = ["alert", "exact_role", "holds_role", "team_members", "users_with_role"]

# Active users holding a role or a role above it.
users_with_role = users_holding


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
