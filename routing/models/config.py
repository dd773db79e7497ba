"""Admin-tunable configuration shared by triage, routing, follow-ups and analytics."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Thresholds(models.Model):
    """The one row of workflow thresholds (one admin page). ``Thresholds.current()`` reads it."""

    approval_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("100.00"),
        help_text="Refunds or compensation above this need a human approval (store currency).",
    )
    repeat_complaint_days = models.PositiveSmallIntegerField(
        default=30, help_text="A second complaint from the same customer within this many days escalates."
    )
    queue_pressure_depth = models.PositiveIntegerField(
        default=25, help_text="A team queue deeper than this (unassigned open tickets) is under pressure."
    )
    queue_pressure_wait_minutes = models.PositiveIntegerField(
        default=60,
        help_text="A team whose oldest unassigned ticket waited longer than this is under pressure.",
    )
    followup_delay_hours = models.PositiveIntegerField(
        default=48, help_text="Hours after resolution before the follow-up and CSAT survey go out."
    )
    pattern_count = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(2)],
        help_text="A root cause seen this many times within the pattern window raises an alert.",
    )
    pattern_window_days = models.PositiveSmallIntegerField(default=7, validators=[MinValueValidator(1)])
    sla_warning_share = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("0.99"))],
        help_text="Warn when this share of an SLA target has elapsed.",
    )
    high_emotion_sentiment = models.FloatField(
        default=-0.6,
        validators=[MinValueValidator(-1), MaxValueValidator(0)],
        help_text="Sentiment at or below this counts as a high-emotion complaint.",
    )

    class Meta:
        verbose_name = "thresholds"
        verbose_name_plural = "thresholds"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="thresholds_single_row")]

    def __str__(self) -> str:
        return "Workflow thresholds"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> Thresholds:
        return cls.objects.get_or_create(pk=1)[0]


class IssueType(models.Model):
    """The admin-extensible list of issue types triage assigns (referenced by slug everywhere)."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(
        blank=True, help_text="What belongs here; shown to agents and used by triage."
    )
    is_complaint = models.BooleanField(
        default=False, help_text="Counts as a complaint (repeat-complaint rule, recovery CSAT)."
    )
    followup_delay_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the follow-up delay for this type."
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
