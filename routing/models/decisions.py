"""What the engine decided and why, escalations with their package, approvals, queue pressure."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone


class RoutingDecision(models.Model):
    """One run of the engine on one ticket: destination, priority, SLA dues and the explanation.

    ``explanation`` is a list of the rules that matched, each with every condition and the value
    that satisfied it; ``notes`` adds what overrode the rules (VIP minimum tier, guardrails,
    queue pressure, a tier that never goes down on its own).
    """

    class Destination(models.TextChoices):
        AI = "ai", "AI"
        TIER = "tier", "Tier"
        TEAM = "team", "Team"
        AGENT = "agent", "Agent"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="routing_decisions")
    trigger = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    rule = models.ForeignKey(
        "routing.RoutingRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    destination = models.CharField(max_length=10, choices=Destination.choices)
    tier = models.ForeignKey(
        "routing.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "routing.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    priority = models.PositiveSmallIntegerField()
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_policy = models.ForeignKey(
        "routing.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approvals_required = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    notifications = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    tags = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    explanation = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    notes = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    facts = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder, help_text="The inputs the rules saw."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "-created_at"], name="decision_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} -> {self.destination_label} ({self.trigger})"

    @property
    def destination_label(self) -> str:
        if self.destination == self.Destination.AI:
            return "AI"
        parts = [str(part) for part in (self.tier, self.team, self.agent) if part]
        return " / ".join(parts) or self.destination

    @property
    def summary(self) -> str:
        """One line saying why: the deciding rule and its matched conditions."""
        for entry in self.explanation:
            if entry.get("decides"):
                conditions = "; ".join(c["text"] for c in entry["conditions"]) or "always"
                return f"{entry['rule']}: {conditions}"
        return "No rule matched: default queue"


class Escalation(models.Model):
    """A move between tiers (up or down) with the package handed to the receiver."""

    class Direction(models.TextChoices):
        UP = "up", "Escalation"
        DOWN = "down", "De-escalation"

    class Trigger(models.TextChoices):
        RULE = "rule", "Routing rule"
        SLA = "sla", "SLA breach"
        MANUAL = "manual", "By hand"
        VIP = "vip", "VIP customer"
        RECOVERY = "recovery", "Service recovery"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="escalations")
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    from_tier = models.ForeignKey(
        "routing.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_tier = models.ForeignKey(
        "routing.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations_in"
    )
    to_ai = models.BooleanField(default=False)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    # Conversation, customer profile, attempted resolutions, AI summary, trigger and reason.
    package = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    acknowledge_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="escalation_ticket_idx"),
            models.Index(fields=["to_tier", "-created_at"], name="escalation_to_tier_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_ai=True) | Q(to_tier__isnull=False), name="escalation_has_destination"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} of {self.ticket_id} to {self.to_tier or 'AI'}"


class ApprovalQuerySet(models.QuerySet):
    def pending(self) -> ApprovalQuerySet:
        return self.filter(status=Approval.Status.PENDING)


class Approval(models.Model):
    """A human approval gate on money (or a policy exception) for one ticket."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        # The ticket was resolved or closed before anyone decided: the gate no longer applies.
        WITHDRAWN = "withdrawn", "Withdrawn"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="approvals")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    role = models.CharField(max_length=20, help_text="The role that may decide (or one above it).")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    reason = models.TextField()
    message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approvals",
        help_text="The held reply this approval releases.",
    )
    rule = models.ForeignKey(
        "routing.RoutingRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["status", "role", "-requested_at"], name="approval_queue_idx"),
            models.Index(fields=["ticket", "status"], name="approval_ticket_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="approval_decided_has_time",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="approval_amount_ge0"
            ),
        ]

    def __str__(self) -> str:
        return f"Approval {self.pk} on {self.ticket_id} ({self.status})"


class TeamPressure(models.Model):
    """The last measured queue of a team; ``under_pressure`` flips are what moves cases to AI and back."""

    team = models.OneToOneField("routing.Team", on_delete=models.CASCADE, related_name="pressure")
    depth = models.PositiveIntegerField(default=0)
    oldest_wait_minutes = models.PositiveIntegerField(default=0)
    under_pressure = models.BooleanField(default=False)
    measured_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        state = "under pressure" if self.under_pressure else "normal"
        return f"{self.team}: {self.depth} waiting, oldest {self.oldest_wait_minutes} min ({state})"
