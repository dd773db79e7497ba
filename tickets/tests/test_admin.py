"""The admin: every tickets model has a working list and change page; the ticket page shows its log."""

import pytest
from django.urls import reverse

from tickets import actions
from tickets.models import ApiKey
from tickets.tests.factories import (
    IdentityFactory,
    OrderFactory,
    RootCauseFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = ["customer", "customeridentity", "order", "rootcause", "ticket", "message", "ticketevent", "apikey"]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("model", [*MODELS, "attachment", "notification"])
def test_every_changelist_renders(admin_client, model):
    TicketFactory()
    IdentityFactory()
    OrderFactory()
    RootCauseFactory()
    assert admin_client.get(reverse(f"admin:tickets_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_the_ticket_changelist_has_a_flat_query_count(admin_client, django_assert_max_num_queries, count):
    owner = UserFactory(username="owner", roles=["agent"])
    for _ in range(count):
        TicketFactory(assignee=owner)
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse("admin:tickets_ticket_changelist")).status_code == 200


def test_the_ticket_page_shows_messages_and_the_event_log(admin_client):
    ticket = TicketFactory(with_message="My parcel is lost")
    agent = UserFactory(username="alex", roles=["agent"])
    actions.assign_ticket(ticket, agent=agent, actor=agent)
    page = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    assert b"My parcel is lost" in page.content and b"assigned" in page.content


def test_an_api_key_created_in_the_admin_is_shown_once_and_stored_hashed(admin_client):
    response = admin_client.post(
        reverse("admin:tickets_apikey_add"), {"name": "shopify", "is_active": "on"}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    key = ApiKey.objects.get(name="shopify")
    raw = next(text.split(": ")[-1] for text in shown if "Copy it now" in text)
    assert raw.startswith("hk_") and ApiKey.hash(raw) == key.key_hash
