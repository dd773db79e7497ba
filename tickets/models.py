"""Customers, orders, tickets, messages and the ticket event log.

Models hold data and invariants only; state changes go through ``tickets.actions`` and
``tickets.intake``, which record a ``TicketEvent`` for each one.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    SMS = "sms", "SMS"
    SOCIAL = "social", "Social"
    REVIEW = "review", "Review"
    PHONE = "phone", "Phone"
    WEB = "web", "Web form"
    API = "api", "API"


class CustomerQuerySet(models.QuerySet):
    def active(self) -> CustomerQuerySet:
        return self.filter(merged_into__isnull=True)


class Customer(models.Model):
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True, db_index=True)
    lifetime_value = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    order_count = models.PositiveIntegerField(default=0)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    # Filled by routing's VIP rules; blank means not VIP.
    vip_level = models.CharField(max_length=30, blank=True, db_index=True)
    locale = models.CharField(max_length=10, blank=True)
    notes = models.TextField(blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_customers"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [GinIndex(fields=["tags"], name="customer_tags_gin")]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"Customer {self.pk}"

    @property
    def is_vip(self) -> bool:
        return bool(self.vip_level)


class CustomerIdentity(models.Model):
    """A handle by which a customer reaches us on one channel (email address, phone, social id)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    handle = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "handle"], name="identity_unique_per_channel")
        ]
        verbose_name_plural = "customer identities"

    def __str__(self) -> str:
        return f"{self.channel}:{self.handle}"


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    class Fulfillment(models.TextChoices):
        UNFULFILLED = "unfulfilled", "Unfulfilled"
        PROCESSING = "processing", "Processing"
        SHIPPED = "shipped", "Shipped"
        IN_TRANSIT = "in_transit", "In transit"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        DELIVERED = "delivered", "Delivered"
        DELAYED = "delayed", "Delayed"
        LOST = "lost", "Lost"
        RETURNED = "returned", "Returned"

    external_id = models.CharField(max_length=100, unique=True)
    number = models.CharField(max_length=50, db_index=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.PAID)
    fulfillment_status = models.CharField(
        max_length=30, choices=Fulfillment.choices, default=Fulfillment.UNFULFILLED
    )
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    placed_at = models.DateTimeField(default=timezone.now, db_index=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    line_items = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative")]

    def __str__(self) -> str:
        return f"#{self.number}"


class RootCause(models.Model):
    """Admin-editable list of root causes an agent picks when resolving."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=Ticket.OPEN_STATUSES)


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending customer"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Stage(models.TextChoices):
        RECEIVED = "received", "Received"
        TRIAGED = "triaged", "Triaged"
        QUEUED = "queued", "Queued"
        ASSIGNED = "assigned", "Assigned"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer"
        RESOLVED = "resolved", "Resolved"
        FOLLOWUP_SENT = "followup_sent", "Follow-up sent"
        CLOSED = "closed", "Closed"

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    class Sentiment(models.TextChoices):
        FRUSTRATED = "frustrated", "Frustrated"
        NEUTRAL = "neutral", "Neutral"
        SATISFIED = "satisfied", "Satisfied"

    class Urgency(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class TriageStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed (will retry)"

    class ResolutionMethod(models.TextChoices):
        AI_AUTOMATED = "ai_automated", "Answered by AI"
        AGENT_REPLY = "agent_reply", "Answered by an agent"
        REFUND = "refund", "Refund"
        PARTIAL_REFUND = "partial_refund", "Partial refund"
        REPLACEMENT = "replacement", "Replacement sent"
        RETURN = "return", "Return started"
        CANCELLATION = "cancellation", "Order cancelled"
        ORDER_CHANGE = "order_change", "Order changed"
        INFORMATION = "information", "Information given"
        NO_ACTION = "no_action", "No action needed"
        DUPLICATE = "duplicate", "Duplicate"

    OPEN_STATUSES = (Status.OPEN, Status.PENDING)
    REOPEN_WINDOW = timedelta(days=7)

    # --- identity and origin
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    subject = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, db_index=True)
    # The channel's conversation key (chat session, social thread, email thread root).
    thread_key = models.CharField(max_length=255, blank=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    stage = models.CharField(max_length=30, choices=Stage.choices, default=Stage.RECEIVED)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)

    # --- triage output (routing.triage fills these; history in routing's triage results)
    issue_type = models.CharField(max_length=50, blank=True, db_index=True)
    product = models.CharField(max_length=120, blank=True, help_text="Product or SKU the ticket is about.")
    sentiment_score = models.FloatField(null=True, blank=True)
    sentiment = models.CharField(max_length=20, choices=Sentiment.choices, blank=True)
    urgency = models.CharField(max_length=20, choices=Urgency.choices, blank=True)
    amount_at_stake = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # {"legal": ["lawyer"], "reputation": ["post on twitter"]}: each signal with the cues that raised it.
    signals = models.JSONField(default=dict, blank=True)
    triage_confidence = models.FloatField(null=True, blank=True)
    triage_status = models.CharField(
        max_length=20, choices=TriageStatus.choices, default=TriageStatus.PENDING
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    ai_summary = models.TextField(blank=True)
    # The agent's brief (summary, customer history, order, relevant policy) and the AI draft reply.
    ai_brief = models.JSONField(default=dict, blank=True)
    ai_draft = models.TextField(blank=True)

    # --- routing output (routing fills these)
    tier = models.ForeignKey(
        "routing.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    team = models.ForeignKey(
        "routing.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    handled_by_ai = models.BooleanField(default=False, help_text="AI owns the ticket (auto-resolution).")
    needs_recovery = models.BooleanField(
        default=False, help_text="A bad CSAT or an unsolved follow-up reopened it."
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # Earliest of the running SLA targets: the inbox sorts on it, the SLA sweep scans it.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_breached = models.BooleanField(default=False)

    # --- snooze and merge (tickets.snooze, tickets.merging)
    # Set while snoozed: hidden from the working views, SLA clocks paused. ``snoozed_until`` is
    # the wake-up time; blank means "until the customer replies" (a reply wakes either kind).
    snoozed_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # A ticket merged into another: closed, and its URL and reply address lead to the target.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )

    # --- timing (set by intake and actions; the event log holds the full history)
    first_message_at = models.DateTimeField(default=timezone.now)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    # --- resolution
    root_cause = models.ForeignKey(
        RootCause, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    resolution_method = models.CharField(max_length=30, choices=ResolutionMethod.choices, blank=True)
    resolution_note = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
            models.Index(fields=["status", "sla_due_at"], name="ticket_status_sla_idx"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_idx"),
            models.Index(fields=["team", "status"], name="ticket_team_status_idx"),
            models.Index(fields=["tier", "status"], name="ticket_tier_status_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["channel", "thread_key"], name="ticket_thread_idx"),
            models.Index(fields=["stage", "status"], name="ticket_stage_idx"),
            models.Index(fields=["resolved_at"], name="ticket_resolved_idx"),
            models.Index(
                fields=["triage_status"], name="ticket_triage_todo_idx", condition=~Q(triage_status="done")
            ),
            GinIndex(fields=["tags"], name="ticket_tags_gin"),
            models.Index(
                fields=["snoozed_until"], name="ticket_snooze_wake_idx", condition=Q(snoozed_at__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(snoozed_until__isnull=True) | Q(snoozed_at__isnull=False),
                name="ticket_snooze_until_needs_snoozed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="resolved_ticket_has_resolved_at",
            ),
            models.CheckConstraint(
                condition=Q(sentiment_score__isnull=True)
                | Q(sentiment_score__gte=-1, sentiment_score__lte=1),
                name="ticket_sentiment_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"HD-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class AuthorKind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        AGENT = "agent", "Agent"
        AI = "ai", "AI"
        SYSTEM = "system", "System"

    class Delivery(models.TextChoices):
        NOT_APPLICABLE = "n/a", "Not applicable"
        HELD = "held", "Held for approval"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (retrying)"
        UNDELIVERABLE = "undeliverable", "Not deliverable"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # The channel's own id for the message (email Message-ID, chat message id, webhook event id).
    external_id = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitised HTML (nh3) when the channel sent HTML.")
    is_internal = models.BooleanField(default=False, help_text="Internal note: never sent, never a response.")
    # Auto-acknowledgements do not count as a first response.
    is_auto = models.BooleanField(default=False)
    delivery_status = models.CharField(
        max_length=20, choices=Delivery.choices, default=Delivery.NOT_APPLICABLE
    )
    delivery_error = models.TextField(blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    # For AI drafts that an agent edited and sent: similarity between draft and sent text.
    draft_similarity = models.FloatField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Set by intake, cleared by the pipeline worker that triaged and routed the message in the
    # same transaction: a worker killed mid-batch leaves it set, so another claims it again.
    awaiting_pipeline = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_idx"),
            models.Index(
                fields=["id"], name="message_pipeline_todo_idx", condition=Q(awaiting_pipeline=True)
            ),
            models.Index(fields=["external_id"], name="message_external_idx"),
            models.Index(
                fields=["delivery_status"], name="message_delivery_idx", condition=Q(delivery_status="failed")
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="message_unique_per_channel",
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.author_kind} on {self.ticket_id}"

    @property
    def is_public_reply(self) -> bool:
        return self.direction == self.Direction.OUTBOUND and not self.is_internal and not self.is_auto


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """Append-only log of every state change; the source of every metric."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        MESSAGE_RECEIVED = "message_received", "Message received"
        REPLY_SENT = "reply_sent", "Reply sent"
        REPLY_HELD = "reply_held", "Reply held for approval"
        NOTE_ADDED = "note_added", "Internal note added"
        DRAFT_DISCARDED = "draft_discarded", "AI draft discarded"
        DELIVERY_FAILED = "delivery_failed", "Delivery failed"
        TRIAGED = "triaged", "Triaged"
        TRIAGE_FAILED = "triage_failed", "Triage failed"
        CLASSIFICATION_OVERRIDDEN = "classification_overridden", "Classification changed by an agent"
        ROUTED = "routed", "Routed"
        ASSIGNED = "assigned", "Assigned"
        UNASSIGNED = "unassigned", "Unassigned"
        ESCALATED = "escalated", "Escalated"
        DEESCALATED = "deescalated", "De-escalated"
        APPROVAL_REQUESTED = "approval_requested", "Approval requested"
        APPROVAL_DECIDED = "approval_decided", "Approval decided"
        AI_ACTION = "ai_action", "AI acted"
        AI_ACTION_REVERTED = "ai_action_reverted", "AI action reverted"
        STATUS_CHANGED = "status_changed", "Status changed"
        STAGE_CHANGED = "stage_changed", "Stage changed"
        PRIORITY_CHANGED = "priority_changed", "Priority changed"
        TAGS_CHANGED = "tags_changed", "Tags changed"
        SLA_WARNING = "sla_warning", "SLA warning"
        SLA_BREACHED = "sla_breached", "SLA breached"
        RESOLVED = "resolved", "Resolved"
        REOPENED = "reopened", "Reopened"
        CLOSED = "closed", "Closed"
        MERGED = "merged", "Merged"
        SNOOZED = "snoozed", "Snoozed"
        UNSNOOZED = "unsnoozed", "Woke from snooze"
        TICKET_MERGED = "ticket_merged", "Ticket merged"
        TICKET_MERGE_UNDONE = "ticket_merge_undone", "Ticket merge undone"
        TICKET_SPLIT = "ticket_split", "Ticket split"
        TICKET_SPLIT_UNDONE = "ticket_split_undone", "Ticket split undone"
        FOLLOWUP_SCHEDULED = "followup_scheduled", "Follow-up scheduled"
        FOLLOWUP_SENT = "followup_sent", "Follow-up sent"
        FOLLOWUP_CANCELLED = "followup_cancelled", "Follow-up cancelled"
        CSAT_RECEIVED = "csat_received", "CSAT received"
        MACRO_APPLIED = "macro_applied", "Macro applied"
        MACRO_FOLLOWUP_DUE = "macro_followup_due", "Macro follow-up came due"
        TAGS_EDITED = "tags_edited", "Tags edited by an agent"
        REPLY_COLLISION_OVERRIDDEN = "reply_collision_overridden", "Reply sent despite a newer reply"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Who acted when there is no user: "customer", "ai", "system".
    actor_kind = models.CharField(max_length=10, default="system")
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="event_ticket_idx"),
            models.Index(fields=["kind", "at"], name="event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id} at {self.at:%Y-%m-%d %H:%M}"


class ApiKey(models.Model):
    """A key an integration sends as ``Authorization: Bearer <key>``; only its hash is stored."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # Requests made with the key act as this user (permissions, event actor).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification for one user (escalation to me, approval waiting, VIP alert...)."""

    class Kind(models.TextChoices):
        ESCALATION = "escalation", "Escalation"
        APPROVAL_REQUESTED = "approval_requested", "Approval requested"
        APPROVAL_DECIDED = "approval_decided", "Approval decided"
        VIP = "vip", "VIP customer"
        SLA = "sla", "SLA"
        ASSIGNMENT = "assignment", "Assignment"
        RECOVERY = "recovery", "Service recovery"
        PATTERN = "pattern", "Pattern alert"
        OTHER = "other", "Other"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=500, help_text="The latest of the grouped notifications.")
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Unread notifications about one ticket are one row: a VIP ticket's routing, escalation and
    # approval make one line "(3)" in the bell, not three.
    count = models.PositiveIntegerField(default=1)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "ticket"],
                condition=Q(read_at__isnull=True, ticket__isnull=False),
                name="notification_one_unread_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return self.text


