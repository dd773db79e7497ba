"""Pattern detection: recurring root causes, issue type + product, emerging clusters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import jobs, patterns
from analytics.models import PatternAlert
from analytics.pattern_alerts import answer_alert
from analytics.tests.factories import PolicyVersionFactory
from tickets.models import Notification, Ticket
from tickets.tests.factories import RootCauseFactory, TicketFactory


def tickets_with_cause(cause, days_ago):
    now = timezone.now()
    return [
        TicketFactory(
            root_cause=cause,
            status=Ticket.Status.RESOLVED,
            resolved_at=now,
            first_message_at=now - timedelta(days=d),
        )
        for d in days_ago
    ]


@pytest.mark.django_db
def test_three_tickets_with_one_root_cause_in_a_week_raise_exactly_one_alert(manager):
    cause = RootCauseFactory(name="Carrier delay")
    members = tickets_with_cause(cause, [1, 3, 6])

    created = patterns.detect_patterns()
    patterns.detect_patterns()

    assert len(created) == 1
    alert = PatternAlert.objects.get()
    assert (alert.kind, alert.root_cause, alert.ticket_count) == ("root_cause", cause, 3)
    assert set(alert.memberships.values_list("ticket_id", flat=True)) == {t.pk for t in members}
    assert Notification.objects.filter(recipient=manager, kind="pattern").count() == 1


@pytest.mark.django_db
def test_two_tickets_raise_nothing():
    tickets_with_cause(RootCauseFactory(name="Carrier delay"), [1, 2])
    assert patterns.detect_patterns() == []
    assert not PatternAlert.objects.exists()


@pytest.mark.django_db
def test_three_tickets_spread_over_ten_days_raise_nothing():
    tickets_with_cause(RootCauseFactory(name="Carrier delay"), [1, 6, 11])
    assert patterns.detect_patterns() == []


@pytest.mark.django_db
def test_a_new_ticket_joins_the_open_alert_instead_of_raising_another():
    cause = RootCauseFactory(name="Carrier delay")
    tickets_with_cause(cause, [2, 3, 4])
    patterns.detect_patterns()
    tickets_with_cause(cause, [0])

    assert patterns.detect_patterns() == []
    assert PatternAlert.objects.get().ticket_count == 4


@pytest.mark.django_db
def test_a_closed_alert_is_not_raised_again_for_the_same_tickets_but_new_ones_raise_a_new_alert():
    cause = RootCauseFactory(name="Carrier delay")
    tickets_with_cause(cause, [4, 5, 6])
    alert = patterns.detect_patterns()[0]
    answer_alert(alert, revision=PolicyVersionFactory(), actor=None)

    assert patterns.detect_patterns() == []
    tickets_with_cause(cause, [0, 1, 2])
    again = patterns.detect_patterns()
    assert len(again) == 1
    assert again[0].ticket_count == 3


@pytest.mark.django_db
def test_same_issue_type_on_one_product_raises_an_alert():
    now = timezone.now()
    for days in (0, 1, 2):
        TicketFactory(
            issue_type="product_defect", product="Kettle K2", first_message_at=now - timedelta(days=days)
        )
    TicketFactory(issue_type="product_defect", product="Toaster T1", first_message_at=now)

    alert = patterns.detect_patterns()[0]
    assert (alert.kind, alert.issue_type, alert.product, alert.ticket_count) == (
        "issue_product",
        "product_defect",
        "Kettle K2",
        3,
    )


@pytest.mark.django_db
def test_similar_unresolved_complaints_without_root_cause_form_one_cluster():
    now = timezone.now()
    texts = [
        "The zipper on my blue hiking backpack broke after one day",
        "Blue hiking backpack zipper broke already, very disappointed",
        "My hiking backpack arrived and the zipper broke immediately",
        "I was charged twice for my order, please refund the duplicate payment",
        "Where is my parcel? Tracking has not moved in a week",
    ]
    tickets = [
        TicketFactory(
            subject="", sentiment="frustrated", sentiment_score=-0.7, first_message_at=now, with_message=text
        )
        for text in texts
    ]

    created = patterns.detect_clusters()
    assert patterns.detect_clusters() == []

    assert len(created) == 1
    alert = created[0]
    assert alert.kind == "cluster"
    assert set(alert.memberships.values_list("ticket_id", flat=True)) == {t.pk for t in tickets[:3]}
    assert "backpack" in " ".join(alert.terms)


@pytest.mark.django_db
def test_the_job_runs_both_detections():
    tickets_with_cause(RootCauseFactory(name="Wrong size chart"), [0, 1, 2])
    assert jobs.detect_patterns() == 1
    assert jobs.detect_patterns() == 0
