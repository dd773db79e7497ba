"""The ticket page: conversation, AI brief and draft, classification, routing, customer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from followups.queries import csat_for_ticket
from helpdesk.http import HtmxHttpRequest
from routing import escalation, moves
from routing.models import Approval, Escalation, RoutingDecision
from routing.money import without_approval_notice
from tickets import attachments, forms, merging, permissions, queries, reading
from tickets.composer import composer_facts
from tickets.drafts import draft_digest
from tickets.macros import render_macro
from tickets.models import Attachment, Macro, Message, Ticket, TicketEvent

# Brief keys the ticket page lays out itself (triage's ``build_brief``); any other key is shown as is.
BRIEF_LAID_OUT = {
    "summary",
    "issue_type",
    "also_mentions",
    "signals",
    "amount_at_stake",
    "currency",
    "language",
    "customer",
    "order",
    "order_numbers_mentioned",
    "policy",
}
# Similarity at or above this counts as "draft accepted" (DESIGN: AI draft acceptance rate).
DRAFT_ACCEPTED_AT = 0.8


def may_reassign(user) -> bool:
    """Whether to offer "assign to someone else" (``tickets.actions.assign_ticket`` decides)."""
    return permissions.may_assign_others(user)


def may_deescalate(user, ticket: Ticket) -> bool:
    """Routing's rule (the tier holding it, its assignee, seniors and above); it enforces it too."""
    return bool(ticket.tier_id) and escalation.may_deescalate(user, ticket)


def pending_approvals(ticket: Ticket) -> list[Approval]:
    """Pending approvals, each with ``release_text``: what the customer gets if it is approved."""
    pending = list(
        Approval.objects.pending()
        .filter(ticket=ticket)
        .select_related("requested_by", "rule", "message")
        .order_by("requested_at", "pk")
    )
    for approval in pending:
        held = approval.message
        approval.release_text = (
            without_approval_notice(held.body)
            if held and held.delivery_status == Message.Delivery.HELD
            else ""
        )
    return pending


def routing_explanation(ticket: Ticket) -> dict | None:
    """Why the ticket sits where it is: routing's latest ``RoutingDecision`` (rules, conditions,
    notes) and the latest escalation, if any."""
    decision = (
        RoutingDecision.objects.filter(ticket=ticket)
        .select_related("tier", "team", "agent", "rule")
        .order_by("-created_at", "-id")
        .first()
    )
    last_escalation = (
        Escalation.objects.filter(ticket=ticket).select_related("from_tier", "to_tier", "actor").first()
    )
    if decision is None and last_escalation is None:
        return None
    return {"decision": decision, "escalation": last_escalation}


def escalation_package(ticket: Ticket, routing: dict | None) -> dict | None:
    """The package routing handed over when the ticket arrived escalated (the latest move is up,
    into the tier that holds it): reason, AI summary, customer profile, history, attempts."""
    last = routing and routing["escalation"]
    if not last or last.direction != Escalation.Direction.UP or not ticket.is_open:
        return None
    if last.to_tier_id != ticket.tier_id:
        return None
    package = last.package or {}
    kinds = dict(TicketEvent.Kind.choices)
    attempts = [
        {
            "at": item.get("at"),
            "label": kinds.get(item.get("kind"), item.get("kind", "")),
            "data": item.get("data") or {},
        }
        for item in package.get("attempted_resolutions", [])
    ]
    return {
        "escalation": last,
        "reason": package.get("reason") or last.reason,
        "ai_summary": package.get("ai_summary") or ticket.ai_summary,
        "customer": package.get("customer") or {},
        "attempts": attempts,
        "messages": len(package.get("conversation", [])),
    }


def _thread(ticket: Ticket) -> list[Message]:
    return list(
        ticket.messages.select_related("author").prefetch_related("attachments").order_by("created_at", "id")
    )


def _draft_state(ticket: Ticket, thread: list[Message]) -> str:
    """ "none", "used", "discarded" or "open": whether the composer should start from the draft."""
    if not ticket.ai_draft.strip():
        return "none"
    since = ticket.triaged_at
    if any(m.draft_similarity is not None and (since is None or m.created_at >= since) for m in thread):
        return "used"
    digest = draft_digest(ticket.ai_draft)
    discarded = ticket.events.filter(kind=TicketEvent.Kind.DRAFT_DISCARDED, data__digest=digest).exists()
    return "discarded" if discarded else "open"


