"""Triage history: every backend run, every agent correction, every trained model."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tickets.models import Ticket


class TriageResult(models.Model):
    """One run of a triage backend on a ticket, kept as history (the ticket holds the latest)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="triage_results")
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="triage_results"
    )
    backend = models.CharField(max_length=60, help_text="The backend that produced the output.")
    model = models.CharField(max_length=120, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    issue_type = models.CharField(max_length=50, blank=True)
    # {"issue_type": 0.82, "sentiment": 0.7, "urgency": 0.6, "signals": {"legal": 0.9}}
    confidence = models.JSONField(default=dict, blank=True)
    # The validated output as written to the ticket.
    output = models.JSONField(default=dict, blank=True)
    # What the backend returned before validation (an LLM's text, the cues that fired...).
    raw_output = models.JSONField(default=dict, blank=True)
    # Why a configured backend was not used (timeout, invalid JSON...); blank when it was.
    fallback_reason = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="triage_result_ticket_idx"),
            models.Index(fields=["backend", "created_at"], name="triage_result_backend_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.backend} on HD-{self.ticket_id}: {self.issue_type}"


class ClassificationOverride(models.Model):
    """An agent's correction of one triage output (the override metric and the training loop)."""

    class Field(models.TextChoices):
        ISSUE_TYPE = "issue_type", "Issue type"
        URGENCY = "urgency", "Urgency"
        SENTIMENT = "sentiment", "Sentiment"
        SIGNALS = "signals", "Signals"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="overrides")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="classification_overrides",
    )
    field = models.CharField(max_length=20, choices=Field.choices)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="override_ticket_idx"),
            models.Index(fields=["field", "created_at"], name="override_field_idx"),
        ]

    def __str__(self) -> str:
        return f"HD-{self.ticket_id} {self.field}: {self.old_value} -> {self.new_value}"


class TrainedModel(models.Model):
    """A classifier fitted by ``train_triage``; the trained backend loads the active one."""

    version = models.PositiveIntegerField(unique=True)
    algorithm = models.CharField(max_length=120)
    path = models.CharField(max_length=500, help_text="File under settings.TRIAGE_MODEL_DIR.")
    labels = models.JSONField(default=list, blank=True)
    training_examples = models.PositiveIntegerField(default=0)
    agent_examples = models.PositiveIntegerField(
        default=0, help_text="Examples that came from agents' confirmations and corrections."
    )
    # {"trained": {"macro_f1": ...}, "builtin": {"macro_f1": ...}, "method": "..."}
    scores = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(
        default=False, help_text="Used by the trained backend; only set when it beat the built-in one."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_trained_model"
            )
        ]

    def __str__(self) -> str:
        return f"triage model v{self.version} ({self.algorithm})"


class TriagedTicket(Ticket):
    """The ticket seen through triage (a proxy): the admin page that shows the triage output."""

    class Meta:
        proxy = True
        verbose_name = "ticket triage"
        verbose_name_plural = "ticket triage"
