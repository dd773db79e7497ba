"""POSTs on one ticket. Each: access the ticket, validate the form, call one action, answer.

HTMX requests get the changed parts of the page out-of-band (``#refresh`` partial); plain
form posts are redirected back to the ticket (errors re-render the page with status 400).
Routing's actions (escalation, approvals, classification overrides) are called through the
public functions of the routing app; who may act is decided by the actions alone
(``tickets.permissions``), and a ``NotAllowed`` becomes a 403 here as in the API.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from followups.actions.followups import followup_delay_hours
from helpdesk.errors import HelpdeskError
from helpdesk.http import HtmxHttpRequest
from routing import approvals, escalation, moves, triage
from routing.models import Approval
from tickets import actions, drafts, forms, queries
from tickets.models import Ticket
from tickets.views.common import done, error_text, form_error_text
from tickets.views.detail import ticket_context


def _answer(request: HtmxHttpRequest, ticket: Ticket, text: str, *, composer: bool = False) -> HttpResponse:
    """After an action: the changed panels (HTMX) or the ticket again. When the action moved the
    ticket out of the user's sight (escalated to another team), back to the inbox instead."""
    if not queries.visible_tickets(request.user).filter(pk=ticket.pk).exists():
        messages.success(request, f"{text} {ticket.reference} has left your queues.")
        inbox = reverse("tickets:inbox")
        return HttpResponseClientRedirect(inbox) if request.htmx else redirect(inbox)
    if not request.htmx:
        return done(request, text, to=reverse("tickets:detail", args=[ticket.pk]))
    ticket = queries.access_ticket(request.user, ticket.pk)
    context = ticket_context(
        request, ticket, flash_text=text, flash_level="success", refresh_composer=composer
    )
    return render(request, "tickets/ticket_detail.html#refresh", context)


def _refuse(request: HtmxHttpRequest, ticket: Ticket, text: str, *, status: int = 400) -> HttpResponse:
    """Show ``text`` as an error. HTMX gets only the flash (status 200 so it is swapped in), except
    a refusal by role, which stays a 403 for everyone."""
    if status == 403:
        raise PermissionDenied(text)
    if request.htmx:
        return render(request, "base.html#flash-oob", {"flash_text": text, "flash_level": "error"})
    context = ticket_context(request, ticket, flash_text=text, flash_level="error")
    return render(request, "tickets/ticket_detail.html", context, status=status)


@require_POST
@login_required
def add_note(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.NoteForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    try:
        actions.add_internal_note(ticket, body=form.cleaned_data["body"], author=request.user)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, "Note added.", composer=True)


@require_POST
@login_required
def discard_draft(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Record that the agent threw the AI draft away (counts against draft acceptance)."""
    ticket = queries.access_ticket(request.user, pk)
    try:
        drafts.discard_draft(ticket, actor=request.user)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, "AI draft discarded.", composer=True)


@require_POST
@login_required
def classify(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Correct the AI classification; routing stores it as a human override."""
    ticket = queries.access_ticket(request.user, pk)
    form = forms.ClassificationForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    data = form.cleaned_data
    changes = {
        field: data[field]
        for field in ("issue_type", "urgency", "sentiment")
        if data[field] and data[field] != getattr(ticket, field)
    }
    current = ticket.signals or {}
    if set(data["signals"]) != set(current):
        changes["signals"] = {key: current.get(key) or ["set by agent"] for key in data["signals"]}
    if not changes:
        return _answer(request, ticket, "Nothing changed.")
    before = moves.placement_of(ticket.pk)
    try:
        triage.override_classification(ticket, actor=request.user, reason=data["reason"], **changes)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    moved = moves.describe_move(before, moves.placement_of(ticket.pk))
    return _answer(request, ticket, f"Classification updated. {moved}".strip())


@require_POST
@login_required
def escalate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.EscalateForm(request.POST, ticket=ticket)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    tier = form.cleaned_data["target_tier"]
    try:
        escalation.escalate_ticket(
            ticket, actor=request.user, reason=form.cleaned_data["reason"], target_tier=tier
        )
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, f"Escalated to {tier}.")


@require_POST
@login_required
def deescalate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.DeescalateForm(request.POST, ticket=ticket)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    data = form.cleaned_data
    try:
        escalation.deescalate_ticket(
            ticket,
            actor=request.user,
            reason=data["reason"],
            target_tier=data["target_tier"],
            to_ai=data["to_ai"],
        )
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, "Handed back to automation." if data["to_ai"] else "De-escalated.")


@require_POST
@login_required
def request_approval(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.ApprovalRequestForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    data = form.cleaned_data
    try:
        approvals.request_approval(
            ticket, requested_by=request.user, amount=data["amount"], reason=data["reason"], role=data["role"]
        )
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, "Approval requested.")


@require_POST
@login_required
def decide_approval(request: HtmxHttpRequest, pk: int, approval_id: int) -> HttpResponse:
    """Approve or deny. Routing refuses (403) anyone below the named role and the requester."""
    ticket = queries.access_ticket(request.user, pk)
    approval = Approval.objects.filter(pk=approval_id, ticket=ticket).first()
    if approval is None:
        return _refuse(request, ticket, "That approval request no longer exists.", status=404)
    form = forms.ApprovalDecisionForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    decide = approvals.approve if form.cleaned_data["decision"] == "approve" else approvals.deny
    try:
        decide(approval, actor=request.user, note=form.cleaned_data["note"])
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, "Approved." if decide is approvals.approve else "Denied.")


@require_POST
@login_required
def assign(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """ "me" takes the ticket, else the chosen agent (or nobody); the action says who may."""
    ticket = queries.access_ticket(request.user, pk)
    choice = request.POST.get("agent", "")
    if choice == "me":
        agent = request.user
    else:
        form = forms.AssignForm(request.POST)
        if not form.is_valid():
            return _refuse(request, ticket, form_error_text(form))
        agent = form.cleaned_data["agent"]
    try:
        actions.assign_ticket(ticket, agent=agent, actor=request.user)
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    who = "you" if agent == request.user else (str(agent.get_full_name() or agent) if agent else "nobody")
    return _answer(request, ticket, f"Assigned to {who}.")


@require_POST
@login_required
def resolve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.ResolveForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    data = form.cleaned_data
    try:
        actions.resolve_ticket(
            ticket,
            actor=request.user,
            resolution_method=data["resolution_method"],
            root_cause=data["root_cause"],
            root_cause_name=data["new_root_cause"],
            note=data["note"],
        )
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    hours = followup_delay_hours(ticket.issue_type)
    return _answer(request, ticket, f"Resolved. The follow-up goes out in {hours} hours.")


@require_POST
@login_required
def reopen(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = queries.access_ticket(request.user, pk)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        return _refuse(request, ticket, form_error_text(form))
    try:
        actions.reopen_ticket(ticket, actor=request.user, reason=form.cleaned_data["reason"])
    except HelpdeskError as error:
        return _refuse(request, ticket, error_text(error), status=error.status)
    return _answer(request, ticket, "Reopened.")
