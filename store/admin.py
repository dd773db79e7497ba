"""Admin: connections and proactive rules are configuration; store records are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from store import credentials
from store.models import (
    Fulfillment,
    OrderAction,
    ProactiveMessage,
    ProactiveRule,
    ProactiveTemplate,
    Product,
    Refund,
    Return,
    StoreConnection,
    WebhookReceipt,
)


class StoreConnectionForm(forms.ModelForm):
    """Secrets are typed in plain and stored encrypted; blank keeps the stored one."""

    access_token = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Shopify token / Woo key"
    )
    api_secret = forms.CharField(required=False, widget=forms.PasswordInput, help_text="Woo consumer secret")
    webhook_secret = forms.CharField(required=False, widget=forms.PasswordInput)

    class Meta:
        model = StoreConnection
        fields = [
            "kind",
            "name",
            "shop_domain",
            "api_base_url",
            "api_version",
            "order_id_prefix",
            "is_active",
            "access_token_env",
            "api_secret_env",
            "webhook_secret_env",
        ]

    def save(self, commit: bool = True) -> StoreConnection:
        connection = super().save(commit=False)
        for name in credentials.SECRETS:
            if self.cleaned_data.get(name):
                credentials.set_secret(connection, name, self.cleaned_data[name])
        if commit:
            connection.save()
        return connection


@admin.register(StoreConnection)
class StoreConnectionAdmin(admin.ModelAdmin):
    form = StoreConnectionForm
    list_display = ["shop_domain", "kind", "name", "is_active", "last_synced_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["shop_domain", "name"]


class ProactiveTemplateInline(admin.TabularInline):
    model = ProactiveTemplate
    extra = 1


@admin.register(ProactiveRule)
class ProactiveRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "trigger", "is_active", "days", "quiet_hours_start", "quiet_hours_end"]
    list_filter = ["trigger", "is_active"]
    inlines = [ProactiveTemplateInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Editable only for the recall flag: everything else comes from the store."""

    list_display = ["title", "connection", "price_min", "stock", "recalled"]
    list_filter = ["recalled", "connection"]
    search_fields = ["title", "handle", "store_id"]
    fields = [
        "title",
        "description",
        "variants",
        "price_min",
        "price_max",
        "stock",
        "recalled",
        "recall_note",
    ]
    readonly_fields = ["title", "description", "variants", "price_min", "price_max", "stock"]


@admin.register(Fulfillment)
class FulfillmentAdmin(ReadOnlyAdmin):
    list_display = ["order", "status", "carrier", "tracking_number", "last_scan_at"]
    list_filter = ["status"]
    search_fields = ["tracking_number", "order__number"]
    list_select_related = ["order"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["order", "amount", "currency", "status", "processed_at"]
    list_filter = ["status"]
    list_select_related = ["order"]


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    list_display = ["order", "rma", "status", "requested_at"]
    list_filter = ["status"]
    list_select_related = ["order"]


@admin.register(OrderAction)
class OrderActionAdmin(ReadOnlyAdmin):
    list_display = ["kind", "order", "ticket", "status", "amount", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["order", "ticket"]


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(ReadOnlyAdmin):
    list_display = ["topic", "connection", "status", "received_at", "processed_at"]
    list_filter = ["status", "topic"]
    readonly_fields = ["error"]


@admin.register(ProactiveMessage)
class ProactiveMessageAdmin(ReadOnlyAdmin):
    list_display = ["event_key", "order", "status", "send_after", "sent_at"]
    list_filter = ["status", "rule"]
    list_select_related = ["order"]
