"""The header: availability and the notifications bell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from helpdesk.errors import HelpdeskError
from helpdesk.http import HtmxHttpRequest
from routing import assignment
from tickets import forms
from tickets.models import Notification
from tickets.notifications import muted_kinds, set_muted_kinds
from tickets.views.common import done, error_text, flash, form_error_text, safe_next


@require_GET
def header_tools(request: HtmxHttpRequest) -> HttpResponse:
    """The header's availability switch and notifications bell, loaded after each page."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    if not request.htmx:  # opened as a page: the notifications page carries the same header
        return redirect("tickets:notifications")
    referer = request.headers.get("HX-Current-URL", "")
    context = {"header_tools": True, "next_url": referer}
    template = "base.html#bell-button" if request.GET.get("part") == "bell" else "base.html#header-tools"
    return render(request, template, context)


@require_POST
@login_required
def set_availability(request: HtmxHttpRequest) -> HttpResponse:
    """Online / away / offline for the signed-in user (routing assigns only to online agents)."""
    form = forms.AvailabilityForm(request.POST)
    back = safe_next(request, reverse("tickets:inbox"))
    if not form.is_valid():
        return flash(request, form_error_text(form), level="error")
    try:
        assignment.set_availability(request.user, form.cleaned_data["availability"], actor=request.user)
    except HelpdeskError as error:
        return flash(request, error_text(error), level="error")
    label = dict(form.fields["availability"].choices)[form.cleaned_data["availability"]]
    if request.htmx:
        return flash(request, f"You are {label.lower()}.")
    return done(request, f"You are {label.lower()}.", to=back)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def notifications(request: HtmxHttpRequest) -> HttpResponse:
    """The bell's menu (HTMX) or the full notifications page; only the user's own."""
    items = (
        Notification.objects.filter(recipient=request.user)
        .select_related("ticket")
        .order_by("-created_at")[:50]
    )
    template = "tickets/notifications.html#bell-menu" if request.htmx else "tickets/notifications.html"
    context = {"notifications": list(items)}
    if not request.htmx:
        context |= {"mute_choices": Notification.Kind.choices, "muted": muted_kinds(request.user)}
    return render(request, template, context)


@require_POST
@login_required
def set_mutes(request: HtmxHttpRequest) -> HttpResponse:
    """Mute the ticked kinds of notification (and unmute the rest)."""
    try:
        kinds = set_muted_kinds(request.user, request.POST.getlist("kinds"))
    except HelpdeskError as error:
        return flash(request, error_text(error), level="error", status=400)
    text = f"Muted: {', '.join(sorted(kinds))}." if kinds else "No notification kind is muted."
    return done(request, text, to=reverse("tickets:notifications"))


@require_POST
@login_required
def open_notification(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go where it points."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.url or reverse("tickets:notifications")
    return redirect(target) if not request.htmx else _client_redirect(target)


@require_POST
@login_required
def mark_all_read(request: HtmxHttpRequest) -> HttpResponse:
    Notification.objects.unread().filter(recipient=request.user).update(read_at=timezone.now())
    if request.htmx:
        return render(
            request, "tickets/notifications.html#bell-menu", {"notifications": [], "bell_oob": True}
        )
    return done(request, "All notifications marked read.", to=safe_next(request, reverse("tickets:inbox")))


def _client_redirect(target: str) -> HttpResponse:
    from django_htmx.http import HttpResponseClientRedirect

    return HttpResponseClientRedirect(target)
