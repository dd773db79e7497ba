"""The public CSAT page: no login, reached only through a signed link."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from followups import actions
from followups.forms import CsatForm
from helpdesk.errors import HelpdeskError


@never_cache
@require_http_methods(["GET", "POST"])
def csat(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the 1-5 form (``?score=`` preselects; mail scanners prefetch links, so GET never records)."""
    context = {"state": "form"}
    try:
        followup = actions.followup_for_token(token)
        if followup.answered:
            raise actions.CsatAlreadyAnswered()
        form = CsatForm(request.POST or None, initial={"score": request.GET.get("score")})
        if request.method == "POST" and form.is_valid():
            actions.record_csat(followup, **form.cleaned_data)
            context["state"] = "thanks"
            context["low"] = form.cleaned_data["score"] <= 2
        context.update(form=form, ticket=followup.ticket)
        return render(request, "followups/csat.html", context)
    except HelpdeskError as exc:
        states = {
            actions.CsatAlreadyAnswered: "answered",
            actions.CsatLinkExpired: "expired",
        }
        context = {"state": states.get(type(exc), "invalid"), "error": exc.message}
        return render(request, "followups/csat.html", context, status=exc.status)
