"""Rules are validated structures: invalid ones are refused with a message naming the field."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from routing.models import RoutingRule, VipRule
from routing.tests.factories import TriagedTicketFactory, tier
from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("workflow")


def test_an_unknown_issue_type_is_refused_with_a_clear_message():
    rule = RoutingRule(
        name="Typo", slug="typo", issue_types=["refnd_request"], route_to="tier", tier=tier("general")
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "Unknown issue type(s): refnd_request" in str(refused.value.message_dict["issue_types"])


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"signals_any": ["angry"]}, "signals_any", "Unknown signal(s): angry"),
        ({"route_to": "tier"}, "tier", "Routing to tier needs a tier"),
        ({"route_to": ""}, "route_to", "The rule does nothing"),
        ({"require_approval": True}, "approval_role", "Name the role that approves"),
        ({"sentiment_at_most": -3}, "sentiment_at_most", "greater than or equal to -1"),
        ({"vip_levels": ["platinum"]}, "vip_levels", "Unknown VIP level(s): platinum"),
        ({"continue_evaluation": True}, "route_to", "cannot route"),
    ],
)
def test_invalid_rules_are_refused(fields, field, message):
    values = {"name": "Bad", "slug": "bad", "route_to": "ai", **fields}
    with pytest.raises(ValidationError) as refused:
        RoutingRule(**values).full_clean()
    assert message in " ".join(refused.value.message_dict[field])


def test_the_admin_refuses_an_invalid_rule_and_saves_nothing():
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/routing/routingrule/add/",
        {
            "name": "Bad",
            "slug": "bad",
            "position": 5,
            "issue_types": "not_a_type",
            "route_to": "ai",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "Unknown issue type(s): not_a_type" in response.content.decode()
    assert not RoutingRule.objects.filter(slug="bad").exists()


def test_a_vip_rule_needs_a_condition():
    from routing.models import VipLevel

    with pytest.raises(ValidationError, match="lifetime value"):
        VipRule(name="Empty", level=VipLevel.objects.get(slug="gold")).full_clean()


def test_the_dry_run_page_shows_an_unsaved_edit_without_saving_it():
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    TriagedTicketFactory(issue_type="billing", subject="Double charge")
    page = client.get("/routing/dry-run/?limit=10")
    assert page.status_code == 200 and "Specialist team" in page.content.decode()
    rule = RoutingRule.objects.get(slug="specialist-cases")
    edited = client.post(
        f"/routing/dry-run/?rule={rule.pk}",
        {"name": rule.name, "slug": rule.slug, "position": rule.position, "is_active": "on",
         "issue_types": "refund_request", "route_to": "tier", "tier": tier("manager").pk},
    )  # fmt: skip
    body = edited.content.decode()
    assert edited.status_code == 200 and "unsaved" in body
    assert "Double charge" in body and "General queue" in body
    assert RoutingRule.objects.get(slug="specialist-cases").issue_types == [
        "refund_request",
        "product_defect",
        "billing",
    ]


def test_agents_cannot_open_the_dry_run():
    client = Client()
    client.force_login(UserFactory(username="plain", roles=["agent"]))
    assert client.get("/routing/dry-run/").status_code in (302, 403)
