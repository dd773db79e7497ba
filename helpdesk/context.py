"""Template context shared by every page: the store, and which main-nav sections the user may open."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tickets.queries import ROLE_ADMIN, ROLE_MANAGER, has_role


def site(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "STORE_NAME": settings.STORE_NAME,
        "STORE_CURRENCY": settings.STORE_CURRENCY,
        # By role (groups are loaded for every page anyway); someone granted the analytics permission
        # individually opens the pages by URL. Lazy: pages without the nav pay nothing.
        "can_view_analytics": SimpleLazyObject(
            lambda: bool(user and has_role(user, ROLE_MANAGER, ROLE_ADMIN))
        ),
    }