class NotificationMute(models.Model):
    """A kind of notification a user chose not to get (in the app or by email)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Notification.Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_mute_unique")]

    def __str__(self) -> str:
        return f"{self.user} mutes {self.kind}"


class Macro(models.Model):
    """A canned reply agents insert into the composer; ``{placeholders}`` are filled per ticket.

    Known placeholders: {customer_name}, {customer_first_name}, {order_number}, {order_status},
    {tracking_number}, {tracking_url}, {carrier}, {ticket_reference}, {agent_name}, {store_name}.
    Unknown ones are left as typed, so a typo shows up in the editor instead of vanishing.
    """

    name = models.CharField(max_length=120, unique=True)
    body = models.TextField()
    issue_type = models.CharField(
        max_length=50, blank=True, help_text="Issue type slug it fits; listed first for those tickets."
    )
    is_active = models.BooleanField(default=True)
    # What applying the macro does to the ticket besides filling the reply (all optional).
    set_status = models.CharField(
        max_length=20,
        blank=True,
        choices=[(Ticket.Status.OPEN, "Open"), (Ticket.Status.PENDING, "Pending customer")],
    )
    set_priority = models.PositiveSmallIntegerField(null=True, blank=True, choices=Ticket.Priority.choices)
    add_tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    remove_tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    assign_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assign_tier = models.ForeignKey(
        "routing.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    followup_hours = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Hours after which a ticket still waiting on the customer comes back to open.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assign_agent__isnull=True) | Q(assign_tier__isnull=True),
                name="macro_assigns_agent_or_tier",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TicketRead(models.Model):
    """When one agent last opened one ticket: the inbox's unread marker compares it with the
    ticket's last customer message. One row per (user, ticket), written by one upsert."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ticket"], name="ticket_read_unique")]

    def __str__(self) -> str:
        return f"{self.user} read {self.ticket_id} at {self.read_at:%Y-%m-%d %H:%M}"


