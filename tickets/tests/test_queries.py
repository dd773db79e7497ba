"""Who sees which ticket: ``visible_tickets`` and ``access_ticket``."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from routing.models import AgentProfile
from tickets import queries
from tickets.tests.factories import TicketFactory, UserFactory, org_team, org_tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    frontline, specialists = org_team("frontline"), org_team("specialists")
    general = org_tier("general", rank=1, team_slug="frontline")
    specialist = org_tier("specialist", rank=2, team_slug="specialists")
    return {"frontline": frontline, "specialists": specialists, "general": general, "specialist": specialist}


def test_an_agent_sees_tickets_of_its_team_its_tier_and_assigned_to_it(org):
    user = UserFactory(username="alex", roles=["agent"])
    AgentProfile.objects.create(user=user, team=org["frontline"], tier=org["general"])
    by_team = TicketFactory(team=org["frontline"])
    by_tier = TicketFactory(tier=org["general"], team=org["specialists"])
    assigned = TicketFactory(team=org["specialists"], tier=org["specialist"], assignee=user)
    TicketFactory(team=org["specialists"], tier=org["specialist"])
    TicketFactory()
    visible = set(queries.visible_tickets(user).values_list("pk", flat=True))
    assert visible == {by_team.pk, by_tier.pk, assigned.pk}


def test_an_agent_without_a_profile_sees_only_its_assigned_tickets():
    user = UserFactory(username="solo", roles=["agent"])
    mine = TicketFactory(assignee=user)
    TicketFactory()
    assert list(queries.visible_tickets(user)) == [mine]


@pytest.mark.parametrize("role", ["manager", "admin", "integration"])
def test_managers_admins_and_integrations_see_every_ticket(role):
    user = UserFactory(username=f"u-{role}", roles=[role])
    TicketFactory.create_batch(3)
    assert queries.visible_tickets(user).count() == 3


def test_anonymous_users_see_nothing():
    TicketFactory()
    assert queries.visible_tickets(AnonymousUser()).count() == 0


def test_access_ticket_hides_missing_and_invisible_tickets_alike(org):
    user = UserFactory(username="alex", roles=["agent"])
    AgentProfile.objects.create(user=user, team=org["frontline"])
    mine = TicketFactory(team=org["frontline"])
    other = TicketFactory(team=org["specialists"])
    assert queries.access_ticket(user, str(mine.pk)) == mine
    for ticket_id in (other.pk, 999_999, "abc", None):
        with pytest.raises(Http404):
            queries.access_ticket(user, ticket_id)


def test_assignable_agents_are_active_users_with_a_support_role():
    agent = UserFactory(username="a1", roles=["agent"])
    senior = UserFactory(username="s1", roles=["senior agent", "agent"])
    UserFactory(username="integration:x", roles=["integration"])
    UserFactory(username="former", roles=["agent"], is_active=False)
    assert set(queries.assignable_agents()) == {agent, senior}


def test_role_checks_treat_superusers_as_every_role():
    admin = UserFactory(username="root", is_superuser=True)
    assert queries.has_role(admin, queries.ROLE_MANAGER)
    assert queries.sees_all_tickets(admin) and queries.is_staff_member(admin)
    assert not queries.has_role(AnonymousUser(), queries.ROLE_AGENT)
