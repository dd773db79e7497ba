"""Admin for routing configuration."""

from django.contrib import admin

import routing.triage.admin  # noqa: F401  (registers the triage admin pages)
from helpdesk.queue import enqueue_on_commit
from routing.models import (
    ActionRule,
    AgentProfile,
    Approval,
    BusinessCalendar,
    BusinessInterval,
    Escalation,
    Holiday,
    IssueType,
    Policy,
    PolicyVersion,
    RoutingDecision,
    RoutingRule,
    SlaPolicy,
    Team,
    TeamPressure,
    Thresholds,
    Tier,
    VipLevel,
    VipRule,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email", "calendar"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["rank", "name", "slug", "team", "ai_may_answer", "is_senior"]
    list_editable = ["ai_may_answer", "is_senior"]
    list_display_links = ["name"]
    list_select_related = ["team"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "tier", "skills", "capacity", "availability"]
    list_filter = ["team", "tier", "availability"]
    list_select_related = ["user", "team", "tier"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(Thresholds)
class ThresholdsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "approval_amount",
        "repeat_complaint_days",
        "followup_delay_hours",
        "pattern_count",
    ]

    def has_add_permission(self, request) -> bool:
        return not Thresholds.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IssueType)
class IssueTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_complaint", "followup_delay_hours", "is_active", "position"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "is_complaint"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class PolicyVersionInline(admin.StackedInline):
    model = PolicyVersion
    extra = 0
    fields = ["number", "body", "author", "reason", "created_at"]
    readonly_fields = ["created_at"]
    ordering = ["-number"]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "kind", "issue_types", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PolicyVersionInline]


# --- business hours, SLA ------------------------------------------------------------------------


class BusinessIntervalInline(admin.TabularInline):
    model = BusinessInterval
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


def _recalculate_sla_dues() -> None:
    # Due times of open tickets follow policy and calendar edits (a job: it may touch many tickets).
    enqueue_on_commit("routing.jobs.recalculate_sla_dues")


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "always_open"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [BusinessIntervalInline, HolidayInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        _recalculate_sla_dues()


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name", "tier", "priority", "for_vip", "first_response_minutes", "next_response_minutes",
        "resolution_minutes", "breach_escalate", "is_active",
    ]  # fmt: skip
    list_filter = ["tier", "for_vip", "is_active"]
    list_select_related = ["tier"]
    fieldsets = [
        (None, {"fields": ["name", "tier", "priority", "for_vip", "is_active"]}),
        ("Targets (business minutes of the serving team's calendar)", {
            "fields": ["first_response_minutes", "next_response_minutes", "resolution_minutes"]}),
        ("At the warning share (Thresholds)", {"fields": ["warning_notify", "warning_raise_priority", "warning_escalate"]}),
        ("At the breach", {"fields": ["breach_notify", "breach_raise_priority", "breach_escalate"]}),
    ]  # fmt: skip

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        _recalculate_sla_dues()


# --- rules --------------------------------------------------------------------------------------


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "position",
        "name",
        "route_to",
        "tier",
        "team",
        "set_priority",
        "continue_evaluation",
        "is_active",
    ]
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "route_to", "tier"]
    list_select_related = ["tier", "team"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["agent"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "position", "is_active", "continue_evaluation", "description"]}),
        ("Conditions (blank = not checked; all filled ones must hold)", {"fields": [
            "issue_types", "channels", "sentiment_at_most", "high_emotion", "urgency_at_least",
            "amount_at_least", "amount_above_approval_threshold", "is_vip", "vip_levels", "signals_any",
            "no_signals", "repeat_complaint", "confidence_at_least", "queue_under_pressure", "pressure_team",
        ]}),
        ("Actions", {"fields": [
            "route_to", "tier", "team", "agent", "set_priority", "require_approval", "approval_role",
            "notify_role", "add_tags",
        ]}),
    ]  # fmt: skip


class VipRuleInline(admin.TabularInline):
    model = VipRule
    extra = 0


@admin.register(VipLevel)
class VipLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "rank", "minimum_tier", "notify_managers"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VipRuleInline]


@admin.register(ActionRule)
class ActionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "action",
        "issue_types",
        "amount_cap",
        "confidence_floor",
        "requires_order",
        "is_active",
    ]
    list_editable = ["is_active"]
    list_filter = ["action", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


# --- what happened (read-only) ------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "trigger", "destination", "tier", "team", "rule", "priority"]
    list_filter = ["trigger", "destination", "tier"]
    list_select_related = ["ticket", "tier", "team", "rule"]
    search_fields = ["=ticket__id"]
    date_hierarchy = "created_at"


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "direction", "from_tier", "to_tier", "trigger", "actor"]
    list_filter = ["direction", "trigger", "to_tier"]
    list_select_related = ["ticket", "from_tier", "to_tier", "actor"]
    search_fields = ["=ticket__id", "reason"]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "ticket", "status", "role", "amount", "requested_by", "decided_by"]
    list_filter = ["status", "role"]
    list_select_related = ["ticket", "requested_by", "decided_by"]
    search_fields = ["=ticket__id", "reason"]


@admin.register(TeamPressure)
class TeamPressureAdmin(ReadOnlyAdmin):
    list_display = ["team", "depth", "oldest_wait_minutes", "under_pressure", "measured_at", "changed_at"]
