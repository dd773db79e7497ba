"""Admin: customers, orders and configuration are edited here; tickets are read-mostly."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from helpdesk.errors import HelpdeskError
from tickets import actions
from tickets.api_auth import create_api_key
from tickets.models import (
    ApiKey,
    Attachment,
    Customer,
    CustomerIdentity,
    Macro,
    Message,
    Notification,
    Order,
    RootCause,
    Ticket,
    TicketEvent,
)


class IdentityInline(admin.TabularInline):
    model = CustomerIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "email",
        "phone",
        "lifetime_value",
        "order_count",
        "vip_level",
        "merged_into",
        "created_at",
    ]
    list_filter = ["vip_level", "created_at"]
    search_fields = ["name", "email", "phone", "identities__handle"]
    readonly_fields = ["merged_into", "created_at", "updated_at"]
    list_select_related = ["merged_into"]
    inlines = [IdentityInline]
    actions = ["merge_into_oldest"]

    @admin.action(description="Merge selected customers into the oldest of them")
    def merge_into_oldest(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        customers = list(queryset.filter(merged_into__isnull=True).order_by("created_at", "pk"))
        if len(customers) < 2:
            self.message_user(
                request, "Select at least two customers that are not merged yet.", messages.ERROR
            )
            return
        target, *others = customers
        for other in others:
            actions.merge_customers(other, into=target, actor=request.user)
        self.message_user(request, f"Merged {len(others)} customer(s) into {target}.", messages.SUCCESS)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "external_id",
        "customer",
        "status",
        "fulfillment_status",
        "carrier",
        "total",
        "currency",
        "placed_at",
    ]
    list_filter = ["status", "fulfillment_status", "carrier"]
    search_fields = ["number", "external_id", "tracking_number", "customer__email"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]


@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(admin.ModelAdmin):
    list_display = ["handle", "channel", "customer", "created_at"]
    list_filter = ["channel"]
    search_fields = ["handle", "customer__email", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "content_type", "size", "message", "created_at"]
    list_filter = ["content_type"]
    search_fields = ["filename"]
    list_select_related = ["message"]
    readonly_fields = ["message", "filename", "content_type", "size", "file", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["created_at", "direction", "author_kind", "author", "is_internal", "delivery_status", "body"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "actor_kind", "data"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketEvent]:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "customer",
        "channel",
        "status",
        "stage",
        "priority",
        "issue_type",
        "tier",
        "team",
        "assignee",
        "created_at",
    ]
    list_filter = ["status", "stage", "channel", "priority", "issue_type", "tier", "team", "sla_breached"]
    search_fields = ["subject", "customer__email", "customer__name"]
    list_select_related = ["customer", "tier", "team", "assignee"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Ticket._meta.fields]
    inlines = [MessageInline, EventInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "ticket",
        "direction",
        "author_kind",
        "channel",
        "external_id",
        "delivery_status",
        "created_at",
    ]
    list_filter = ["direction", "author_kind", "channel", "delivery_status", "is_internal"]
    search_fields = ["external_id", "ticket__subject"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["at", "ticket", "kind", "actor", "actor_kind"]
    list_filter = ["kind", "actor_kind"]
    list_select_related = ["ticket", "actor"]
    readonly_fields = ["ticket", "kind", "actor", "actor_kind", "at", "data"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    fields = ["name", "is_active", "prefix", "user", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "user", "created_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            key, raw = create_api_key(obj.name)
        except HelpdeskError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = key.pk
        obj.refresh_from_db()
        self.message_user(
            request, f"API key created. Copy it now, it is not shown again: {raw}", messages.WARNING
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "text", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["text", "recipient__username"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name", "issue_type", "is_active", "updated_at"]
    list_filter = ["is_active", "issue_type"]
    search_fields = ["name", "body"]
