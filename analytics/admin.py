"""Pattern alerts are read-mostly in the admin: the job raises them, a revision closes them."""

from django.contrib import admin

from analytics.models import PatternAlert, PatternAlertTicket


class PatternAlertTicketInline(admin.TabularInline):
    model = PatternAlertTicket
    extra = 0
    raw_id_fields = ["ticket"]
    readonly_fields = ["ticket", "similarity"]
    can_delete = False


@admin.register(PatternAlert)
class PatternAlertAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "ticket_count", "window_start", "window_end", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "key", "issue_type", "product"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "kind",
        "key",
        "title",
        "root_cause",
        "issue_type",
        "product",
        "terms",
        "window_start",
        "window_end",
        "ticket_count",
        "created_at",
        "closed_at",
        "closed_by",
        "revision",
        "status",
        "dismiss_reason",
    ]
    inlines = [PatternAlertTicketInline]

    def has_add_permission(self, request) -> bool:
        return False
