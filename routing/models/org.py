"""Teams, escalation tiers and agents' profiles.

Other concepts of the routing app (triage, SLA, rules, approvals) have their own modules
beside this one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    email = models.EmailField(blank=True, help_text="Where team notifications go, besides each member.")
    calendar = models.ForeignKey(
        "routing.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
        help_text="Business hours its SLA clocks run in (blank: 24/7).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """An escalation tier. ``rank`` orders them: escalation moves a ticket to the next rank up."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="0 = AI, then upwards: general queue, specialist..."
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tiers",
        help_text="The team serving it.",
    )
    ai_may_answer = models.BooleanField(default=False, help_text="Whether AI may send replies at this tier.")
    is_senior = models.BooleanField(
        default=False,
        help_text="Senior or manager tier: moving a ticket here counts toward the escalation rate.",
    )

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    class Availability(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="agents")
    skills = ArrayField(
        models.CharField(max_length=50),
        default=list,
        blank=True,
        help_text="Issue type slugs this agent handles.",
    )
    capacity = models.PositiveSmallIntegerField(default=10, help_text="Open tickets at once.")
    availability = models.CharField(max_length=10, choices=Availability.choices, default=Availability.OFFLINE)
    availability_changed_at = models.DateTimeField(default=timezone.now)
    # Ties between equally loaded agents go to the one assigned longest ago (round robin).
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "availability"], name="agent_team_avail_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.tier or 'no tier'})"
