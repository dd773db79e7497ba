"""Store records (Shopify / WooCommerce) kept alongside ``tickets.Order``.

Every record keeps the store's own id (``store_id``) and is upserted idempotently: each model has
a unique constraint on (parent, store_id) and ``store.upsert`` writes with ``INSERT ... ON
CONFLICT``, so a replayed webhook or an overlapping backfill lands on the same row. Statuses are
ours; ``store.vocabulary`` maps each store's words onto them, and the raw word is kept beside the
mapped one for display and debugging.

Models hold data only; writes go through ``store.upsert`` (records from the store),
``store.actions`` (order actions from a ticket) and ``store.proactive`` (outreach).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class StoreConnection(models.Model):
    """One connected shop. Secrets are read from environment variables when ``*_env`` is set,
    otherwise from the encrypted columns (``store.credentials`` encrypts and decrypts them)."""

    class Kind(models.TextChoices):
        SHOPIFY = "shopify", "Shopify"
        WOOCOMMERCE = "woocommerce", "WooCommerce"

    # --- identity
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=120, blank=True)
    # "example.myshopify.com" (Shopify) or "shop.example.com" (WooCommerce); webhooks pick the
    # connection by it (X-Shopify-Shop-Domain / X-WC-Webhook-Source).
    shop_domain = models.CharField(max_length=255, unique=True)
    # Where the API lives. Blank means the real store ("https://{shop_domain}"); tests and the
    # demo point it at the loopback fake.
    api_base_url = models.URLField(blank=True)
    api_version = models.CharField(max_length=20, blank=True, help_text="Blank: the pinned version.")
    # Prefix for ``Order.external_id`` of this shop's orders (Woo ids are small integers that
    # collide between shops; Shopify ids are global, so it is usually blank).
    order_id_prefix = models.CharField(max_length=20, blank=True)

    # --- secrets (Shopify: admin API access token; Woo: consumer key + secret)
    access_token_env = models.CharField(
        max_length=100, blank=True, help_text="Env var holding the token/key."
    )
    access_token_encrypted = models.TextField(blank=True)
    api_secret_env = models.CharField(
        max_length=100, blank=True, help_text="Woo: env var of consumer secret."
    )
    api_secret_encrypted = models.TextField(blank=True)
    webhook_secret_env = models.CharField(max_length=100, blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)

    # --- sync state (``sync_store`` resumes from ``sync_cursor``: {"orders": "<cursor>", ...})
    is_active = models.BooleanField(default=True)
    sync_cursor = models.JSONField(default=dict, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shop_domain"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name or self.shop_domain}"


class StoreCustomer(models.Model):
    """The store's customer record linked to our ``Customer`` (outreach preferences live here)."""

    connection = models.ForeignKey(StoreConnection, on_delete=models.CASCADE, related_name="customers")
    store_id = models.CharField(max_length=100)
    customer = models.ForeignKey("tickets.Customer", on_delete=models.CASCADE, related_name="store_accounts")
    # --- outreach: opted out of proactive messages; IANA time zone for quiet hours (blank: site's)
    outreach_opt_out = models.BooleanField(default=False)
    timezone = models.CharField(max_length=60, blank=True)
    store_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "store_id"], name="store_customer_unique"),
        ]
        indexes = [models.Index(fields=["customer"], name="store_customer_customer_idx")]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.store_id}"


