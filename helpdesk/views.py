"""The home page: people who work tickets land on their inbox; others on the start page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tickets.queries import ROLE_ADMIN, ROLE_AGENT, ROLE_MANAGER, ROLE_SENIOR, has_role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if has_role(request.user, ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN):
        return redirect("tickets:inbox")
    return render(request, "home.html")
