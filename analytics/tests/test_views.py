"""Pages and the metrics API: permissions, flat query counts, filters, drill-down, CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from analytics import queries
from analytics.tests.factories import PatternAlertFactory, PolicyVersionFactory, tier
from routing.models import AgentProfile, Thresholds
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import EventFactory, RootCauseFactory, TicketFactory, UserFactory

PAGES = ["analytics:workflow", "analytics:metrics", "analytics:review"]


def busy_helpdesk(count):
    """``count`` tickets with replies, escalations, stage changes and CSAT, over the last days."""
    # The thresholds row exists in every real install (routing's migration); a transactional test
    # earlier in the run may have flushed it, and recreating it is not what these budgets measure.
    Thresholds.current()
    now = timezone.now()
    general, senior = tier("general"), tier("senior")
    cause = RootCauseFactory(name="Carrier delay")
    for index in range(count):
        start = now - timedelta(days=index % 10, hours=3)
        resolved = index % 2 == 0
        agent = UserFactory(username=f"agent{index % 3}")
        AgentProfile.objects.get_or_create(
            user=agent, defaults={"availability": "online", "team": general.team}
        )
        ticket = TicketFactory(
            first_message_at=start,
            first_response_at=start + timedelta(minutes=30),
            resolved_at=start + timedelta(hours=2) if resolved else None,
            status=Ticket.Status.RESOLVED if resolved else Ticket.Status.OPEN,
            stage="resolved" if resolved else "assigned",
            root_cause=cause if resolved else None,
            tier=general,
            team=general.team,
            assignee=agent,
            issue_type="delivery_problem",
            sla_due_at=now + timedelta(minutes=index),
        )
        EventFactory(
            ticket=ticket,
            kind=TicketEvent.Kind.STAGE_CHANGED,
            at=start + timedelta(minutes=5),
            data={"from": "received", "to": "assigned"},
        )
        EventFactory(
            ticket=ticket,
            kind=TicketEvent.Kind.REPLY_SENT,
            at=start + timedelta(minutes=30),
            data={"author_kind": "agent", "is_auto": False, "draft_similarity": 0.85},
        )
        if index % 3 == 0:
            EventFactory(
                ticket=ticket,
                kind=TicketEvent.Kind.ESCALATED,
                at=start,
                data={"to_tier": senior.slug, "to_senior": True},
            )
        if resolved:
            EventFactory(
                ticket=ticket,
                kind=TicketEvent.Kind.CSAT_RECEIVED,
                at=start + timedelta(hours=3),
                data={"score": 4},
            )


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_agents_may_not_see_the_manager_pages(client, agent, page):
    client.force_login(agent)
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_an_agent_granted_the_permission_sees_them(client, agent, page):
    agent.user_permissions.add(
        Permission.objects.get(codename="view_dashboard", content_type__app_label="analytics")
    )
    client.force_login(agent)
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.django_db
def test_the_api_refuses_agents_and_anonymous_users(client, agent):
    assert client.get(reverse("api:api-metrics")).status_code in (401, 403)
    client.force_login(agent)
    response = client.get(reverse("api:api-metrics"))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_a_granted_agent_still_cannot_record_revisions(client, agent):
    agent.user_permissions.add(
        Permission.objects.get(codename="view_dashboard", content_type__app_label="analytics")
    )
    client.force_login(agent)
    first = PolicyVersionFactory()
    response = client.post(
        reverse("analytics:record-revision"), {"policy": first.policy.pk, "body": "x", "reason": "y"}
    )
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_the_dashboard_query_count_is_flat(client, manager, django_assert_max_num_queries, count):
    busy_helpdesk(count)
    client.force_login(manager)
    # Includes the page chrome and the time-in-stage statement's savepoint and work_mem setting.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("analytics:workflow"))
    assert response.status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("analytics:workflow"), headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_the_metrics_api_and_page_query_counts_are_flat(
    client, manager, django_assert_max_num_queries, count
):
    busy_helpdesk(count)
    client.force_login(manager)
    # Per-process caches (business calendars, thresholds) are filled by the first request of
    # the process, whichever test that is; the budgets below are for a warm process.
    client.get(reverse("api:api-metrics"), {"series": "1"})
    # +1: the proactive outreach numbers (store app), one statement.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("api:api-metrics"), {"series": "1"})
    assert response.json()["volume"] == count
    # Two metric statements, each with its savepoint and work_mem setting, plus the page chrome,
    # plus the proactive outreach statement.
    with django_assert_max_num_queries(22):
        assert client.get(reverse("analytics:metrics")).status_code == 200
    # The drill-down reads the facts watermark before its statement.
    with django_assert_max_num_queries(11):
        assert (
            client.get(
                reverse("analytics:drilldown"), {"metric": "escalation_rate", "part": "hit"}
            ).status_code
            == 200
        )


@pytest.mark.django_db
def test_the_report_and_series_in_one_statement_equal_the_two_reads():
    busy_helpdesk(40)
    for filters in (
        queries.MetricFilters.last_days(30),
        queries.MetricFilters.last_days(14, grain="week"),
        queries.MetricFilters.last_days(7, channel="email", vip="any"),
    ):
        report, series = queries.metrics_report_and_series(filters)
        assert report == queries.metrics_report(filters)
        assert series == queries.metrics_series(filters)
    month, daily = queries.metrics_report_and_series(queries.MetricFilters.last_days(30))
    assert month["current"]["volume"] == sum(day["volume"] for day in daily) == 40


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_the_review_query_count_is_flat(client, manager, django_assert_max_num_queries, count):
    busy_helpdesk(count)
    alert = PatternAlertFactory()
    alert.tickets.set(Ticket.objects.all()[:count])
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("analytics:review")).status_code == 200


@pytest.mark.django_db
def test_the_api_has_every_metric_key_and_applies_filters(client, manager):
    busy_helpdesk(6)
    client.force_login(manager)
    body = client.get(reverse("api:api-metrics")).json()
    for key in [
        "first_response_time",
        "resolution_time",
        "escalation_rate",
        "ai_draft_acceptance_rate",
        "human_override_rate",
        "repeat_complaint_rate",
        "recovery_csat",
        "root_cause_coverage",
        "volume",
        "resolution_rate",
        "first_contact_resolution",
        "csat",
        "sla_attainment",
    ]:
        assert key in body
        assert key in body["previous"]
    assert body["escalation_rate"] == {"value": 0.3333, "numerator": 2, "denominator": 6}
    assert body["first_response_time"]["median_seconds"] == 1800
    assert client.get(reverse("api:api-metrics"), {"channel": "chat"}).json()["volume"] == 0


@pytest.mark.django_db
def test_bad_filters_get_a_400_naming_the_field(client, manager):
    client.force_login(manager)
    response = client.get(reverse("api:api-metrics"), {"start": "2026-10-10", "end": "2026-10-01"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"start": ["start: The start date is after the end date."]}
    assert client.get(reverse("api:api-metrics"), {"grain": "hour"}).status_code == 400


@pytest.mark.django_db
def test_csv_export_has_a_row_per_measure(client, manager):
    busy_helpdesk(4)
    client.force_login(manager)
    response = client.get(reverse("api:api-metrics-csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    volume = next(row for row in rows if row["metric"] == "volume")
    assert volume["current"] == "4"
    escalation = next(
        row for row in rows if (row["metric"], row["measure"]) == ("escalation_rate", "numerator")
    )
    assert escalation["current"] == "2"
    series = client.get(reverse("analytics:metrics-csv"), {"series": "1", "grain": "week"}).content.decode()
    header = series.splitlines()[0].split(",")
    assert header[:2] == ["bucket", "first_response_time.median_seconds"]
    assert "volume.count" in header
    assert len(series.splitlines()) >= 5  # one row per week of the default 30 days


@pytest.mark.django_db
def test_metrics_page_links_every_number_to_its_tickets(client, manager):
    busy_helpdesk(3)
    client.force_login(manager)
    page = client.get(reverse("analytics:metrics")).content.decode()
    assert "metric=escalation_rate&amp;part=hit" in page
    drill = client.get(
        reverse("analytics:drilldown"), {"metric": "escalation_rate", "part": "hit"}
    ).content.decode()
    escalated = Ticket.objects.filter(events__kind="escalated").get()
    assert f"/tickets/{escalated.pk}/" in drill
    assert client.get(reverse("analytics:drilldown"), {"metric": "nope"}).status_code == 400


@pytest.mark.django_db
def test_the_dashboard_refreshes_itself_with_its_live_partial(client, manager):
    busy_helpdesk(3)
    client.force_login(manager)
    page = client.get(reverse("analytics:workflow")).content.decode()
    assert 'hx-trigger="every 30s"' in page
    assert "vendor/chart.umd.js" in page
    partial = client.get(reverse("analytics:workflow"), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="live"')
    assert "<html" not in partial


@pytest.mark.django_db
def test_detect_now_runs_the_job_and_the_alert_shows_on_the_review(client, manager):
    cause = RootCauseFactory(name="Damaged in transit")
    now = timezone.now()
    members = [
        TicketFactory(
            root_cause=cause, status="resolved", resolved_at=now, first_message_at=now - timedelta(days=d)
        )
        for d in (0, 1, 2)
    ]
    client.force_login(manager)
    response = client.post(reverse("analytics:detect"))
    assert response.status_code == 302
    page = client.get(reverse("analytics:review")).content.decode()
    assert "Root cause “Damaged in transit” on 3 tickets" in page
    for ticket in members:
        assert f"/tickets/{ticket.pk}/" in page


@pytest.mark.django_db
def test_choosing_a_policy_loads_its_current_text(client, manager):
    version = PolicyVersionFactory(body="Refund shipping after 10 days.")
    client.force_login(manager)
    response = client.get(
        reverse("analytics:policy-text"), {"policy": version.policy.pk}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="policy-body">')
    assert "Refund shipping after 10 days." in body


@pytest.mark.django_db
def test_an_alert_can_be_dismissed_with_a_reason(client, manager):
    alert = PatternAlertFactory()
    client.force_login(manager)
    client.post(reverse("analytics:dismiss", args=[alert.pk]), {"reason": "Known carrier strike, over now"})
    alert.refresh_from_db()
    assert (alert.status, alert.dismiss_reason) == ("dismissed", "Known carrier strike, over now")