class StoreOrder(models.Model):
    """The store side of one ``tickets.Order``: which shop, the store's own words, cancellation,
    shipping address. ``Order`` keeps our mapped status; this keeps what the store said."""

    order = models.OneToOneField("tickets.Order", on_delete=models.CASCADE, related_name="store_record")
    connection = models.ForeignKey(StoreConnection, on_delete=models.CASCADE, related_name="orders")
    # --- store identity: numeric/legacy id, and the GraphQL id (Shopify) used for mutations
    store_id = models.CharField(max_length=100)
    admin_graphql_id = models.CharField(max_length=200, blank=True)
    # --- the store's raw vocabulary (Shopify financial_status / fulfillment_status; Woo status)
    financial_status = models.CharField(max_length=40, blank=True)
    store_fulfillment_status = models.CharField(max_length=40, blank=True)
    # --- cancellation, as the store reports it (``cancelled_by_store`` drives proactive outreach)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=60, blank=True)
    cancelled_by_store = models.BooleanField(default=False)
    # --- addresses and totals
    shipping_address = models.JSONField(default=dict, blank=True)
    total_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # Last ``updated_at`` seen from the store: an older payload never overwrites a newer one.
    store_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "store_id"], name="store_order_unique"),
        ]
        indexes = [
            models.Index(
                fields=["cancelled_at"],
                name="store_order_cancelled_idx",
                condition=Q(cancelled_by_store=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.store_id}"


class Product(models.Model):
    """A product for product questions: title, description, variants, price range and stock."""

    connection = models.ForeignKey(StoreConnection, on_delete=models.CASCADE, related_name="products")
    store_id = models.CharField(max_length=100)
    # --- what the customer asks about
    title = models.CharField(max_length=300)
    handle = models.SlugField(max_length=300, blank=True)
    description = models.TextField(blank=True, help_text="Plain text (HTML stripped).")
    vendor = models.CharField(max_length=200, blank=True)
    product_type = models.CharField(max_length=200, blank=True)
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, blank=True, help_text="active / draft / archived.")
    # --- variants: [{"store_id", "sku", "title", "options": {"Size": "M"}, "price", "stock"}]
    variants = models.JSONField(default=list, blank=True)
    price_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    stock = models.IntegerField(null=True, blank=True, help_text="Total across variants; null if untracked.")
    # --- recall flag (admin sets it; proactive outreach tells buyers)
    recalled = models.BooleanField(default=False)
    recall_note = models.TextField(blank=True)
    store_updated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "store_id"], name="store_product_unique"),
        ]
        indexes = [
            models.Index(fields=["title"], name="store_product_title_idx"),
            models.Index(fields=["recalled"], name="store_product_recalled_idx", condition=Q(recalled=True)),
        ]

    def __str__(self) -> str:
        return self.title


