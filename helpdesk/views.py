"""The home page: people who work tickets land on their inbox; others on the start page."""

import sys

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults

from helpdesk.middleware import database_unavailable, is_database_outage
from tickets.queries import ROLE_ADMIN, ROLE_AGENT, ROLE_MANAGER, ROLE_SENIOR, has_role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if has_role(request.user, ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN):
        return redirect("tickets:inbox")
    return render(request, "home.html")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """A database outage is a 503 with Retry-After (JSON under /api/); anything else a plain 500."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_outage(exc):
        return database_unavailable(request)
    if _is_api(request):
        return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
    return defaults.server_error(request)
