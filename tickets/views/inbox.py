"""The inbox: saved views with counts, filters, search, self-refreshing list, bulk actions."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from helpdesk.errors import HelpdeskError
from helpdesk.http import HtmxHttpRequest
from tickets import actions, forms, personal_views, queries
from tickets.models import Ticket
from tickets.views.common import done, flash, form_error_text, safe_next
from tickets.views.detail import may_reassign

PAGE_SIZE = 50


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows, so a deep backlog costs the same as a short one."""

    @cached_property
    def count(self) -> int:
        return self.object_list[: queries.COUNT_CAP].count()

    @property
    def capped(self) -> bool:
        return self.count >= queries.COUNT_CAP


def _fingerprint(request: HtmxHttpRequest, page, counts: dict[str, int]) -> str:
    """What the list shows, hashed: rows (id + last change + unread), totals and the query itself."""
    # The unread flag is the agent's own read state, which does not touch the ticket's row.
    rows = ",".join(
        f"{t.pk}:{t.updated_at.timestamp()}:{int(getattr(t, 'is_unread', False))}" for t in page.object_list
    )
    raw = f"{request.get_full_path()}|{rows}|{page.paginator.count}|{sorted(counts.items())}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    """Full page, or the ``inbox-list`` fragment for HTMX (filters, paging, polling).

    The list polls itself with ``If-None-Match``; when nothing it shows has changed the answer
    is an empty 304 and the agent's place (cursor, ticked rows, scroll) stays untouched.
    """
    if not request.user.is_authenticated:
        login = f"{reverse('login')}?next={reverse('tickets:inbox')}"
        return HttpResponseClientRedirect(login) if request.htmx else _login_redirect(request)
    form = forms.InboxFilterForm(request.GET)
    view = request.GET.get("view") or queries.default_view(request.user)
    if view not in queries.SAVED_VIEW_LABELS:
        view = queries.default_view(request.user)
    rows = queries.inbox_for(request.user, view, form.inbox_filters())
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    personal = queries.personal_views(request.user)
    counts = queries.view_counts(
        request.user, personal=[(f"pv{v.pk}", *personal_views.view_filters(v)) for v in personal]
    )
    etag = _fingerprint(request, page, counts)
    if request.htmx and request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    current = next((v for v in personal if str(v.pk) == request.GET.get("pv", "")), None)
    context = {
        "form": form,
        "view": view,
        "view_label": current.name if current else queries.SAVED_VIEW_LABELS[view],
        "views": [(slug, label, counts[slug]) for slug, label in queries.SAVED_VIEWS],
        "personal_views": [
            (v, counts[f"pv{v.pk}"], personal_views.view_query(v), v.owner_id == request.user.pk)
            for v in personal
        ],
        "current_pv": request.GET.get("pv", ""),
        "current_query": _current_query(request),
        "count_cap": queries.COUNT_CAP,
        "page": page,
        "etag": etag,
        "bulk_form": forms.BulkForm(),
        "may_reassign": may_reassign(request.user),
    }
    # The list polls and filters target #inbox-list; switching saved views swaps the whole page body.
    partial = (
        request.htmx and request.htmx.target == "inbox-list" and not request.htmx.history_restore_request
    )
    template = "tickets/inbox.html#inbox-list" if partial else "tickets/inbox.html"
    response = render(request, template, context)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _current_query(request: HtmxHttpRequest) -> str:
    """The filters on screen as a query string (what "Save view" stores): no page, no ``pv``."""
    params = request.GET.copy()
    for key in ("page", "pv"):
        params.pop(key, None)
    return params.urlencode()


def _login_redirect(request: HtmxHttpRequest) -> HttpResponse:
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(request.get_full_path())


@require_POST
@login_required
def bulk(request: HtmxHttpRequest) -> HttpResponse:
    """Assign, reprioritise or close the ticked tickets the user may see (others are ignored)."""
    form = forms.BulkForm(request.POST)
    back = safe_next(request, reverse("tickets:inbox"))
    if not form.is_valid():
        return _bulk_answer(request, form_error_text(form), back=back, level="error")
    data = form.cleaned_data
    if data["action"] == "assign" and not may_reassign(request.user):
        raise PermissionDenied("Only senior agents, managers and admins assign tickets to others.")
    tickets = list(queries.visible_tickets(request.user).filter(pk__in=data["tickets"]).order_by("pk"))
    done_count, skipped = 0, []
    for ticket in tickets:
        try:
            _apply_bulk(ticket, data, actor=request.user)
            done_count += 1
        except HelpdeskError as error:
            skipped.append(f"{ticket.reference} ({error.message})")
    text = f"{done_count} ticket{'s' if done_count != 1 else ''} updated."
    if skipped:
        text += " Skipped: " + "; ".join(skipped)
    return _bulk_answer(request, text, back=back, level="error" if skipped and not done_count else "success")


def _apply_bulk(ticket: Ticket, data: dict, *, actor) -> None:
    action = data["action"]
    if action == "assign_me":
        actions.assign_ticket(ticket, agent=actor, actor=actor)
    elif action == "assign":
        actions.assign_ticket(ticket, agent=data["agent"], actor=actor)
    elif action == "priority":
        actions.change_priority(ticket, priority=data["priority"], actor=actor, reason="bulk edit")
    elif action == "close":
        if ticket.is_open:
            actions.resolve_ticket(
                ticket,
                actor=actor,
                resolution_method=data["resolution_method"],
                root_cause=data["root_cause"],
                root_cause_name=data["new_root_cause"],
            )
        actions.close_ticket(ticket, actor=actor, reason="bulk close")


def _bulk_answer(request: HtmxHttpRequest, text: str, *, back: str, level: str) -> HttpResponse:
    if not request.htmx:
        return done(request, text, to=back) if level == "success" else _error_redirect(request, text, back)
    response = flash(request, text, level=level)
    return trigger_client_event(response, "inbox-refresh")


def _error_redirect(request: HtmxHttpRequest, text: str, back: str) -> HttpResponse:
    from django.contrib import messages
    from django.shortcuts import redirect

    messages.error(request, text)
    return redirect(back)


# --- personal views -----------------------------------------------------------------------------


def _view_answer(
    request: HtmxHttpRequest, call, *, success: str, back: str, open_view: bool = False
) -> HttpResponse:
    """Run a personal-view action; redirect with its message (to the view itself with
    ``open_view``, else back), or back with the error named."""
    try:
        result = call()
    except HelpdeskError as error:
        return _error_redirect(request, error.message, back)
    to = f"{reverse('tickets:inbox')}?{personal_views.view_query(result)}" if open_view else back
    if request.htmx:
        return HttpResponseClientRedirect(to)
    return done(request, success, to=to)


@require_POST
@login_required
def save_view(request: HtmxHttpRequest) -> HttpResponse:
    """Save the filters on screen (``filters``, a query string) as a named personal view."""
    back = safe_next(request, reverse("tickets:inbox"))
    raw = QueryDict(request.POST.get("filters", ""))
    # Paging and the current personal view are where the agent is, not what the view shows.
    filters = {key: raw.get(key) for key in raw if key not in ("page", "pv")}
    name = request.POST.get("name", "")
    return _view_answer(
        request,
        lambda: personal_views.save_view(request.user, name=name, filters=filters),
        success=f"View “{name.strip()}” saved.",
        back=back,
        open_view=True,
    )


@require_POST
@login_required
def change_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Move a personal view up or down, share or unshare it, or delete it (``op``)."""
    back = safe_next(request, reverse("tickets:inbox"))
    op = request.POST.get("op", "")
    if op in ("up", "down"):
        return _view_answer(
            request,
            lambda: personal_views.move_view(request.user, pk, direction=op),
            success="View moved.",
            back=back,
        )
    if op in ("share", "unshare"):
        return _view_answer(
            request,
            lambda: personal_views.share_view(request.user, pk, shared=op == "share"),
            success="View shared with your team." if op == "share" else "View no longer shared.",
            back=back,
        )
    if op == "delete":
        return _view_answer(
            request, lambda: personal_views.delete_view(request.user, pk), success="View deleted.", back=back
        )
    return _error_redirect(request, "Unknown change to a view: use up, down, share, unshare or delete.", back)
