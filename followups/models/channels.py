"""Channel configuration: chat widget sites, signed inbound webhook sources, outbound webhooks."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tickets.models import Channel, Customer


def new_widget_key() -> str:
    return "wk_" + secrets.token_urlsafe(18)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WidgetSite(models.Model):
    """A website that embeds the chat widget: its public key and the origins allowed to use it."""

    name = models.CharField(max_length=100)
    key = models.CharField(
        max_length=64, unique=True, default=new_widget_key, help_text="Goes in the script tag's data-key."
    )
    allowed_origins = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Exact origins such as https://shop.example.com (scheme, host and port).",
    )
    greeting = models.CharField(max_length=200, default="Hi! How can we help?")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def allows_origin(self, origin: str) -> bool:
        return origin.rstrip("/") in {o.rstrip("/") for o in self.allowed_origins}


class ChatSession(models.Model):
    """One visitor's conversation through the widget; the visitor holds the token, only its hash is stored."""

    site = models.ForeignKey(WidgetSite, on_delete=models.CASCADE, related_name="sessions")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, help_text="The chat ticket's thread key.")
    token_hash = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="chat_sessions")
    visitor_name = models.CharField(max_length=200, blank=True)
    visitor_email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    # Updated when the widget polls: "the visitor is back" for follow-ups on chat tickets.
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["customer", "-last_seen_at"], name="chat_session_customer_idx")]

    def __str__(self) -> str:
        return f"Chat {self.public_id} ({self.visitor_email})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class WebhookSource(models.Model):
    """A social or review platform (or a bridge for it) that posts signed events to Handoff."""

    slug = models.SlugField(max_length=50, unique=True, help_text="Used in /api/v1/inbound/webhooks/<slug>/.")
    name = models.CharField(max_length=100)
    channel = models.CharField(
        max_length=20,
        choices=[(Channel.SOCIAL, "Social"), (Channel.REVIEW, "Review"), (Channel.SMS, "SMS")],
        default=Channel.SOCIAL,
    )
    secret = models.CharField(max_length=200, default=new_secret, help_text="Shared HMAC-SHA256 secret.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_ROUTED = "ticket.routed", "Ticket routed (triaged and placed in a queue)"
    TICKET_ESCALATED = "ticket.escalated", "Ticket escalated"
    TICKET_RESOLVED = "ticket.resolved", "Ticket resolved"
    APPROVAL_REQUESTED = "approval.requested", "Approval requested"
    APPROVAL_DECIDED = "approval.decided", "Approval decided"
    CSAT_RECEIVED = "csat.received", "CSAT received"
    TICKET_SNOOZED = "ticket.snoozed", "Ticket snoozed"
    TICKET_UNSNOOZED = "ticket.unsnoozed", "Ticket woke from snooze"


class WebhookSubscription(models.Model):
    """An external tool that wants signed JSON posts for some ticket events."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200, default=new_secret)
    events = ArrayField(models.CharField(max_length=40, choices=WebhookEvent.choices))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active"], name="webhook_sub_active_idx")]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class WebhookDelivery(models.Model):
    """One attempt series at posting one event to one subscription: the delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Failed, retrying"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # Stable per event: receivers dedupe on it (a replay carries the same id).
    event_id = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # CASCADE, not SET_NULL: a replay orphaned by SET_NULL would collide with the original on
    # webhook_delivery_once_per_event while a subscription and its log are deleted.
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replays"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                condition=Q(replay_of__isnull=True),
                name="webhook_delivery_once_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} → {self.subscription_id} ({self.status})"
