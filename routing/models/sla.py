"""Business hours (weekly intervals, holidays) and SLA policies, and the running SLA clocks.

The maths over a calendar lives in ``routing.sla`` (pure, DB-free); the clocks are started,
paused and swept by ``routing.sla_clocks``.
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone {value!r} (use an IANA name such as Europe/Berlin)."
        ) from None


class BusinessCalendar(models.Model):
    """A team's working time: weekly intervals (a lunch break is two intervals) and holidays."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    always_open = models.BooleanField(
        default=False, help_text="24/7: SLA clocks run all the time and the weekly hours are ignored."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessInterval(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="Must be after opens; split a day in two rows for a break.")

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="interval_closes_after_opens"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="interval_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "Closing time must be after opening time."})
        if not self.calendar_id or self.opens is None or self.closes is None:
            return
        overlapping = BusinessInterval.objects.filter(
            calendar_id=self.calendar_id, weekday=self.weekday, opens__lt=self.closes, closes__gt=self.opens
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(f"{self} overlaps another interval on the same day.")


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class SlaPolicy(models.Model):
    """Targets in business minutes for a tier x priority (blank = any), VIP or not.

    The most specific active policy wins: tier over any tier, priority over any priority.
    Changing a policy recalculates the due times of open tickets (see the admin).
    """

    name = models.CharField(max_length=100, unique=True)
    tier = models.ForeignKey(
        "routing.Tier", null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    priority = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "Low"), (2, "Normal"), (3, "High"), (4, "Urgent")]
    )
    for_vip = models.BooleanField(default=False, help_text="Applies to VIP customers (set shorter targets).")
    first_response_minutes = models.PositiveIntegerField(help_text="Business minutes to the first reply.")
    next_response_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Business minutes to answer each later customer message."
    )
    resolution_minutes = models.PositiveIntegerField(help_text="Business minutes to resolution.")
    warning_notify = models.BooleanField(default=True, help_text="At the warning share: notify the team.")
    warning_raise_priority = models.BooleanField(default=False)
    warning_escalate = models.BooleanField(default=False)
    breach_notify = models.BooleanField(default=True)
    breach_raise_priority = models.BooleanField(default=True)
    breach_escalate = models.BooleanField(
        default=True, help_text="A breached first-response or resolution target moves the ticket up one tier."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["tier__rank", "priority", "for_vip"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "priority", "for_vip"],
                name="sla_policy_unique_scope",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="sla_resolution_after_first_response",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.first_response_minutes is not None
            and self.resolution_minutes is not None
            and self.resolution_minutes < self.first_response_minutes
        ):
            raise ValidationError(
                {"resolution_minutes": "Resolution cannot be due before the first response."}
            )


class SlaClockQuerySet(models.QuerySet):
    def running(self) -> SlaClockQuerySet:
        return self.filter(stopped_at__isnull=True, breached_at__isnull=True, paused_at__isnull=True)


class SlaClock(models.Model):
    """One running SLA target of one ticket. The sweep warns and breaches each clock exactly once."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        NEXT_RESPONSE = "next_response", "Next response"
        RESOLUTION = "resolution", "Resolution"
        ACKNOWLEDGEMENT = "acknowledgement", "Escalation acknowledgement"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(default=timezone.now)
    target_minutes = models.PositiveIntegerField(help_text="The target in business minutes.")
    # Business minutes spent waiting on the customer: added to the target when the clock resumes.
    paused_minutes = models.FloatField(default=0)
    warn_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True, help_text="Met (or no longer running).")

    objects = SlaClockQuerySet.as_manager()

    class Meta:
        ordering = ["due_at"]
        constraints = [models.UniqueConstraint(fields=["ticket", "kind"], name="sla_clock_one_per_kind")]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="sla_clock_breach_idx",
                condition=Q(breached_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_clock_warn_idx",
                condition=Q(warned_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.ticket_id} due {self.due_at:%Y-%m-%d %H:%M}"
