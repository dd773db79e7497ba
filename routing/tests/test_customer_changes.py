"""A customer who becomes VIP through the API is re-routed: their open tickets go to senior agents."""

from decimal import Decimal

import pytest

from routing.engine import route_ticket
from routing.tests.factories import TriagedTicketFactory, tier
from tickets.models import Customer, Ticket
from tickets.tests.factories import CustomerFactory

pytestmark = pytest.mark.usefixtures("workflow")


@pytest.fixture
def routed(db):
    customer = CustomerFactory(email="ada@example.org", lifetime_value=Decimal("50"), order_count=1, tags=[])
    ticket = TriagedTicketFactory(customer=customer, issue_type="account")
    route_ticket(ticket, trigger="message")
    assert Ticket.objects.get(pk=ticket.pk).tier == tier("general")
    return customer, ticket


def test_posting_a_higher_lifetime_value_makes_the_customer_vip_and_reroutes(
    routed, api_client, django_capture_on_commit_callbacks
):
    customer, ticket = routed
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/customers/", {"email": "ada@example.org", "lifetime_value": "5000.00"}, format="json"
        )
    assert response.status_code == 200, response.content
    assert Customer.objects.get(pk=customer.pk).vip_level == "gold"
    ticket.refresh_from_db()
    assert ticket.tier == tier("senior")
    assert ticket.routing_decisions.filter(trigger="reroute").exists()


def test_an_order_upsert_rechecks_the_customer(routed, api_client, django_capture_on_commit_callbacks):
    customer, ticket = routed
    Customer.objects.filter(pk=customer.pk).update(order_count=40)  # the store's count, synced elsewhere
    payload = {"number": "1", "customer_email": "ada@example.org", "status": "paid", "total": "10.00"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.put("/api/v1/orders/shop-1/", payload, format="json")
    assert response.status_code == 201, response.content
    assert Ticket.objects.get(pk=ticket.pk).tier == tier("senior")


def test_an_unchanged_customer_is_not_rerouted(routed, api_client, django_capture_on_commit_callbacks):
    _customer, ticket = routed
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(
            "/api/v1/customers/", {"email": "ada@example.org", "lifetime_value": "50.00"}, format="json"
        )
    assert not ticket.routing_decisions.filter(trigger="reroute").exists()
