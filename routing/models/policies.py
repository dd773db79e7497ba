"""Store policies and SOPs, versioned: triage quotes the current version; revisions answer patterns."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class Policy(models.Model):
    class Kind(models.TextChoices):
        POLICY = "policy", "Store policy"
        SOP = "sop", "Standard operating procedure"

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.POLICY)
    issue_types = ArrayField(
        models.SlugField(max_length=50),
        default=list,
        blank=True,
        help_text="Issue type slugs this policy covers.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> PolicyVersion | None:
        return self.versions.order_by("-number").first()


class PolicyVersion(models.Model):
    """One immutable text of a policy; the highest number is current."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.TextField(
        blank=True, help_text="Why the text changed (e.g. the pattern alert it answers)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique")]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"
