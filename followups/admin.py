"""Admin: channel configuration, follow-up templates with a preview, the read-only logs."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html, linebreaks

from followups import actions
from followups.models import (
    ChatSession,
    CsatResponse,
    FollowUp,
    FollowUpTemplate,
    WebhookDelivery,
    WebhookSource,
    WebhookSubscription,
    WidgetSite,
)

SAMPLE = {
    "customer_name": "Ann Lee",
    "ticket_reference": "HD-1042",
    "subject": "Where is my parcel?",
    "csat_link": "https://support.example.com/followups/csat/…/",
    "agent_name": "Sam",
}


@admin.register(WidgetSite)
class WidgetSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key"]
    readonly_fields = ["embed_snippet"]

    @admin.display(description="Paste into the site's HTML")
    def embed_snippet(self, site: WidgetSite) -> str:
        if not site.pk:
            return "Save first."
        return format_html(
            '<code>&lt;script src="{}/static/widget/widget.js" data-key="{}" defer&gt;&lt;/script&gt;</code>',
            settings.SITE_URL,
            site.key,
        )


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ["public_id", "site", "visitor_email", "created_at", "last_seen_at"]
    list_filter = ["site"]
    search_fields = ["visitor_email", "visitor_name"]
    readonly_fields = [
        "site",
        "public_id",
        "token_hash",
        "customer",
        "visitor_name",
        "visitor_email",
        "created_at",
        "last_seen_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WebhookSource)
class WebhookSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "channel", "is_active", "endpoint"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="Endpoint")
    def endpoint(self, source: WebhookSource) -> str:
        return f"{settings.SITE_URL}/api/v1/inbound/webhooks/{source.slug}/"


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "events", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event",
        "subscription",
        "status",
        "attempts",
        "response_code",
        "created_at",
        "replay_of",
    ]
    list_filter = ["status", "event", "subscription"]
    search_fields = ["event_id"]
    list_select_related = ["subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request, queryset) -> None:
        for delivery in queryset:
            actions.replay_delivery(delivery)
        self.message_user(request, f"{queryset.count()} deliveries queued again.", messages.SUCCESS)


@admin.register(FollowUpTemplate)
class FollowUpTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "issue_type", "language", "subject", "is_active", "updated_at"]
    list_filter = ["language", "is_active"]
    search_fields = ["issue_type", "subject", "body"]
    readonly_fields = ["preview"]

    @admin.display(description="Preview (sample values)")
    def preview(self, template: FollowUpTemplate) -> str:
        if not template.pk:
            return "Save to see a preview."
        subject, body = actions.render_followup(template, {**SAMPLE, "store_name": settings.STORE_NAME})
        return format_html("<strong>{}</strong><div>{}</div>", subject, linebreaks(body))


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["ticket", "status", "due_at", "sent_at", "channel", "is_complaint"]
    list_filter = ["status", "channel", "is_complaint"]
    search_fields = ["ticket__id", "ticket__subject"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in FollowUp._meta.fields if f.name != "csat_nonce"]
    exclude = ["csat_nonce"]
    actions = ["send_now"]

    @admin.action(description="Send the selected scheduled follow-ups now")
    def send_now(self, request, queryset) -> None:
        now = timezone.now()
        scheduled = queryset.filter(status=FollowUp.Status.SCHEDULED)
        for followup in scheduled:
            actions.send_followup_now(followup, now=now)
        self.message_user(request, f"{len(scheduled)} follow-up(s) sent.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CsatResponse)
class CsatResponseAdmin(admin.ModelAdmin):
    list_display = ["ticket", "score", "is_complaint", "after_recovery", "created_at"]
    list_filter = ["score", "is_complaint", "after_recovery"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in CsatResponse._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