def ticket_context(request: HtmxHttpRequest, ticket: Ticket, **extra) -> dict:
    """Everything the ticket page and its partials render; the same for full pages and fragments."""
    user = request.user
    thread = _thread(ticket)
    draft_state = _draft_state(ticket, thread)
    signals = ticket.signals or {}
    macros = sorted(
        Macro.objects.filter(is_active=True),
        key=lambda m: (m.issue_type != ticket.issue_type, m.name.lower()),
    )
    context = {
        "ticket": ticket,
        "thread": thread,
        "brief": ticket.ai_brief or {},
        "summary": ticket.ai_summary or (ticket.ai_brief or {}).get("summary", ""),
        "brief_extra": {k: v for k, v in (ticket.ai_brief or {}).items() if k not in BRIEF_LAID_OUT and v},
        "draft_state": draft_state,
        "draft_accepted_at": DRAFT_ACCEPTED_AT,
        "macros": macros,
        "reply_form": forms.ReplyForm(initial={"body": ticket.ai_draft if draft_state == "open" else ""}),
        "note_form": forms.NoteForm(),
        "classification_form": forms.ClassificationForm(
            auto_id="class_%s",
            initial={
                "issue_type": ticket.issue_type,
                "urgency": ticket.urgency,
                "sentiment": ticket.sentiment,
                "signals": list(signals),
            },
        ),
        "escalate_form": forms.EscalateForm(ticket=ticket, auto_id="escalate_%s"),
        "deescalate_form": forms.DeescalateForm(ticket=ticket, auto_id="deescalate_%s"),
        "approval_form": forms.ApprovalRequestForm(
            auto_id="approval_%s", initial={"amount": ticket.amount_at_stake, "role": "manager"}
        ),
        "decision_form": forms.ApprovalDecisionForm(),
        "assign_form": forms.AssignForm(auto_id="assign_%s", initial={"agent": ticket.assignee_id})
        if may_reassign(user)
        else None,
        "resolve_form": forms.ResolveForm(auto_id="resolve_%s"),
        "reopen_form": forms.ReopenForm(auto_id="reopen_%s"),
        "approvals": pending_approvals(ticket),
        "decidable_roles": queries.decidable_roles(user),
        "can_deescalate": may_deescalate(user, ticket),
        "routing": routing_explanation(ticket),
        "csat": csat_for_ticket(ticket),
        **queries.customer_context(ticket),
    }
    context["escalation_package"] = escalation_package(ticket, context["routing"])
    context["snooze_form"] = forms.SnoozeForm(auto_id="snooze_%s")
    context["merge_form"] = forms.MergeForm(auto_id="merge_%s")
    context["merge_candidates"] = [
        t for t in context["past_tickets"] if t.status != Ticket.Status.CLOSED and not t.merged_into_id
    ]
    context["undo"] = merging.undoable_for(ticket)
    context["TIME_ZONE_NAME"] = timezone.get_current_timezone_name()
    context["load_images"] = request.GET.get("images") == "1"
    context.update(composer_facts(thread))
    context.update(extra)
    return context


@require_GET
@login_required
@vary_on_headers("HX-Request")
def ticket_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        ticket = queries.access_ticket(request.user, pk)
    except Http404:
        # Its former assignee learns where routing took it, rather than meeting a bare 404.
        moved = moves.moved_away_from(request.user, pk)
        if moved is None:
            raise
        return render(request, "tickets/ticket_moved.html", {"ticket": moved})
    if ticket.merged_into_id:
        messages.info(request, f"{ticket.reference} was merged into HD-{ticket.merged_into_id}.")
        return redirect("tickets:detail", ticket.merged_into_id)
    reading.mark_read(request.user, ticket)  # the inbox's unread marker for this agent
    context = ticket_context(request, ticket)
    response = render(request, "tickets/ticket_detail.html", context)
    if context["load_images"]:
        # The agent asked for the remote images: this one page may load them.
        response._csp_update = {"img-src": ["https:", "http:"]}
    return response


@require_GET
@login_required
def download_attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """An attachment of a ticket the user may see, always as a download (never rendered inline,
    so an HTML or SVG file from a customer cannot run in our origin)."""
    ticket = queries.access_ticket(request.user, pk)
    attachment = get_object_or_404(Attachment.objects.filter(message__ticket=ticket), pk=attachment_id)
    return attachments.download_response(attachment)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def insert_macro(request: HtmxHttpRequest, pk: int, macro_id: int) -> HttpResponse:
    """The reply composer with a macro filled in for this ticket (the page itself without HTMX)."""
    ticket = queries.access_ticket(request.user, pk)
    macro = get_object_or_404(Macro, pk=macro_id, is_active=True)
    body = render_macro(macro, ticket, agent=request.user)
    context = ticket_context(request, ticket, reply_form=forms.ReplyForm(initial={"body": body}))
    context["draft_state"] = "macro"
    template = "tickets/ticket_detail.html#composer" if request.htmx else "tickets/ticket_detail.html"
    return render(request, template, context)
