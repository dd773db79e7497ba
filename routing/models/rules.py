"""Admin-edited rules: routing rules (conditions -> actions), VIP rules and AI action rules.

Conditions are structured fields, never free Python or SQL: a blank field is not checked, every
filled one must hold for the rule to match. ``clean()`` refuses rules that could never be
evaluated (unknown issue types or signals, empty rules, a route without its destination), so the
admin form names the field at fault; ``routing.conditions`` evaluates them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tickets.roles import APPROVAL_ROLES, ROLE_AGENT

SIGNALS = ["legal", "safety", "reputation", "policy_exception", "repeat_complaint", "asks_for_human", "vip"]
URGENCY_ORDER = ["low", "medium", "high", "critical"]
CHANNELS = ["email", "chat", "sms", "social", "review", "phone", "web", "api"]
# The rungs of the role ladder (``tickets.roles``) a rule may address.
APPROVER_ROLES = [(role, role.capitalize()) for role in APPROVAL_ROLES]
NOTIFY_ROLES = [(ROLE_AGENT, "Agents"), *APPROVER_ROLES]


class TriState(models.TextChoices):
    ANY = "", "Any"
    YES = "yes", "Yes"
    NO = "no", "No"


def _unknown(values, allowed) -> list[str]:
    return [value for value in values or [] if value not in allowed]


def validate_issue_types(values) -> None:
    from routing.models.config import IssueType

    unknown = _unknown(values, set(IssueType.objects.values_list("slug", flat=True)))
    if unknown:
        raise ValidationError(
            f"Unknown issue type(s): {', '.join(unknown)}. Add them under Issue types first."
        )


def validate_signals(values) -> None:
    unknown = _unknown(values, SIGNALS)
    if unknown:
        raise ValidationError(f"Unknown signal(s): {', '.join(unknown)}. Known: {', '.join(SIGNALS)}.")


def validate_channels(values) -> None:
    unknown = _unknown(values, CHANNELS)
    if unknown:
        raise ValidationError(f"Unknown channel(s): {', '.join(unknown)}. Known: {', '.join(CHANNELS)}.")


class RoutingRule(models.Model):
    """Ordered rule: the first matching rule decides the destination; "continue" rules only add."""

    class Route(models.TextChoices):
        NONE = "", "No destination (only the other actions)"
        AI = "ai", "AI (automation)"
        TIER = "tier", "A tier"
        TEAM = "team", "A team"
        AGENT = "agent", "An agent"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    position = models.PositiveIntegerField(default=100, help_text="Lower runs first.")
    is_active = models.BooleanField(default=True)
    continue_evaluation = models.BooleanField(
        default=False,
        help_text="Add this rule's priority, tags, approvals and notifications, then keep evaluating; "
        "its destination is ignored.",
    )
    description = models.TextField(blank=True)

    # --- conditions (blank = not checked)
    issue_types = ArrayField(
        models.SlugField(max_length=50),
        default=list,
        blank=True,
        validators=[validate_issue_types],
        help_text="Issue type slugs, comma separated: matches any of them.",
    )
    sentiment_at_most = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-1), MaxValueValidator(1)],
        help_text="Sentiment score (-1..1) at or below this.",
    )
    high_emotion = models.CharField(
        max_length=3,
        choices=TriState.choices,
        blank=True,
        help_text="Sentiment at or below the high-emotion threshold (Thresholds).",
    )
    urgency_at_least = models.CharField(
        max_length=10, blank=True, choices=[(u, u.title()) for u in URGENCY_ORDER]
    )
    amount_at_least = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    amount_above_approval_threshold = models.CharField(
        max_length=3,
        choices=TriState.choices,
        blank=True,
        help_text="Amount at stake above the approval amount in Thresholds (read at routing time).",
    )
    channels = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, validators=[validate_channels]
    )
    is_vip = models.CharField(max_length=3, choices=TriState.choices, blank=True)
    vip_levels = ArrayField(
        models.SlugField(max_length=30), default=list, blank=True, help_text="VIP level slugs (any of)."
    )
    signals_any = ArrayField(
        models.CharField(max_length=30),
        default=list,
        blank=True,
        validators=[validate_signals],
        help_text="Any of these signals present (legal, safety, reputation, policy_exception, "
        "repeat_complaint, asks_for_human, vip).",
    )
    no_signals = models.BooleanField(default=False, help_text="Only tickets without any signal.")
    repeat_complaint = models.CharField(
        max_length=3,
        choices=TriState.choices,
        blank=True,
        help_text="A complaint from a customer who complained within the repeat window (Thresholds).",
    )
    confidence_at_least = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Triage confidence (0..1) at or above this.",
    )
    pressure_team = models.ForeignKey(
        "routing.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Queue pressure is measured on this team (default: the rule's destination team).",
    )
    queue_under_pressure = models.CharField(max_length=3, choices=TriState.choices, blank=True)

    # --- actions
    route_to = models.CharField(max_length=10, choices=Route.choices, blank=True)
    tier = models.ForeignKey(
        "routing.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "routing.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_priority = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(1, "Low"), (2, "Normal"), (3, "High"), (4, "Urgent")]
    )
    require_approval = models.BooleanField(
        default=False, help_text="Money or an exception on this ticket needs the approval of the role below."
    )
    approval_role = models.CharField(max_length=20, choices=APPROVER_ROLES, blank=True)
    notify_role = models.CharField(max_length=20, choices=NOTIFY_ROLES, blank=True)
    add_tags = ArrayField(models.SlugField(max_length=50), default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["is_active", "position"], name="routing_rule_order_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(route_to="tier") | Q(tier__isnull=False), name="rule_tier_route_has_tier"
            ),
            models.CheckConstraint(
                condition=~Q(route_to="team") | Q(team__isnull=False), name="rule_team_route_has_team"
            ),
            models.CheckConstraint(
                condition=~Q(route_to="agent") | Q(agent__isnull=False), name="rule_agent_route_has_agent"
            ),
            models.CheckConstraint(
                condition=Q(require_approval=False) | ~Q(approval_role=""), name="rule_approval_has_role"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        target = {self.Route.TIER: "tier", self.Route.TEAM: "team", self.Route.AGENT: "agent"}.get(
            self.route_to
        )
        if target and getattr(self, f"{target}_id") is None:
            errors[target] = f"Routing to {target} needs a {target}."
        if self.require_approval and not self.approval_role:
            errors["approval_role"] = "Name the role that approves."
        if self.continue_evaluation and self.route_to:
            errors["route_to"] = "A 'continue' rule cannot route: it only adds priority, tags, approvals."
        if self.queue_under_pressure and not (self.pressure_team_id or self.team_id or self.tier_id):
            errors["queue_under_pressure"] = "Name the team whose queue pressure is checked."
        unknown_levels = self.vip_levels and _unknown(
            self.vip_levels, set(VipLevel.objects.values_list("slug", flat=True))
        )
        if unknown_levels:
            errors["vip_levels"] = f"Unknown VIP level(s): {', '.join(unknown_levels)}."
        if self.no_signals and self.signals_any:
            errors["no_signals"] = "'No signals' contradicts 'signals any'."
        has_action = any(
            [self.route_to, self.set_priority, self.require_approval, self.notify_role, self.add_tags]
        )
        if not has_action:
            errors["route_to"] = "The rule does nothing: choose a destination or another action."
        if errors:
            raise ValidationError(errors)


class VipLevel(models.Model):
    """What a VIP level does: shorter SLA (the VIP SLA policies), a minimum tier, manager alerts."""

    slug = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(default=1, help_text="Higher wins when several rules match.")
    minimum_tier = models.ForeignKey(
        "routing.Tier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Tickets of this level never sit below this tier (e.g. senior agents).",
    )
    notify_managers = models.BooleanField(default=True, help_text="Notify managers at once on a new ticket.")

    class Meta:
        ordering = ["-rank"]
        verbose_name = "VIP level"

    def __str__(self) -> str:
        return self.name


class VipRule(models.Model):
    """Lifetime value, order count or a tag -> a VIP level. Any filled condition suffices."""

    name = models.CharField(max_length=100, unique=True)
    level = models.ForeignKey(VipLevel, on_delete=models.CASCADE, related_name="rules")
    min_lifetime_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    min_order_count = models.PositiveIntegerField(null=True, blank=True)
    tag = models.CharField(max_length=50, blank=True, help_text="A customer tag, e.g. vip.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-level__rank", "name"]
        verbose_name = "VIP rule"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.min_lifetime_value is None and self.min_order_count is None and not self.tag:
            raise ValidationError("Give a lifetime value, an order count or a tag.")


class ActionRule(models.Model):
    """Something AI may do by itself, where, up to which amount, above which confidence."""

    class Action(models.TextChoices):
        ANSWER_ORDER_STATUS = "answer_order_status", "Answer order status from order data"
        START_RETURN = "start_return", "Start a return"
        ANSWER_POLICY_QUESTION = "answer_policy_question", "Answer a policy question from a policy"
        ANSWER_PRODUCT_QUESTION = "answer_product_question", "Answer a product question"
        ANSWER_REFUND_STATUS = "answer_refund_status", "Answer refund status from refund records"
        CANCEL_ORDER = "cancel_order", "Cancel an unshipped order at the store"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    issue_types = ArrayField(
        models.SlugField(max_length=50),
        default=list,
        validators=[validate_issue_types],
        help_text="Issue types where AI may do this.",
    )
    amount_cap = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Only when the amount at stake is at or below this (blank: no money involved at all).",
    )
    confidence_floor = models.FloatField(
        default=0.8,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Triage confidence needed before AI acts alone.",
    )
    requires_order = models.BooleanField(default=False, help_text="Only with a linked order (order data).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.issue_types:
            raise ValidationError({"issue_types": "Name at least one issue type."})
