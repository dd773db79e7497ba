"""Pattern alerts raised by the pattern job, and the per-day stage-time summary the dashboard reads.

Analytics writes only these rows (and ``PolicyVersion`` through ``routing.policies.revise_policy``);
everything else it reads from tickets and routing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PatternAlertQuerySet(models.QuerySet):
    def open(self) -> PatternAlertQuerySet:
        return self.filter(status=PatternAlert.Status.OPEN)


class PatternAlert(models.Model):
    """A recurring problem: one root cause, or one issue type on one product, or a cluster of
    similar unresolved complaints, seen ``Thresholds.pattern_count`` times within the window.

    ``key`` identifies the pattern (root cause id, "issue_type|product", or the cluster's seed
    ticket); one alert exists per pattern and window, so the job never raises it twice.
    """

    class Kind(models.TextChoices):
        ROOT_CAUSE = "root_cause", "Same root cause"
        ISSUE_PRODUCT = "issue_product", "Same issue type on one product"
        CLUSTER = "cluster", "Emerging cluster (no root cause yet)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed by a revision"
        DISMISSED = "dismissed", "Dismissed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    root_cause = models.ForeignKey(
        "tickets.RootCause", null=True, blank=True, on_delete=models.SET_NULL, related_name="pattern_alerts"
    )
    issue_type = models.CharField(max_length=50, blank=True)
    product = models.CharField(max_length=120, blank=True)
    # Top TF-IDF terms of a cluster, so the reviewer sees what the complaints share.
    terms = models.JSONField(default=list, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    ticket_count = models.PositiveIntegerField(default=0)
    tickets = models.ManyToManyField("tickets.Ticket", through="PatternAlertTicket", related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismiss_reason = models.TextField(blank=True)
    revision = models.ForeignKey(
        "routing.PolicyVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pattern_alerts",
        help_text="The policy/SOP revision that answered this alert.",
    )

    objects = PatternAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="alert_status_idx"),
            models.Index(fields=["kind", "key", "-window_end"], name="alert_key_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "window_start"], name="alert_once_per_window"),
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")), name="alert_window"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="closed_alert_has_closed_at"
            ),
        ]
        permissions = [
            ("view_dashboard", "Can view the analytics dashboards (metrics, workflow, weekly review)"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class PatternAlertTicket(models.Model):
    alert = models.ForeignKey(PatternAlert, on_delete=models.CASCADE, related_name="memberships")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    # Cosine similarity to the cluster's centre (clusters only).
    similarity = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "ticket"], name="alert_ticket_unique")]
        indexes = [models.Index(fields=["ticket"], name="alert_ticket_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.alert_id}:{self.ticket_id}"


class StageDuration(models.Model):
    """Time one ticket spent in one workflow stage, one row per completed stage visit.

    Kept current by ``analytics.jobs.refresh_stage_durations`` (every few minutes) from the
    STAGE_CHANGED events, so the dashboard's median/p90 per stage read a narrow indexed table
    instead of windowing the whole event log.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=30)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField()
    seconds = models.FloatField()
    # The STAGE_CHANGED event that ended the visit: refreshes are idempotent on it.
    event_id = models.BigIntegerField(unique=True)

    class Meta:
        indexes = [models.Index(fields=["left_at", "stage"], name="stage_duration_left_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.stage} {self.seconds:.0f}s"


class TicketFacts(models.Model):
    """What the metrics need to know about one ticket, folded from the ticket and its event log.

    Kept current by ``analytics.jobs.refresh_ticket_facts`` (every minute, ``analytics.facts``):
    it re-folds the tickets touched since the watermark (new events, or ``Ticket.updated_at``).
    The metrics read this table for settled tickets and compute the same row on the fly for the
    tickets touched since the last fold, so a late fold costs speed, never correctness.

    What depends on the clock (an SLA target passed while still unanswered), on configuration
    (complaint issue types, the repeat window) or on the customer (VIP level) is applied when
    the metrics are read. Business seconds are valid while the team calendars match the
    watermark's fingerprint; the previous contact is re-derived when any of the customer's
    earlier tickets is touched.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=True
    )
    # Copies of the ticket's own fields, so the period and the filters read this table alone.
    customer_id = models.BigIntegerField()
    first_message_at = models.DateTimeField()
    channel = models.CharField(max_length=20)
    issue_type = models.CharField(max_length=50)
    team_id = models.BigIntegerField(null=True)
    tier_id = models.BigIntegerField(null=True)
    first_response_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    root_cause_id = models.BigIntegerField(null=True)
    negative_sentiment = models.BooleanField(default=False)
    # The customer's previous contact about the same issue type (repeat complaints): the fold
    # re-folds a customer's later tickets whenever one of their tickets is touched.
    prev_contact_at = models.DateTimeField(null=True)
    first_response_due_at = models.DateTimeField(null=True)
    resolution_due_at = models.DateTimeField(null=True)
    # Business seconds in the team's calendar, valid while the calendars match the watermark's.
    first_response_business_s = models.FloatField(null=True)
    resolution_business_s = models.FloatField(null=True)
    # Breached for good: flagged on the ticket, a SLA_BREACHED event, or answered/resolved late.
    sla_missed_settled = models.BooleanField(default=False)
    # From the event log.
    escalated = models.BooleanField(default=False)
    triaged = models.BooleanField(default=False)
    overridden = models.BooleanField(default=False)
    public_replies = models.PositiveIntegerField(default=0)
    drafts_used = models.PositiveIntegerField(default=0)
    drafts_accepted = models.PositiveIntegerField(default=0)
    drafts_discarded = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_sum = models.FloatField(default=0)
    csat_good = models.PositiveIntegerField(default=0)
    folded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "ticket facts"
        indexes = [
            models.Index(fields=["first_message_at"], name="facts_period_idx"),
            models.Index(fields=["team_id", "first_message_at"], name="facts_team_idx"),
            models.Index(fields=["tier_id", "first_message_at"], name="facts_tier_idx"),
            models.Index(fields=["channel", "first_message_at"], name="facts_channel_idx"),
            models.Index(fields=["issue_type", "first_message_at"], name="facts_issue_type_idx"),
            # The daily rollups find the days folded since they were rolled up.
            models.Index(fields=["folded_at"], name="facts_folded_idx"),
        ]

    def __str__(self) -> str:
        return f"facts of ticket {self.ticket_id}"


class TicketFactsWatermark(models.Model):
    """How far ``TicketFacts`` is folded: one row (pk 1). Everything touched after it is computed
    on the fly by the metrics; ``None`` (no fold yet) means every ticket is."""

    event_id = models.BigIntegerField(default=0)
    ticket_updated_at = models.DateTimeField()
    # Fingerprint of the team calendars the business seconds were folded with; when they
    # change, the metrics compute business hours on the fly and the next fold is a full one.
    calendars = models.CharField(max_length=64, blank=True)
    folded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"facts folded to event {self.event_id} / {self.ticket_updated_at:%Y-%m-%d %H:%M:%S}"


class DailyRollup(models.Model):
    """The metrics' sums for one local day × team × channel × issue type, from ``TicketFacts``.

    Rolled up by ``analytics.rollups.roll_up_days`` (after each fold) for the days whose facts
    were folded since the last roll-up; the metrics read the days held here and compute the
    rest (days with tickets touched since the fold) from the facts. Counts and sums add up
    across rows; what does not (medians and p90s, distinct customers, an SLA target that passes
    later) is kept as the values themselves, so a 30-day read is exact without a ticket row.
    """

    day = models.DateField()
    team_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=20)
    issue_type = models.CharField(max_length=50)
    volume = models.PositiveIntegerField(default=0)
    frt_missing = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    drafts_accepted = models.PositiveIntegerField(default=0)
    drafts_total = models.PositiveIntegerField(default=0)
    overridden = models.PositiveIntegerField(default=0)
    triaged = models.PositiveIntegerField(default=0)
    recovery_sum = models.FloatField(default=0)
    recovery_n = models.PositiveIntegerField(default=0)
    recovery_good = models.PositiveIntegerField(default=0)
    with_root_cause = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    fcr = models.PositiveIntegerField(default=0)
    csat_sum = models.FloatField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_good = models.PositiveIntegerField(default=0)
    sla_total = models.PositiveIntegerField(default=0)
    sla_settled = models.PositiveIntegerField(default=0)
    # Tickets with an SLA, not missed for good: the earliest target still running (missed once past).
    sla_pending_due = ArrayField(models.DateTimeField(), default=list)
    frt_s = ArrayField(models.FloatField(), default=list)
    frt_bh = ArrayField(models.FloatField(), default=list)
    res_s = ArrayField(models.FloatField(), default=list)
    res_bh = ArrayField(models.FloatField(), default=list)
    customers = ArrayField(models.BigIntegerField(), default=list)
    repeat_customers = ArrayField(models.BigIntegerField(), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team_id", "channel", "issue_type"],
                name="rollup_day_group_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} {self.channel} {self.issue_type}: {self.volume}"


class DailyRollupState(models.Model):
    """How far ``DailyRollup`` is rolled up: one row (pk 1). ``rolled_to`` is the newest
    ``TicketFacts.folded_at`` included; ``fingerprint`` the time zone and configuration the
    rows were computed with (complaint types, repeat window, calendars). The metrics use the
    rollups only while the fingerprint matches."""

    rolled_to = models.DateTimeField()
    fingerprint = models.CharField(max_length=64)
    rolled_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"rolled up to {self.rolled_to:%Y-%m-%d %H:%M:%S}"
