"""The default workflow installs idempotently and matches the shared slugs."""

from io import StringIO

import pytest
from django.core.management import call_command

from routing import config
from routing.models import RoutingRule, SlaPolicy, Tier
from routing.workflow import RULES


@pytest.mark.django_db
def test_install_is_idempotent_and_restores_edited_defaults():
    call_command("install_default_workflow", stdout=StringIO())
    RoutingRule.objects.filter(slug="legal-safety").update(position=999)
    config.drop_snapshot()  # a queryset update sends no signal
    counts = (Tier.objects.count(), RoutingRule.objects.count(), SlaPolicy.objects.count())
    out = StringIO()
    call_command("install_default_workflow", stdout=out)
    assert (Tier.objects.count(), RoutingRule.objects.count(), SlaPolicy.objects.count()) == counts
    assert RoutingRule.objects.get(slug="legal-safety").position == 10
    assert "5 tiers" in out.getvalue()


@pytest.mark.django_db
def test_the_shared_tier_slugs_ranks_and_teams():
    call_command("install_default_workflow", stdout=StringIO())
    tiers = [
        (t.rank, t.slug, t.team.slug if t.team else None, t.is_senior) for t in Tier.objects.order_by("rank")
    ]
    assert tiers == [
        (0, "ai", None, False),
        (1, "general", "frontline", False),
        (2, "specialist", "specialists", False),
        (3, "senior", "senior", True),
        (4, "manager", "management", True),
    ]


@pytest.mark.django_db
def test_every_default_rule_is_valid_and_vip_policies_are_shorter():
    call_command("install_default_workflow", stdout=StringIO())
    for rule in RoutingRule.objects.filter(slug__in=[slug for _, slug, *_ in RULES]):
        rule.full_clean()
    for policy in SlaPolicy.objects.filter(for_vip=True):
        regular = SlaPolicy.objects.get(tier=policy.tier, priority=None, for_vip=False)
        assert policy.first_response_minutes < regular.first_response_minutes


def test_every_routing_schedule_points_at_a_real_job():
    from django.utils.module_loading import import_string

    from helpdesk.schedules import SCHEDULES

    for job in SCHEDULES:
        assert callable(import_string(job.func))
