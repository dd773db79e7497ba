"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    return {"STORE_NAME": settings.STORE_NAME, "STORE_CURRENCY": settings.STORE_CURRENCY}
