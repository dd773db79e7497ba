"""Template context for the header on every page: notifications bell and availability."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import cached_property

from tickets.models import Notification
from tickets.roles import ROLE_ADMIN, ROLE_AGENT, ROLE_MANAGER, ROLE_SENIOR, is_support_staff, roles_of


class Chrome:
    """Lazy: a page that does not render the header pays no queries."""

    def __init__(self, request: HttpRequest) -> None:
        self.user = request.user

    @cached_property
    def unread(self) -> int:
        return Notification.objects.unread().filter(recipient=self.user).count()

    @cached_property
    def availability(self) -> str:
        profile = getattr(self.user, "agent_profile", None)
        return profile.availability if profile is not None else ""

    @cached_property
    def works_tickets(self) -> bool:
        return is_support_staff(self.user)

    @cached_property
    def roles(self) -> str:
        order = [ROLE_ADMIN, ROLE_MANAGER, ROLE_SENIOR, ROLE_AGENT]
        held = roles_of(self.user)
        return ", ".join(role for role in order if role in held)


def chrome(request: HttpRequest) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"chrome": Chrome(request)}