class LineItem(models.Model):
    """One line of an order: product, variant, SKU, quantity, unit price."""

    order = models.ForeignKey("tickets.Order", on_delete=models.CASCADE, related_name="store_line_items")
    store_id = models.CharField(max_length=100)
    # --- what was bought (``product`` is null until the product is synced)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="line_items"
    )
    product_store_id = models.CharField(max_length=100, blank=True)
    variant_store_id = models.CharField(max_length=100, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=300)
    variant_title = models.CharField(max_length=300, blank=True)
    # --- quantities and money (unit price in the order currency)
    quantity = models.PositiveIntegerField(default=1)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    fulfilled_quantity = models.PositiveIntegerField(default=0)
    refunded_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "store_id"], name="store_line_item_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="store_line_item_price_ge0"),
        ]
        indexes = [models.Index(fields=["product_store_id"], name="store_line_item_product_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.title}"


class Fulfillment(models.Model):
    """A shipment of (part of) an order, with its carrier tracking and current shipment status."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFIRMED = "confirmed", "Confirmed"
        LABEL_PRINTED = "label_printed", "Label printed"
        IN_TRANSIT = "in_transit", "In transit"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        ATTEMPTED_DELIVERY = "attempted_delivery", "Attempted delivery"
        DELAYED = "delayed", "Delayed"
        DELIVERED = "delivered", "Delivered"
        FAILURE = "failure", "Delivery failed"
        CANCELLED = "cancelled", "Cancelled"

    order = models.ForeignKey("tickets.Order", on_delete=models.CASCADE, related_name="fulfillments")
    store_id = models.CharField(max_length=100)
    # --- shipment status (ours) and the store's raw words (fulfilment status / shipment status)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.CONFIRMED)
    store_status = models.CharField(max_length=40, blank=True)
    store_shipment_status = models.CharField(max_length=40, blank=True)
    # --- tracking
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    # --- what shipped: [{"line_item_store_id", "sku", "title", "quantity"}]
    line_items = models.JSONField(default=list, blank=True)
    # --- timing: shipped (store's created_at), last carrier scan (status change), delivered
    shipped_at = models.DateTimeField(null=True, blank=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    estimated_delivery_at = models.DateTimeField(null=True, blank=True)
    store_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "shipped_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "store_id"], name="store_fulfillment_unique"),
        ]
        indexes = [
            # The proactive sweep scans problem shipments and shipments without a recent scan.
            models.Index(fields=["status", "last_scan_at"], name="store_fulfillment_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number} ({self.status})"


class FulfillmentEvent(models.Model):
    """One step in a shipment's history (confirmed, in transit, ... delivered / failure)."""

    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=30, choices=Fulfillment.Status.choices)
    happened_at = models.DateTimeField()
    message = models.CharField(max_length=500, blank=True)
    location = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["fulfillment_id", "happened_at", "id"]
        constraints = [
            # The same step reported twice (webhook replay, backfill) is one row.
            models.UniqueConstraint(
                fields=["fulfillment", "status", "happened_at"], name="store_fulfillment_event_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} at {self.happened_at:%Y-%m-%d %H:%M}"


class Refund(models.Model):
    """Money given back on an order, as the store recorded it (or as an order action asked for it)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey("tickets.Order", on_delete=models.CASCADE, related_name="refunds")
    store_id = models.CharField(max_length=100)
    # --- money
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    # --- what and why: [{"line_item_store_id", "sku", "title", "quantity", "amount"}]
    line_items = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUCCEEDED)
    reason = models.CharField(max_length=500, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # --- the ticket action that asked for it (null when the refund was made in the store itself)
    order_action = models.ForeignKey(
        "store.OrderAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="refunds"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order_id", "processed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "store_id"], name="store_refund_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="store_refund_amount_ge0"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} ({self.status})"


class Return(models.Model):
    """A return (RMA) on an order: requested -> open -> closed, or declined."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    order = models.ForeignKey("tickets.Order", on_delete=models.CASCADE, related_name="returns")
    store_id = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    store_status = models.CharField(max_length=40, blank=True)
    # --- what comes back: [{"line_item_store_id", "sku", "title", "quantity", "reason"}]
    items = models.JSONField(default=list, blank=True)
    # --- the customer-facing reference and the shipping label
    rma = models.CharField(max_length=100, blank=True)
    label_url = models.URLField(max_length=500, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    order_action = models.ForeignKey(
        "store.OrderAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )
    store_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "store_id"], name="store_return_unique"),
        ]

    def __str__(self) -> str:
        return f"Return {self.rma or self.store_id} ({self.status})"


class WebhookReceipt(models.Model):
    """A webhook as received: the raw body, kept until processed; the store's id dedups it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(StoreConnection, on_delete=models.CASCADE, related_name="webhooks")
    # X-Shopify-Webhook-Id / X-WC-Webhook-Delivery-ID (+ resource id): a replay has the same id.
    webhook_id = models.CharField(max_length=200)
    topic = models.CharField(max_length=100)
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "webhook_id"], name="store_webhook_unique"),
        ]
        indexes = [
            models.Index(
                fields=["status", "received_at"],
                name="store_webhook_todo_idx",
                condition=~Q(status="processed"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.webhook_id}"


class OrderAction(models.Model):
    """An order action asked from a ticket (refund, cancel, return, replacement, address change).

    The row is the idempotency record: ``idempotency_key`` is unique, so a retried request finds
    the same row instead of calling the store twice; the store also receives the key where its API
    takes one. ``status`` moves awaiting_approval -> pending -> succeeded / failed (or denied).
    """

    class Kind(models.TextChoices):
        REFUND = "refund", "Refund"
        CANCEL = "cancel", "Cancel order"
        CREATE_RETURN = "create_return", "Create return"
        REPLACEMENT = "replacement", "Replacement order"
        UPDATE_ADDRESS = "update_address", "Update shipping address"

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        PENDING = "pending", "Calling the store"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"
        DENIED = "denied", "Approval denied"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="order_actions")
    order = models.ForeignKey("tickets.Order", on_delete=models.CASCADE, related_name="order_actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.CharField(max_length=100, unique=True)
    # --- input: amount/currency for refunds; the rest (line items, reason, address...) in params
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # --- the gate (routing.Approval) when the amount is above Thresholds.approval_amount
    approval = models.ForeignKey(
        "routing.Approval", null=True, blank=True, on_delete=models.SET_NULL, related_name="order_actions"
    )
    # --- outcome: the store's answer (ids, RMA, label...) or its error, shown on the ticket
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="store_action_ticket_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="store_action_amount_ge0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.order_id} ({self.status})"


class ProactiveRule(models.Model):
    """Admin-edited: which store event triggers an outreach message, and how it reads."""

    class Trigger(models.TextChoices):
        FULFILLMENT_DELAYED = "fulfillment_delayed", "Shipment delayed"
        FULFILLMENT_FAILED = "fulfillment_failed", "Delivery failed"
        NO_CARRIER_SCAN = "no_carrier_scan", "No carrier scan for N days after shipping"
        ORDER_CANCELLED = "order_cancelled", "Order cancelled by the store"
        PRODUCT_RECALLED = "product_recalled", "Product recalled"

    name = models.CharField(max_length=120, unique=True)
    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    is_active = models.BooleanField(default=True)
    # --- no_carrier_scan: days without a scan; product_recalled: orders placed within this many days
    days = models.PositiveSmallIntegerField(default=3)
    # --- quiet hours in the customer's time zone (start == end: none); sends wait until they end
    quiet_hours_start = models.PositiveSmallIntegerField(default=21, help_text="Hour 0-23.")
    quiet_hours_end = models.PositiveSmallIntegerField(default=8, help_text="Hour 0-23.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_hours_start__lte=23, quiet_hours_end__lte=23),
                name="proactive_quiet_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProactiveTemplate(models.Model):
    """The message of a rule in one language. Placeholders: {customer_first_name}, {order_number},
    {carrier}, {tracking_number}, {tracking_url}, {product_title}, {store_name}."""

    rule = models.ForeignKey(ProactiveRule, on_delete=models.CASCADE, related_name="templates")
    language = models.CharField(max_length=10, default="en")
    subject = models.CharField(max_length=300)
    body = models.TextField()

    class Meta:
        ordering = ["rule_id", "language"]
        constraints = [models.UniqueConstraint(fields=["rule", "language"], name="proactive_template_unique")]

    def __str__(self) -> str:
        return f"{self.rule} [{self.language}]"


class ProactiveMessage(models.Model):
    """One outreach per (order, event): the unique ``event_key`` makes a second sweep or a
    replayed webhook a no-op. ``status`` stays ``scheduled`` while quiet hours defer it."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Waiting for quiet hours to end"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (opted out or unreachable)"

    rule = models.ForeignKey(ProactiveRule, on_delete=models.CASCADE, related_name="messages")
    order = models.ForeignKey("tickets.Order", on_delete=models.CASCADE, related_name="proactive_messages")
    # e.g. "fulfillment_delayed:fulfillment:42", "order_cancelled:order:7", "product_recalled:product:3"
    event_key = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    skip_reason = models.CharField(max_length=200, blank=True)
    send_after = models.DateTimeField(default=timezone.now)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="proactive_messages"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "event_key"], name="proactive_one_per_order_event"),
        ]
        indexes = [
            models.Index(fields=["send_after"], name="proactive_due_idx", condition=Q(status="scheduled")),
            models.Index(fields=["sent_at"], name="proactive_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_key} ({self.status})"
