"""Admin for routing configuration."""

from django.contrib import admin

from routing.models import AgentProfile, IssueType, Policy, PolicyVersion, Team, Thresholds, Tier


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email"]
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
    list_display = ["user", "team", "tier", "capacity", "availability"]
    list_filter = ["team", "tier", "availability"]
    list_select_related = ["user", "team", "tier"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(Thresholds)
class ThresholdsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "approval_amount", "repeat_complaint_days", "followup_delay_hours", "pattern_count"]

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
