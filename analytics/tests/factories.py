"""Factories for analytics tests: tiers and teams by their shared slugs, policies, alerts."""

from datetime import timedelta

import factory
from django.utils import timezone

from analytics.models import PatternAlert
from routing.models import Policy, PolicyVersion, Team, Tier
from routing.workflow import default_tier


def team(slug: str) -> Team:
    return Team.objects.get_or_create(slug=slug, defaults={"name": slug.capitalize()})[0]


def tier(slug: str) -> Tier:
    """The shared default tier ``slug`` (created with its team if the database has none yet)."""
    return default_tier(slug)


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
