"""What the AI did is visible and reviewable: the Handled-by-AI page, the review queue, the
sampling share, take over, and the ai_* metrics in the API."""

import pytest
from django.urls import reverse

from helpdesk.errors import NotAllowed
from resolution import actions
from resolution.models import AiResolution, AiReview, ReviewSampling
from resolution.tests.test_flows import receive
from tickets.models import Message
from tickets.tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.usefixtures("workflow")
FAKE = "routing.triage.backends.fake.FakeBackend"


@pytest.fixture
def ai_reply(settings, django_capture_on_commit_callbacks):
    settings.TRIAGE_BACKEND = {"BACKEND": FAKE, "OPTIONS": {"issue_type": "order_status"}}
    ReviewSampling.objects.create(share=1.0)
    customer = CustomerFactory(name="Ira Novak")
    OrderFactory(customer=customer, number="6001", tracking_number="TRK6001")
    ticket = receive("Where is order #6001?", customer, django_capture_on_commit_callbacks)
    return AiResolution.objects.get(ticket=ticket, outcome="sent")


def test_handled_by_ai_shows_what_was_sent_with_its_facts(client, agent, ai_reply):
    client.force_login(agent)
    page = client.get(reverse("resolution:handled")).content.decode()
    assert ai_reply.ticket.reference in page and "TRK6001" in page and "Take over" in page


def test_sampled_reply_is_reviewed_once_and_counts_in_the_metrics(client, manager, agent, ai_reply):
    assert ai_reply.sampled
    client.force_login(manager)
    assert ai_reply.ticket.reference in client.get(reverse("resolution:review-queue")).content.decode()
    with pytest.raises(NotAllowed):
        actions.review_ai_reply(ai_reply, reviewer=agent, verdict="right", reason="")
    client.post(
        reverse("resolution:review", args=[ai_reply.pk]), {"verdict": "right", "reason": "Correct ETA"}
    )
    assert AiReview.objects.get(resolution=ai_reply).verdict == "right"
    assert f'id="review-{ai_reply.pk}"' not in client.get(reverse("resolution:review-queue")).content.decode()
    body = client.get("/api/v1/metrics/").json()
    assert body["ai_review_accuracy"]["numerator"] == 1 == body["ai_review_accuracy"]["denominator"]


def test_a_quiet_customer_makes_it_an_ai_resolution_and_take_over_undoes_ai(
    client, manager, agent, ai_reply, settings
):
    from datetime import timedelta

    from django.utils import timezone

    assert actions.resolve_quiet_tickets(now=timezone.now()) == 0  # not quiet long enough yet
    assert (
        actions.resolve_quiet_tickets(now=timezone.now() + timedelta(hours=settings.AI_QUIET_HOURS + 1)) == 1
    )
    ai_reply.ticket.refresh_from_db()
    assert ai_reply.ticket.resolution_method == "ai_automated"
    client.force_login(manager)
    body = client.get("/api/v1/metrics/").json()
    assert body["ai_resolution_rate"]["numerator"] == 1


def test_take_over_hands_the_ticket_to_people(client, manager, ai_reply):
    client.force_login(manager)
    response = client.post(
        reverse("resolution:take-over", args=[ai_reply.ticket_id]), {"reason": "I know this customer"}
    )
    assert response.status_code == 302
    ai_reply.ticket.refresh_from_db()
    assert not ai_reply.ticket.handled_by_ai
    assert Message.objects.filter(ticket=ai_reply.ticket, author_kind="ai").count() == 1


def test_ai_metrics_command_prints_the_rate_and_each_flow(ai_reply, settings):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    assert actions.resolve_quiet_tickets(now=timezone.now() + timedelta(hours=settings.AI_QUIET_HOURS + 1))
    out = StringIO()
    call_command("ai_metrics", "--days", "7", stdout=out)
    text = out.getvalue()
    assert "ai_resolution_rate: 100.0% (1 of 1 tickets" in text
    assert "order_status: 1 sent, 0 handed to people" in text


def test_a_manager_reviews_any_ai_reply_from_handled_by_ai(client, manager, agent, ai_reply):
    """Sampling fills the queue; every AI reply can still be reviewed from the list itself."""
    AiResolution.objects.filter(pk=ai_reply.pk).update(sampled=False)
    client.force_login(agent)
    assert "Save review" not in client.get(reverse("resolution:handled")).content.decode()
    client.force_login(manager)
    page = client.get(reverse("resolution:handled")).content.decode()
    assert reverse("resolution:review", args=[ai_reply.pk]) in page
    response = client.post(
        reverse("resolution:review", args=[ai_reply.pk]),
        {"verdict": "wrong", "reason": "Quoted the wrong carrier", "next": "handled"},
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("resolution:handled"))
    review = AiReview.objects.get(resolution=ai_reply)
    assert (review.verdict, review.reviewer) == ("wrong", manager)
    assert "Quoted the wrong carrier" in client.get(reverse("resolution:handled")).content.decode()
