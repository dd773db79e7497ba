"""Factories for analytics tests: tiers and teams by their shared slugs, policies, alerts."""

from datetime import timedelta

import factory
from django.utils import timezone

from analytics.models import PatternAlert
from routing.models import Policy, PolicyVersion, Team, Tier

DEFAULT_TIERS = {
    "ai": (0, "AI", None, False),
    "general": (1, "General queue", "frontline", False),
    "specialist": (2, "Specialist team", "specialists", False),
    "senior": (3, "Senior agent", "senior", True),
    "manager": (4, "Manager", "management", True),
}


def team(slug: str) -> Team:
    return Team.objects.get_or_create(slug=slug, defaults={"name": slug.capitalize()})[0]


def tier(slug: str) -> Tier:
    """The shared default tier ``slug`` (created with its team if the database has none yet)."""
    rank, name, team_slug, is_senior = DEFAULT_TIERS[slug]
    return Tier.objects.get_or_create(
        slug=slug,
        defaults={
            "rank": rank,
            "name": name,
            "team": team(team_slug) if team_slug else None,
            "is_senior": is_senior,
            "ai_may_answer": slug == "ai",
        },
    )[0]


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"policy-{n}")
    title = factory.Sequence(lambda n: f"Policy {n}")
    issue_types = ["delivery_problem"]


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion

    policy = factory.SubFactory(PolicyFactory)
    number = 1
    body = "Late parcels: apologise and share the tracking link.\nRefund shipping after 10 days."
    reason = "First version"


class PatternAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatternAlert

    kind = PatternAlert.Kind.ROOT_CAUSE
    key = factory.Sequence(lambda n: f"key-{n}")
    title = "Root cause “Carrier delay” on 3 tickets"
    window_start = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))
    window_end = factory.LazyFunction(timezone.now)
    ticket_count = 0
