"""Follow-ups after resolution, their templates, and the CSAT answers they collect."""

from __future__ import annotations

import secrets
import string

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tickets.models import Message, Ticket

PLACEHOLDERS = (
    "customer_name",
    "ticket_reference",
    "subject",
    "csat_link",
    "store_name",
    "agent_name",
)


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class FollowUpTemplate(models.Model):
    """The check-in text for one issue type (blank: any) and language, with {placeholders}."""

    issue_type = models.CharField(
        max_length=50, blank=True, help_text="Issue type slug; blank is the default for every type."
    )
    language = models.CharField(max_length=10, default="en", help_text="Customer locale, e.g. en, de, fr.")
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Placeholders: "
        + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        + ". {csat_link} is required."
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["issue_type", "language"]
        constraints = [
            models.UniqueConstraint(fields=["issue_type", "language"], name="followup_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issue_type or 'default'} ({self.language})"

    def clean(self) -> None:
        errors = {}
        for field in ("subject", "body"):
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(getattr(self, field)) if name}
            except ValueError as exc:
                errors[field] = f"Broken placeholder: {exc}."
                continue
            unknown = names - set(PLACEHOLDERS)
            if unknown:
                errors[field] = f"Unknown placeholder(s): {', '.join(sorted(unknown))}."
        if "{csat_link}" not in self.body:
            errors.setdefault("body", "The body must contain {csat_link}.")
        if errors:
            raise ValidationError(errors)


class FollowUpQuerySet(models.QuerySet):
    def due(self, now) -> FollowUpQuerySet:
        return self.filter(status=FollowUp.Status.SCHEDULED, due_at__lte=now)


class FollowUp(models.Model):
    """The check-in after a resolution: scheduled, then sent exactly once (or cancelled)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        UNDELIVERABLE = "undeliverable", "Not deliverable"
        CANCELLED = "cancelled", "Cancelled"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followups")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=20, blank=True)
    template = models.ForeignKey(FollowUpTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="followup"
    )
    # Part of the signed CSAT token; rotating it invalidates links already sent.
    csat_nonce = models.CharField(max_length=32, default=new_nonce)
    # A complaint ticket at scheduling time: its CSAT counts as recovery CSAT.
    is_complaint = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["due_at"], name="followup_due_idx", condition=Q(status="scheduled")),
            models.Index(fields=["ticket", "-created_at"], name="followup_ticket_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="scheduled"), name="followup_one_scheduled_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"Follow-up of HD-{self.ticket_id} ({self.status})"


class CsatResponse(models.Model):
    """A customer's 1-5 answer to one follow-up (single use: one per follow-up)."""

    LOW_SCORE_MAX = 2

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="csat_responses")
    followup = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="csat")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    # Copied from the follow-up so analytics can split recovery CSAT without a join.
    is_complaint = models.BooleanField(default=False)
    # Whether the ticket had been through recovery (reopened by a bad score before) when answered.
    after_recovery = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="csat_created_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="csat_score_1_to_5")
        ]

    def __str__(self) -> str:
        return f"CSAT {self.score} on HD-{self.ticket_id}"

    @property
    def is_low(self) -> bool:
        return self.score <= self.LOW_SCORE_MAX
