"""Factories for routing tests: agents with profiles, triaged tickets, rules."""

from decimal import Decimal

import factory
from django.utils import timezone

from routing.models import AgentProfile, Team, Tier
from tickets.models import Ticket
from tickets.tests.factories import CustomerFactory, TicketFactory, UserFactory


def tier(slug: str) -> Tier:
    return Tier.objects.select_related("team").get(slug=slug)


def team(slug: str) -> Team:
    return Team.objects.get(slug=slug)


def agent_in(
    tier_slug: str,
    *,
    username: str | None = None,
    capacity: int = 10,
    roles=("agent",),
    online=True,
    skills=(),
):
    """A user with a profile in the team serving ``tier_slug``."""
    serving = tier(tier_slug)
    user = UserFactory(
        username=username or f"{tier_slug}-{factory.random.randgen.randint(0, 10**9)}", roles=list(roles)
    )
    AgentProfile.objects.update_or_create(
        user=user,
        defaults={
            "team": serving.team,
            "tier": serving,
            "capacity": capacity,
            "skills": list(skills),
            "availability": AgentProfile.Availability.ONLINE if online else AgentProfile.Availability.OFFLINE,
        },
    )
    return user


class TriagedTicketFactory(TicketFactory):
    """A ticket as triage leaves it: classified, confident, no signals unless given."""

    issue_type = "other"
    sentiment_score = 0.0
    sentiment = Ticket.Sentiment.NEUTRAL
    urgency = Ticket.Urgency.MEDIUM
    triage_confidence = 0.9
    triage_status = Ticket.TriageStatus.DONE
    triaged_at = factory.LazyFunction(timezone.now)
    stage = Ticket.Stage.TRIAGED
    signals = factory.LazyFunction(dict)
    last_customer_message_at = factory.SelfAttribute("first_message_at")
    ai_draft = "Thanks for writing — here is what we found."


def vip_customer():
    return CustomerFactory(lifetime_value=Decimal("5000.00"), order_count=40, tags=["vip"], vip_level="")
