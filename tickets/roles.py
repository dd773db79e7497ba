"""The role ladder: the one place that says who holds which role.

Roles are Django groups. The ladder climbs agent < senior agent < manager < admin: a role may do
whatever a lower one may, and superusers hold every role. Integrations (API keys) stand off the
ladder. Everything that asks "may this user act as ``role``" (permission checks, approvals,
notification recipients, the inbox's views) derives its answer from ``roles_at_or_above``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

# Whoever a request or an action carries: a user of the user model, or the anonymous visitor.
Person = AbstractBaseUser | AnonymousUser

ROLE_AGENT = "agent"
ROLE_SENIOR = "senior agent"
ROLE_MANAGER = "manager"
ROLE_ADMIN = "admin"
ROLE_INTEGRATION = "integration"

ROLE_LADDER = (ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN)
# Roles an approval may be addressed to: the ladder above the first rung.
APPROVAL_ROLES = ROLE_LADDER[1:]


def display_name(user: AbstractBaseUser) -> str:
    """The name shown for a person: their full name, else their username."""
    person = cast(Any, user)
    return person.get_full_name() or person.get_username()


def _role_names(user: Person) -> set[str]:
    # The user's group names, read once per user object and cached on it.
    person = cast(Any, user)
    names = getattr(person, "_role_names", None)
    if names is None:
        names = set(person.groups.values_list("name", flat=True))
        person._role_names = names
    return names


def has_role(user: Person, *roles: str) -> bool:
    """``user`` is in one of the groups ``roles`` exactly (superusers: always)."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(_role_names(user) & set(roles))


def roles_of(user: Person) -> set[str]:
    """The user's role names (superusers hold every rung of the ladder)."""
    if not user.is_authenticated:
        return set()
    if getattr(user, "is_superuser", False):
        return set(ROLE_LADDER)
    return set(_role_names(user))


def roles_at_or_above(role: str) -> list[str]:
    """``role`` and every role above it; a role off the ladder is held by itself and admins."""
    if role not in ROLE_LADDER:
        return [role, ROLE_ADMIN]
    return list(ROLE_LADDER[ROLE_LADDER.index(role) :])


def holds_role(user: Person | None, role: str) -> bool:
    """``user`` has ``role`` or one above it (superusers hold every role)."""
    return user is not None and has_role(user, *roles_at_or_above(role))


def is_support_staff(user: Person | None) -> bool:
    """A person on the ladder: agents and everyone above them (who may own a ticket)."""
    return holds_role(user, ROLE_AGENT)


def sees_all_tickets(user: Person) -> bool:
    """Managers, admins and integrations see (and integrations write into) every ticket."""
    return has_role(user, ROLE_ADMIN, ROLE_MANAGER, ROLE_INTEGRATION)


def decidable_roles(user: Person) -> list[str]:
    """Approval roles ``user`` may decide: each one they hold or hold a role above."""
    return [role for role in APPROVAL_ROLES if holds_role(user, role)]


def users_holding(role: str) -> QuerySet:
    """Active users who hold ``role`` or a role above it (superusers included)."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=roles_at_or_above(role)) | Q(is_superuser=True), is_active=True)
        .distinct()
    )
