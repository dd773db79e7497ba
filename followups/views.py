"""The public CSAT page (no login, reached only through a signed link) and the widget demo page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from followups import actions, queries
from followups.forms import CsatForm
from followups.models import CsatResponse, WidgetSite
from helpdesk.errors import HelpdeskError
from tickets.attachments import download_response


@never_cache
@require_http_methods(["GET", "POST"])
def csat(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the 1-5 form (``?score=`` preselects; mail scanners prefetch links, so GET never records)."""
    context = {"state": "form"}
    try:
        followup = actions.followup_for_token(token)
        if followup.answered:
            raise actions.CsatAlreadyAnswered()
        form = CsatForm(
            request.POST if request.method == "POST" else None, initial={"score": request.GET.get("score")}
        )
        if request.method == "POST" and form.is_valid():
            actions.record_csat(followup, **form.cleaned_data)
            context["state"] = "thanks"
            context["low"] = form.cleaned_data["score"] <= CsatResponse.LOW_SCORE_MAX
        context.update(form=form, ticket=followup.ticket)
        return render(request, "followups/csat.html", context)
    except HelpdeskError as exc:
        states = {
            actions.CsatAlreadyAnswered: "answered",
            actions.CsatLinkExpired: "expired",
        }
        context = {"state": states.get(type(exc), "invalid"), "error": exc.message}
        return render(request, "followups/csat.html", context, status=exc.status)


@login_required
@require_http_methods(["GET"])
def widget_demo(request: HttpRequest) -> HttpResponse:
    """A stand-in shop page with the widget embedded, to try the chat from the demo."""
    origin = f"{request.scheme}://{request.get_host()}"
    site = next((s for s in WidgetSite.objects.filter(is_active=True) if s.allows_origin(origin)), None)
    if site is None:
        raise Http404("No active widget site allows this origin; add it in the admin.")
    return render(request, "followups/widget_demo.html", {"site": site})


@never_cache
@require_GET
def chat_attachment(request: HttpRequest, token: str) -> HttpResponse:
    """A file an agent sent in a chat, for the visitor (the signed link is the permission)."""
    attachment = queries.chat_attachment_for_token(token)
    if attachment is None:
        raise Http404("This link is not valid or has expired.")
    return download_response(attachment)
