"""Admin for routing configuration."""

from django.contrib import admin

from routing.models import AgentProfile, Team, Tier


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