class SavedView(models.Model):
    """A personal inbox view: a base view plus filters, saved under a name by its owner, in the
    owner's order; shared ones also appear in the sidebar of the owner's team."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=60)
    # {"view": <built-in view slug>, <InboxFilters field>: value...}; validated by
    # ``tickets.personal_views.clean_filters`` before it is stored.
    filters = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
    shared_with_team = models.BooleanField(default=False)
    # The owner's team when it was shared (teammates see it; moving team does not leak it).
    team = models.ForeignKey(
        "routing.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="shared_views"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_unique")]
        indexes = [
            models.Index(fields=["owner", "position"], name="saved_view_owner_idx"),
            models.Index(fields=["team"], name="saved_view_team_idx", condition=Q(shared_with_team=True)),
        ]

    def __str__(self) -> str:
        return self.name


class TicketPresence(models.Model):
    """Who has a ticket open right now (one row per agent and ticket, refreshed by a heartbeat)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    typing = models.BooleanField(default=False)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="presence_one_per_agent")]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="presence_ticket_seen_idx")]

    def __str__(self) -> str:
        return f"{self.user} on {self.ticket_id}"


class TicketMerge(models.Model):
    """One merge of ``source`` into ``target``: what moved and what changed, so that an undo
    within ``UNDO_WINDOW`` puts back exactly that (``tickets.merging``)."""

    UNDO_WINDOW = timedelta(minutes=1)

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="merges_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="merges_in")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    message_ids = ArrayField(models.BigIntegerField(), default=list)
    event_ids = ArrayField(models.BigIntegerField(), default=list)
    # The source's and target's fields before the merge changed them (restored by the undo).
    source_before = models.JSONField(default=dict)
    target_before = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"HD-{self.source_id} into HD-{self.target_id}"


class TicketSplit(models.Model):
    """Messages of ``source`` moved into the new ticket ``created``; undone within a minute."""

    UNDO_WINDOW = timedelta(minutes=1)

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="splits_out")
    # Null once undone: the undo deletes the ticket it made.
    created = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="split_from"
    )
    created_reference = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    message_ids = ArrayField(models.BigIntegerField(), default=list)
    source_before = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_reference} split from HD-{self.source_id}"
