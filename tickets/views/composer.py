"""The reply composer: send (Markdown, attachments, collision check), macros, tags, presence.

Each view parses, gets the ticket through ``access_ticket``, calls one action and answers with
the changed parts of the ticket page (HTMX) or the page again. A stale send answers 409 with the
composer showing the newer reply and a "send anyway" button (the composer script lets htmx swap
that 409). Managers edit macros on their own page under the inbox.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from helpdesk.errors import HelpdeskError
from helpdesk.http import HtmxHttpRequest
from tickets import composer, drafts, forms, macros, permissions, presence, queries, tagging
from tickets.models import Macro, Ticket
from tickets.views.common import done, error_text, form_error_text
from tickets.views.detail import ticket_context
from tickets.views.ticket_actions import _answer, _refuse


def _composer(request: HtmxHttpRequest, ticket: Ticket, *, status: int = 200, **extra) -> HttpResponse:
    """The composer partial (HTMX, swapped out-of-band) or the whole page."""
    context = ticket_context(request, ticket, oob=bool(request.htmx), **extra)
    template = "tickets/ticket_detail.html#composer" if request.htmx else "tickets/ticket_detail.html"
    return render(request, template, context, status=status)


def _refreshed(request: HtmxHttpRequest, ticket: Ticket, text: str, **extra) -> HttpResponse:
    """After an action: the changed panels with the composer (``extra`` fills it), or the page."""
    if not request.htmx or not queries.visible_tickets(request.user).filter(pk=ticket.pk).exists():
        return _answer(request, ticket, text, composer=True)
    ticket = queries.access_ticket(request.user, ticket.pk)
    context = ticket_context(
        request, ticket, flash_text=text, flash_level="success", refresh_composer=True, **extra
    )
    return render(request, "tickets/ticket_detail.html#refresh", context)


@require_POST
@login_required
def reply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    data = form.cleaned_data
    body = data["body"]
    similarity = drafts.draft_similarity(ticket, body, from_draft=request.POST.get("from_draft") == "1")
    try:
        message = composer.send_reply(
            ticket,
            text=body,
            author=request.user,
            last_seen_id=data["last_seen"],
            send_anyway=data["send_anyway"],
            uploads=request.FILES.getlist("attachments"),
            commits_amount=data.get("commits_amount"),
            draft_similarity=similarity,
        )
    except composer.ReplyCollision as collision:
        kept = forms.ReplyForm(initial={"body": body, "commits_amount": data.get("commits_amount")})
        return _composer(request, ticket, status=409, reply_form=kept, collision=collision.newer)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    held = message.delivery_status == message.Delivery.HELD
    return _answer(
        request, ticket, "Reply held until the approval is given." if held else "Reply sent.", composer=True
    )


@require_GET
@login_required
@vary_on_headers("HX-Request")
def preview_macro(request: HtmxHttpRequest, pk: int, macro_id: int) -> HttpResponse:
    """The composer showing what the macro would write and change, with "Apply"."""
    ticket = queries.access_ticket(request.user, pk)
    macro = get_object_or_404(
        Macro.objects.select_related("assign_agent", "assign_tier"), pk=macro_id, is_active=True
    )
    return _composer(request, ticket, macro_preview=macros.preview_macro(macro, ticket, actor=request.user))


@require_POST
@login_required
def apply_macro(request: HtmxHttpRequest, pk: int, macro_id: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    macro = get_object_or_404(Macro.objects.select_related("assign_agent", "assign_tier"), pk=macro_id)
    try:
        ticket, text = macros.apply_macro(macro, ticket, actor=request.user)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    message = f"Macro “{macro.name}” applied. Check the reply, then send it."
    return _refreshed(
        request, ticket, message, reply_form=forms.ReplyForm(initial={"body": text}), draft_state="macro"
    )


@require_POST
@login_required
def edit_tags(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.TagEditForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    try:
        tagging.edit_ticket_tags(
            ticket, add=form.cleaned_data["add"], remove=form.cleaned_data["remove"], actor=request.user
        )
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, "Tags saved.", composer=True)


@require_POST
@login_required
def heartbeat(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """This agent is on the ticket (typing or not); answers with who else is."""
    ticket = queries.access_ticket(request.user, pk)
    presence.beat(ticket.pk, request.user, typing=request.POST.get("typing") == "1")
    others = presence.others_on([ticket.pk], request.user).get(ticket.pk, [])
    return render(request, "tickets/_presence.html", {"ticket": ticket, "others": others})


@require_GET
@login_required
def presence_list(request: HtmxHttpRequest) -> HttpResponse:
    """Who is on which of the listed tickets (``?ids=1,2,3``), for the inbox rows' markers."""
    ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.isdigit()][:200]
    visible = queries.visible_tickets(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    others = presence.others_on(visible, request.user)
    return JsonResponse({str(tid): [str(p) for p in people] for tid, people in others.items()})


@require_GET
@login_required
def macro_list(request: HtmxHttpRequest) -> HttpResponse:
    """Managers' list of macros (agents see them too, read-only)."""
    rows = Macro.objects.select_related("assign_agent", "assign_tier").order_by("name")
    may_edit = permissions.holds_role(request.user, queries.ROLE_MANAGER)
    return render(request, "tickets/macros.html", {"macros": rows, "may_edit": may_edit})


@require_http_methods(["GET", "POST"])
@login_required
def macro_edit(request: HtmxHttpRequest, macro_id: int | None = None) -> HttpResponse:
    """Create (no id) or edit a macro; managers and admins only."""
    try:
        macros.check_manage_macros(request.user)
    except HelpdeskError as error:
        raise PermissionDenied(error.message) from error
    macro = get_object_or_404(Macro, pk=macro_id) if macro_id else None
    form = forms.MacroForm(request.POST or None, instance=macro)
    if request.method == "POST" and form.is_valid():
        try:
            saved = macros.save_macro(form.save(commit=False), actor=request.user)
        except HelpdeskError as error:
            form.add_error(None, error.message)
        else:
            return done(request, f"Macro “{saved.name}” saved.", to=reverse("tickets:macros"))
    return render(request, "tickets/macro_form.html", {"form": form, "macro": macro})
