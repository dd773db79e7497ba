"""POSTs that snooze, merge and split a ticket, and undo a merge or split within its minute.

Same shape as ``ticket_actions``: access the ticket, validate the form, call one action
(``tickets.snooze`` / ``tickets.merging``, which check who may), answer. A merge or split
changes which ticket the agent should look at, so those answer with a (client) redirect; the
page then offers "Undo" while the minute lasts.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from helpdesk.errors import HelpdeskError
from helpdesk.http import HtmxHttpRequest
from tickets import forms, merging, queries, snooze
from tickets.models import TicketMerge, TicketSplit
from tickets.views.common import error_text, form_error_text
from tickets.views.ticket_actions import _answer, _refuse


def _go(request: HtmxHttpRequest, ticket_id: int, text: str) -> HttpResponse:
    messages.success(request, text)
    url = reverse("tickets:detail", args=[ticket_id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@login_required
def snooze_ticket(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.SnoozeForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    until = form.wake_time(timezone.now())
    try:
        snooze.snooze_ticket(ticket, actor=request.user, until=until)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    when = f"until {timezone.localtime(until):%a %d %b %H:%M}" if until else "until the customer replies"
    return _answer(request, ticket, f"Snoozed {when}.")


@require_POST
@login_required
def unsnooze_ticket(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    try:
        snooze.unsnooze_ticket(ticket, actor=request.user)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, "Woken: the ticket is back in the working views.")


@require_POST
@login_required
def merge_ticket(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    try:
        target = queries.access_ticket(request.user, form.cleaned_data["target"])
    except Http404:
        return _refuse(request, ticket, f"There is no ticket HD-{form.cleaned_data['target']} you can open.")
    try:
        merging.merge_tickets(ticket, into=target, actor=request.user)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _go(request, target.pk, f"{ticket.reference} merged into {target.reference}.")


@require_POST
@login_required
def undo_merge(request: HtmxHttpRequest, pk: int, merge_id: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    merge = get_object_or_404(TicketMerge, pk=merge_id, target=ticket)
    try:
        merging.undo_merge(merge, actor=request.user)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _go(request, merge.source_id, f"Merge undone: HD-{merge.source_id} is back as it was.")


@require_POST
@login_required
def split_ticket(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.SplitForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    try:
        split = merging.split_ticket(
            ticket,
            message_ids=form.cleaned_data["messages"],
            actor=request.user,
            subject=form.cleaned_data["subject"],
        )
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    count = len(split.message_ids)
    return _go(
        request, ticket.pk, f"{count} message{'s' if count != 1 else ''} moved to {split.created_reference}."
    )


@require_POST
@login_required
def undo_split(request: HtmxHttpRequest, pk: int, split_id: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    split = get_object_or_404(TicketSplit, pk=split_id, source=ticket)
    try:
        merging.undo_split(split, actor=request.user)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _go(
        request, ticket.pk, f"Split undone: the messages are back and {split.created_reference} is gone."
    )
