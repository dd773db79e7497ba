"""The admin's ticket triage page shows type, signals with cues, the brief and the draft."""

import pytest
from django.urls import reverse

from routing.models import TriageResult
from routing.triage import triage_ticket
from tickets.tests.factories import CustomerFactory, OrderFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_the_triage_page_shows_type_signals_with_cues_brief_and_draft(admin_client):
    customer = CustomerFactory(name="Ann <b>Lee</b>")
    OrderFactory(customer=customer, number="48213")
    ticket = triage_ticket(
        TicketFactory(
            customer=customer,
            subject="",
            with_message="Order 48213 arrived broken. I will post it on Twitter!",
        )
    )
    page = admin_client.get(reverse("admin:routing_triagedticket_change", args=[ticket.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "product_defect" in html or "delivery_problem" in html
    assert "reputation" in html and "“post it on twitter”" in html
    assert "Order #48213" in html and "(v1)" in html
    assert "Ann &lt;b&gt;Lee&lt;/b&gt;" in html  # customer text is escaped
    assert "Kind regards" in html


def test_the_triage_list_and_history_pages_load_with_flat_queries(
    admin_client, django_assert_max_num_queries
):
    for _ in range(5):
        triage_ticket(TicketFactory(subject="", with_message="Where is my order?"))
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse("admin:routing_triagedticket_changelist")).status_code == 200
    for _ in range(45):
        triage_ticket(TicketFactory(subject="", with_message="Where is my order?"))
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse("admin:routing_triagedticket_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:routing_triageresult_changelist")).status_code == 200
    assert TriageResult.objects.count() == 50


def test_rerun_triage_action_queues_the_job(admin_client):
    ticket = TicketFactory(subject="", with_message="Please cancel order 5")
    response = admin_client.post(
        reverse("admin:routing_triagedticket_changelist"),
        {"action": "rerun_triage", "_selected_action": [ticket.pk]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.issue_type == "cancellation"  # django-q2 runs the job synchronously in tests
