"""Pages of what the AI did: "Handled by AI", the review queue, take over, the sampling share.

Views parse, call an action or a query and render; who may act is checked in the actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from helpdesk.errors import HelpdeskError
from resolution import actions, queries
from resolution.forms import ReviewForm, SamplingForm, TakeOverForm
from resolution.models import AiResolution, ReviewSampling
from tickets.queries import access_ticket, is_staff_member

PAGE_SIZE = 25


def _staff(request: HttpRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@require_GET
def handled(request: HttpRequest) -> HttpResponse:
    _staff(request)
    view = request.GET.get("view", "sent")
    rows = queries.refused() if view == "refused" else queries.handled_by_ai()
    return render(
        request,
        "resolution/handled.html",
        {
            "page": _page(request, rows),
            "view": view,
            "share": ReviewSampling.current_share(),
            "can_review": actions.may_review(request.user),
        },
    )


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(
        request,
        "resolution/review_queue.html",
        {
            "page": _page(request, queries.review_queue()),
            "form": ReviewForm(),
            "share": ReviewSampling.current_share(),
        },
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(AiResolution, pk=pk)
    access_ticket(request.user, attempt.ticket_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose right or wrong.")
        return redirect("resolution:review-queue")
    try:
        actions.review_ai_reply(attempt, reviewer=request.user, **form.cleaned_data)
    except HelpdeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Review saved for {attempt.ticket.reference}.")
    # Reviewed from "Handled by AI" (any reply, sampled or not): back to that list.
    if request.POST.get("next") == "handled":
        return redirect(f"{reverse('resolution:handled')}#ai-{attempt.pk}")
    return redirect("resolution:review-queue")


@login_required
@require_POST
def take_over(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access_ticket(request.user, ticket_id)
    form = TakeOverForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        actions.take_over(ticket, actor=request.user, reason=reason)
    except HelpdeskError as error:
        messages.error(request, error.message)
        return redirect("resolution:handled")
    messages.success(request, f"You took {ticket.reference} over from the AI.")
    return redirect("tickets:detail", ticket.pk)


@login_required
@require_POST
def set_sampling(request: HttpRequest) -> HttpResponse:
    form = SamplingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The share is a number between 0 and 1.")
        return redirect("resolution:review-queue")
    try:
        actions.set_review_share(form.cleaned_data["share"], actor=request.user)
    except HelpdeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{form.cleaned_data['share']:.0%} of AI replies now go to review.")
    return redirect("resolution:review-queue")
