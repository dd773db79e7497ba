"""Fixtures for the inbox tests: a small organisation (teams, tiers) and people in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from routing.models import AgentProfile, Team, Tier
from tickets.tests.factories import TicketFactory, UserFactory


def default_org() -> dict:
    """The shared default teams and tiers (routing's data migration makes them; transactional
    tests flush them, so they are fetched or re-created by slug)."""
    teams = {
        slug: Team.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in [
            ("frontline", "Frontline"),
            ("specialists", "Specialists"),
            ("senior", "Senior agents"),
            ("management", "Management"),
        ]
    }
    tiers = {}
    for slug, name, rank, team, senior, ai in [
        ("ai", "AI", 0, None, False, True),
        ("general", "General queue", 1, "frontline", False, False),
        ("specialist", "Specialist team", 2, "specialists", False, False),
        ("senior", "Senior agent", 3, "senior", True, False),
        ("manager", "Manager", 4, "management", True, False),
    ]:
        tiers[slug] = Tier.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "rank": rank,
                "team": teams.get(team),
                "is_senior": senior,
                "ai_may_answer": ai,
            },
        )[0]
    return {
        "frontline": teams["frontline"],
        "other_team": teams["specialists"],
        "senior_team": teams["senior"],
        "management": teams["management"],
        "ai": tiers["ai"],
        "general": tiers["general"],
        "specialist": tiers["specialist"],
        "senior": tiers["senior"],
        "manager": tiers["manager"],
    }


@pytest.fixture
def org(db):
    return default_org()


@pytest.fixture
def frontline_agent(org):
    user = UserFactory(username="frontline", roles=["agent"], first_name="Fran", last_name="Line")
    AgentProfile.objects.create(user=user, team=org["frontline"], tier=org["general"], availability="online")
    return user


@pytest.fixture
def senior_agent(org):
    user = UserFactory(username="senior", roles=["senior agent"], first_name="Sam")
    AgentProfile.objects.create(user=user, team=org["senior_team"], tier=org["senior"], availability="online")
    return user


@pytest.fixture
def team_ticket(org):
    return TicketFactory(
        subject="Parcel never arrived",
        team=org["frontline"],
        tier=org["general"],
        issue_type="delivery_problem",
        sentiment="frustrated",
        sla_due_at=timezone.now() + timedelta(hours=3),
        ai_draft="Hi there, I am sorry your parcel is late. I have asked the carrier to trace it.",
        ai_summary="Customer's parcel is a week late.",
        ai_brief={
            "customer_history": ["2 orders", "no past tickets"],
            "relevant_policy": "Trace after 5 days.",
        },
    )


@pytest.fixture
def other_ticket(org):
    return TicketFactory(subject="Invoice copy", team=org["other_team"], tier=org["specialist"])
