"""Lists stay flat in queries as rows grow (5 vs 50)."""

import pytest

from followups import actions, queries
from followups.models import WebhookDelivery
from followups.tests.factories import WebhookSubscriptionFactory, WidgetSiteFactory
from tickets import actions as ticket_actions
from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [5, 50])
def test_the_delivery_log_api_is_flat(api_client, django_assert_max_num_queries, rows):
    subscription = WebhookSubscriptionFactory()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription=subscription, event="ticket.created", event_id=f"evt_{n}", payload={}
            )
            for n in range(rows)
        ]
    )
    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/webhooks/deliveries/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_polling_a_chat_is_flat(agent, django_assert_max_num_queries, rows):
    session, _ = actions.start_chat(WidgetSiteFactory(), name="Ann", email="ann@example.org")
    actions.post_chat_message(session, body="Hi", client_id="first")
    ticket = Ticket.objects.get()
    for n in range(rows - 1):
        ticket_actions.add_internal_note(ticket, body=f"note {n}", author=agent)
        actions.post_chat_message(session, body=f"again {n}", client_id=f"c{n}")
    with django_assert_max_num_queries(1):
        messages = list(queries.chat_thread(session))
    assert len(messages) == rows


def test_csat_for_ticket_is_none_before_any_answer():
    assert queries.csat_for_ticket(TicketFactory(resolved=True)) is None
