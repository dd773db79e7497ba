"""Admin for triage: the ticket's triage page, the result history, overrides and trained models.

The ticket page ("Ticket triage", a proxy of Ticket) shows the type, the signals with the words
that raised them, the brief and the draft, readably; its action re-runs triage through the job.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from helpdesk.queue import enqueue
from routing.models import ClassificationOverride, TrainedModel, TriagedTicket, TriageResult
from tickets.models import Ticket


def render_signals(signals: dict) -> SafeString:
    if not signals:
        return format_html("<em>{}</em>", "none")
    return format_html(
        "<ul style='margin:0;padding-left:1em'>{}</ul>",
        format_html_join(
            "",
            "<li><strong>{}</strong>: {}</li>",
            ((name, ", ".join(f"“{cue}”" for cue in cues)) for name, cues in signals.items()),
        ),
    )


def render_brief(brief: dict) -> SafeString:
    """The agent's brief as HTML (every value escaped: it holds customer text)."""
    if not brief:
        return format_html("<em>{}</em>", "not triaged yet")
    customer = brief.get("customer") or {}
    order = brief.get("order")
    policy = brief.get("policy")
    parts = [format_html("<p><strong>Summary.</strong> {}</p>", brief.get("summary", ""))]
    if brief.get("also_mentions"):
        parts.append(
            format_html("<p><strong>Also mentions:</strong> {}</p>", ", ".join(brief["also_mentions"]))
        )
    parts.append(
        format_html(
            "<p><strong>Customer.</strong> {} — tier {}, lifetime value {}, {} orders, {} past tickets "
            "({} open, {} open complaints).</p>",
            customer.get("name") or customer.get("email") or "unknown",
            customer.get("tier", "standard"),
            customer.get("lifetime_value", "0"),
            customer.get("orders", 0),
            customer.get("past_tickets", 0),
            customer.get("open_tickets", 0),
            customer.get("open_complaints", 0),
        )
    )
    recent = customer.get("recent_tickets") or []
    if recent:
        parts.append(
            format_html(
                "<ul>{}</ul>",
                format_html_join(
                    "",
                    "<li>{} · {} · {} {}</li>",
                    (
                        (t["reference"], t["issue_type"] or "untyped", t["status"], t["outcome"])
                        for t in recent
                    ),
                ),
            )
        )
    if order:
        parts.append(
            format_html(
                "<p><strong>Order #{}.</strong> {} / {}, {} {} · {} {}</p>",
                order["number"],
                order["status"],
                order["fulfillment_status"],
                order["total"],
                order["currency"],
                order["carrier"] or "no carrier",
                order["tracking_number"],
            )
        )
    elif brief.get("order_numbers_mentioned"):
        parts.append(
            format_html(
                "<p><strong>Order numbers mentioned:</strong> {}</p>",
                ", ".join(brief["order_numbers_mentioned"]),
            )
        )
    if policy:
        parts.append(
            format_html(
                "<p><strong>{} (v{}).</strong> {}</p>", policy["title"], policy["version"], policy["body"]
            )
        )
    return format_html(
        "<div style='max-width:60em'>{}</div>", format_html_join("", "{}", ((p,) for p in parts))
    )


class TriageResultInline(admin.TabularInline):
    model = TriageResult
    extra = 0
    can_delete = False
    fields = ["created_at", "backend", "model", "issue_type", "confidence", "fallback_reason", "duration_ms"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OverrideInline(admin.TabularInline):
    model = ClassificationOverride
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "field", "old_value", "new_value", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TriagedTicket)
class TriagedTicketAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "issue_type",
        "urgency",
        "sentiment",
        "signal_names",
        "triage_status",
        "triaged_at",
    ]
    list_filter = ["triage_status", "issue_type", "urgency", "sentiment"]
    search_fields = ["subject", "customer__email"]
    list_select_related = ["customer"]
    fields = [
        "reference",
        "subject",
        "customer",
        "issue_type",
        "product",
        "urgency",
        "sentiment",
        "sentiment_score",
        "amount_at_stake",
        "currency",
        "triage_confidence",
        "triage_status",
        "triaged_at",
        "signals_with_cues",
        "brief",
        "draft",
    ]
    readonly_fields = fields
    inlines = [TriageResultInline, OverrideInline]
    actions = ["rerun_triage"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="signals")
    def signal_names(self, obj: Ticket) -> str:
        return ", ".join(sorted(obj.signals or {})) or "—"

    @admin.display(description="signals (with the words that raised them)")
    def signals_with_cues(self, obj: Ticket) -> SafeString:
        return render_signals(obj.signals or {})

    @admin.display(description="brief")
    def brief(self, obj: Ticket) -> SafeString:
        return render_brief(obj.ai_brief or {})

    @admin.display(description="draft reply")
    def draft(self, obj: Ticket) -> SafeString:
        return format_html("<pre style='white-space:pre-wrap;max-width:60em'>{}</pre>", obj.ai_draft or "—")

    @admin.action(description="Re-run triage (queued)")
    def rerun_triage(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        ids = list(queryset.values_list("pk", flat=True)[:500])
        for ticket_id in ids:
            enqueue("routing.triage.jobs.triage_ticket_job", ticket_id)
        self.message_user(request, f"Triage queued for {len(ids)} ticket(s).", messages.SUCCESS)


@admin.register(TriageResult)
class TriageResultAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "ticket",
        "backend",
        "model",
        "issue_type",
        "fallback_reason",
        "duration_ms",
    ]
    list_filter = ["backend", "issue_type"]
    list_select_related = ["ticket"]
    search_fields = ["ticket__subject", "fallback_reason"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in TriageResult._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClassificationOverride)
class ClassificationOverrideAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ticket", "field", "old_value", "new_value", "actor"]
    list_filter = ["field"]
    list_select_related = ["ticket", "actor"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ClassificationOverride._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    list_display = ["version", "algorithm", "training_examples", "agent_examples", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = [f.name for f in TrainedModel._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
