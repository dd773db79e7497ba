"""Fixtures for the inbox tests: a small organisation (teams, tiers) and people in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from routing.models import AgentProfile, Team, Tier
from tickets.tests.factories import TicketFactory, UserFactory


@pytest.fixture
def org(db):
    frontline = Team.objects.create(name="Frontline", slug="frontline")
    senior_team = Team.objects.create(name="Senior", slug="senior")
    other_team = Team.objects.create(name="Specialists", slug="specialists")
    general = Tier.objects.create(name="General", slug="general", rank=1, team=frontline)
    specialist = Tier.objects.create(name="Specialist", slug="specialist", rank=2, team=other_team)
    senior = Tier.objects.create(name="Senior", slug="senior", rank=3, team=senior_team, is_senior=True)
    return {
        "frontline": frontline,
        "senior_team": senior_team,
        "other_team": other_team,
        "general": general,
        "specialist": specialist,
        "senior": senior,
    }


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
