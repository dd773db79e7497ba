"""What the AI did on a ticket: one ``AiResolution`` per attempt, and people's reviews of it.

An attempt keeps the flow that composed the answer, the facts it relies on (the records and
policy passages quoted), the confidence triage had, and its outcome: sent, or refused by the
verifier or the guardrails (then the text stays as a draft for a person and ``refusal`` says why).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class AiResolution(models.Model):
    class Outcome(models.TextChoices):
        SENT = "sent", "Sent by AI"
        DRAFTED = "drafted", "Left as a draft for a person"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="ai_resolutions")
    message = models.OneToOneField(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="ai_resolution"
    )
    flow = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    body = models.TextField()
    facts = models.JSONField(default=list, blank=True, help_text="[{kind, label, value, source}]")
    confidence = models.FloatField(null=True, blank=True)
    refusal = models.TextField(blank=True, help_text="Why it was not sent (verifier or guardrail).")
    # Sampling for review: decided once, when the reply is sent, from the manager-set share.
    sampled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "-created_at"], name="ai_resolution_outcome"),
            models.Index(
                fields=["-created_at"],
                name="ai_resolution_review_queue",
                condition=models.Q(sampled=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flow} on ticket {self.ticket_id} ({self.outcome})"


class AiReview(models.Model):
    """A person's verdict on one AI reply: right or wrong, and why (feeds the learning loop)."""

    class Verdict(models.TextChoices):
        RIGHT = "right", "Right"
        WRONG = "wrong", "Wrong"

    resolution = models.OneToOneField(AiResolution, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reason = models.TextField(blank=True)
    correct_issue_type = models.SlugField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.verdict}: {self.resolution}"


class ReviewSampling(models.Model):
    """The share of AI replies that land in the review queue (one row, set by a manager)."""

    share = models.FloatField(
        default=0.2,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0.2 = one AI reply in five is sampled for review.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name_plural = "review sampling"

    def __str__(self) -> str:
        return f"{self.share:.0%} of AI replies reviewed"

    @classmethod
    def current_share(cls) -> float:
        row = cls.objects.order_by("pk").first()
        return row.share if row else cls._meta.get_field("share").default
