"""Each metric on a small crafted dataset; every expected value is worked out by hand below.

The period is Monday 5 – Sunday 11 October 2026. Business hours: both teams work Mon–Fri
09:00–17:00 UTC (routing's team calendar); T5 has no team, so its clock runs 24/7.

T1  customer A, email, delivery_problem, satisfied. Mon 10:00 → reply 11:00 (draft kept, 0.9)
    → resolved 14:00 with a root cause. CSAT 5. SLA target met.
T2  customer A again, delivery_problem, frustrated (a complaint; a repeat 2 days after T1).
    Wed 10:00 → reply 12:00 (draft heavily edited, 0.5) → resolved Wed 15:00, reopened,
    resolved again Thu 10:00 (final), no root cause. Classification overridden. CSAT 2.
T3  customer B (VIP gold), chat, complaint. Fri 16:00, no reply, still open; its draft was
    discarded; escalated to the senior tier, then de-escalated. SLA breached (flag).
    B also complained on 20 September (T6, before both periods): a repeat within 30 days.
T4  customer C, email, refund_request, neutral. Sat 10:00 → auto-acknowledgement 10:01 (does
    not count) → AI reply 13:00 → resolved Mon 12 Oct 10:00 with a root cause. Escalated to the
    specialist tier only (not senior). CSAT 4. SLA breached (event).
T5  customer D, previous period (Wed 30 Sep), order_status.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection

from analytics.facts import fold_ticket_facts
from analytics.models import TicketFacts
from analytics.queries import MetricFilters, drilldown_ids, metrics_report
from analytics.queries import facts as facts_sql
from analytics.queries.calendar import calendar_fingerprint, team_calendars
from analytics.tests.factories import tier
from routing.models import BusinessCalendar, BusinessInterval, IssueType, Team
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import CustomerFactory, EventFactory, RootCauseFactory, TicketFactory

PERIOD = MetricFilters(start=date(2026, 10, 5), end=date(2026, 10, 11))


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def event(ticket, kind, when, **data):
    return EventFactory(ticket=ticket, kind=kind, at=when, data=data)


@pytest.fixture
def no_rescan(monkeypatch):
    """Trust the watermark exactly: in a test nothing commits out of order, and without this
    every ticket saved in the last five minutes would be computed on the fly."""
    monkeypatch.setattr(facts_sql, "RESCAN_EVENTS", 0)
    monkeypatch.setattr(facts_sql, "RESCAN_WINDOW", timedelta(0))


@pytest.fixture(params=["folded", "on the fly"])
def dataset(request, db, no_rescan):
    """The tickets above, read from the folded facts table, and without any fold (both paths
    must give the same hand-computed numbers)."""
    tickets = build_dataset()
    if request.param == "folded":
        assert fold_ticket_facts() == 6
        assert _dirty_count() == 0
    return tickets


def _dirty_count() -> int:
    with connection.cursor() as cursor:
        mark = facts_sql.read_watermark(cursor, current_calendars=calendar_fingerprint(team_calendars()))
        cursor.execute(f"WITH {facts_sql.dirty_sql()} SELECT count(*) FROM dirty", mark)
        return cursor.fetchone()[0]


def build_dataset():
    # Only "complaint" counts as a complaint type here (whatever the seeded flags say).
    IssueType.objects.update(is_complaint=False)
    IssueType.objects.update_or_create(slug="complaint", defaults={"name": "Complaint", "is_complaint": True})
    general, specialist = tier("general"), tier("specialist")
    office = BusinessCalendar.objects.create(name="Office", slug="office", timezone="UTC")
    for weekday in range(5):
        BusinessInterval.objects.create(calendar=office, weekday=weekday, opens=time(9), closes=time(17))
    Team.objects.filter(pk__in=[general.team_id, specialist.team_id]).update(calendar=office)
    cause = RootCauseFactory(name="Carrier delay")
    a, b, c, d = CustomerFactory(), CustomerFactory(vip_level="gold"), CustomerFactory(), CustomerFactory()
    t1 = TicketFactory(
        customer=a,
        issue_type="delivery_problem",
        sentiment="satisfied",
        sentiment_score=0.4,
        first_message_at=at(5, 10),
        first_response_at=at(5, 11),
        resolved_at=at(5, 14),
        status=Ticket.Status.RESOLVED,
        root_cause=cause,
        first_response_due_at=at(5, 12),
        tier=general,
        team=general.team,
    )
    t2 = TicketFactory(
        customer=a,
        issue_type="delivery_problem",
        sentiment="frustrated",
        sentiment_score=-0.7,
        first_message_at=at(7, 10),
        first_response_at=at(7, 12),
        resolved_at=at(8, 10),
        status=Ticket.Status.RESOLVED,
        reopen_count=1,
        tier=general,
        team=general.team,
    )
    t3 = TicketFactory(
        customer=b,
        channel="chat",
        issue_type="complaint",
        sentiment="frustrated",
        sentiment_score=-0.8,
        first_message_at=at(9, 16),
        first_response_due_at=at(9, 17),
        sla_breached=True,
        tier=general,
        team=general.team,
    )
    t4 = TicketFactory(
        customer=c,
        issue_type="refund_request",
        sentiment="neutral",
        sentiment_score=0.0,
        first_message_at=at(10, 10),
        first_response_at=at(10, 13),
        resolved_at=at(12, 10),
        status=Ticket.Status.RESOLVED,
        root_cause=cause,
        resolution_due_at=at(11, 10),
        tier=specialist,
        team=specialist.team,
    )
    t5 = TicketFactory(customer=d, issue_type="order_status", first_message_at=at(30, 9, month=9))
    TicketFactory(
        customer=b,
        issue_type="complaint",
        first_message_at=at(20, 9, month=9),
        status=Ticket.Status.CLOSED,
        resolved_at=at(21, 9, month=9),
    )

    for ticket in (t1, t2, t3, t4):
        event(ticket, TicketEvent.Kind.TRIAGED, ticket.first_message_at)
    event(
        t1, TicketEvent.Kind.REPLY_SENT, at(5, 11), author_kind="agent", is_auto=False, draft_similarity=0.9
    )
    event(t1, TicketEvent.Kind.RESOLVED, at(5, 14))
    event(t1, TicketEvent.Kind.CSAT_RECEIVED, at(7, 14), score=5)

    event(
        t2,
        TicketEvent.Kind.CLASSIFICATION_OVERRIDDEN,
        at(7, 11),
        **{"from": "order_status", "to": "delivery_problem"},
    )
    event(
        t2, TicketEvent.Kind.REPLY_SENT, at(7, 12), author_kind="agent", is_auto=False, draft_similarity=0.5
    )
    event(t2, TicketEvent.Kind.RESOLVED, at(7, 15))
    event(t2, TicketEvent.Kind.REOPENED, at(7, 18))
    event(
        t2, TicketEvent.Kind.REPLY_SENT, at(8, 9), author_kind="agent", is_auto=False, draft_similarity=None
    )
    event(t2, TicketEvent.Kind.RESOLVED, at(8, 10))
    event(t2, TicketEvent.Kind.CSAT_RECEIVED, at(10, 10), score=2)

    event(t3, TicketEvent.Kind.DRAFT_DISCARDED, at(9, 16, 5))
    event(
        t3,
        TicketEvent.Kind.ESCALATED,
        at(9, 16, 10),
        from_tier="general",
        to_tier="senior",
        to_senior=True,
    )
    event(
        t3,
        TicketEvent.Kind.DEESCALATED,
        at(9, 17),
        from_tier="senior",
        to_tier="general",
        to_senior=False,
    )
    event(t3, TicketEvent.Kind.SLA_BREACHED, at(9, 17))

    event(
        t4,
        TicketEvent.Kind.ESCALATED,
        at(10, 11),
        from_tier="general",
        to_tier="specialist",
        to_senior=False,
    )
    event(
        t4, TicketEvent.Kind.REPLY_SENT, at(10, 10, 1), author_kind="ai", is_auto=True, draft_similarity=None
    )
    event(t4, TicketEvent.Kind.REPLY_SENT, at(10, 13), author_kind="ai", is_auto=False, draft_similarity=None)
    event(t4, TicketEvent.Kind.SLA_BREACHED, at(11, 10))
    event(t4, TicketEvent.Kind.RESOLVED, at(12, 10))
    event(t4, TicketEvent.Kind.CSAT_RECEIVED, at(14, 10), score=4)
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5}


def test_volume_counts_tickets_of_the_period_and_compares_with_the_previous_one(dataset):
    report = metrics_report(PERIOD)
    assert report["current"]["volume"] == 4
    assert report["previous"]["volume"] == 1
    assert report["previous_period"] == {"start": "2026-09-28", "end": "2026-10-04"}


def test_first_response_time_skips_tickets_without_reply_and_counts_business_hours(dataset):
    frt = metrics_report(PERIOD)["current"]["first_response_time"]
    # Calendar: T1 1 h, T2 2 h, T4 3 h (the auto-acknowledgement does not count).
    assert frt["median_seconds"] == 7200
    assert frt["p90_seconds"] == pytest.approx(7200 + 0.8 * 3600)
    # Business hours: T1 1 h, T2 2 h, T4 0 (Saturday) -> sorted 0, 3600, 7200.
    assert frt["business_median_seconds"] == 3600
    assert frt["business_p90_seconds"] == pytest.approx(3600 + 0.8 * 3600)
    assert (frt["tickets"], frt["without_reply"]) == (3, 1)


def test_resolution_time_runs_to_the_final_resolution_of_a_reopened_ticket(dataset):
    res = metrics_report(PERIOD)["current"]["resolution_time"]
    # Calendar: T1 4 h, T2 24 h (Wed 10:00 -> Thu 10:00, not the first resolution), T4 48 h.
    assert res["median_seconds"] == 86400
    assert res["p90_seconds"] == pytest.approx(86400 + 0.8 * 86400)
    # Business: T1 4 h; T2 Wed 10-17 (7 h) + Thu 9-10 (1 h) = 8 h; T4 Mon 9-10 = 1 h.
    assert res["business_median_seconds"] == 4 * 3600
    assert res["business_p90_seconds"] == pytest.approx(4 * 3600 + 0.8 * 4 * 3600)


def test_rates_match_the_hand_counts(dataset):
    current = metrics_report(PERIOD)["current"]
    # T3 reached the senior tier (then came back down); T4 only went to the specialist tier.
    assert current["escalation_rate"] == {"value": 0.25, "numerator": 1, "denominator": 4}
    # Drafts: T1 kept (0.9), T2 rewritten (0.5), T3 discarded.
    assert current["ai_draft_acceptance_rate"] == {"value": 0.3333, "numerator": 1, "denominator": 3}
    assert current["human_override_rate"] == {"value": 0.25, "numerator": 1, "denominator": 4}
    # A (T1 then T2) and B (T6 in September, then T3) repeat; C does not.
    assert current["repeat_complaint_rate"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert current["root_cause_coverage"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert current["resolution_rate"] == {"value": 0.75, "numerator": 3, "denominator": 4}
    # T1 (one reply) and T4 (one reply besides the auto-ack) yes; T2 was reopened.
    assert current["first_contact_resolution"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    # SLA targets on T1, T3, T4; T3 breached (flag), T4 breached (event).
    assert current["sla_attainment"] == {"value": 0.3333, "numerator": 1, "denominator": 3}


def test_csat_and_recovery_csat(dataset):
    current = metrics_report(PERIOD)["current"]
    assert current["csat"] == {"average": round(11 / 3, 2), "satisfied_share": 0.6667, "responses": 3}
    # Only T2 is a complaint with a survey answer (T3, the other complaint, is still open).
    assert current["recovery_csat"] == {"average": 2.0, "satisfied_share": 0.0, "responses": 1}


def test_filters_narrow_every_metric(dataset):
    vip = metrics_report(MetricFilters(start=PERIOD.start, end=PERIOD.end, vip="any"))["current"]
    assert vip["volume"] == 1
    assert vip["escalation_rate"]["value"] == 1.0
    chat = metrics_report(MetricFilters(start=PERIOD.start, end=PERIOD.end, channel="email"))["current"]
    assert chat["volume"] == 3
    team = dataset["t4"].team_id
    by_team = metrics_report(MetricFilters(start=PERIOD.start, end=PERIOD.end, team=team))["current"]
    assert by_team["volume"] == 1
    assert by_team["resolution_time"]["median_seconds"] == 172800


def test_drilldown_lists_exactly_the_tickets_behind_a_number(dataset):
    escalated, total = drilldown_ids(PERIOD, metric="escalation_rate", part="hit", limit=50, offset=0)
    assert (escalated, total) == ([dataset["t3"].pk], 1)
    no_reply, _ = drilldown_ids(PERIOD, metric="first_response_time", part="missing", limit=50, offset=0)
    assert no_reply == [dataset["t3"].pk]
    repeats, _ = drilldown_ids(PERIOD, metric="repeat_complaint_rate", part="hit", limit=50, offset=0)
    assert set(repeats) == {dataset["t2"].pk, dataset["t3"].pk}
    resolved, total = drilldown_ids(PERIOD, metric="root_cause_coverage", part="all", limit=2, offset=0)
    assert total == 3
    assert resolved == [dataset["t4"].pk, dataset["t2"].pk]


@pytest.mark.django_db
@pytest.mark.parametrize("folded", [True, False])
def test_a_late_answer_misses_the_sla_even_when_no_sweep_flagged_it(folded, no_rescan):
    TicketFactory(first_message_at=at(5, 9), first_response_due_at=at(5, 10), first_response_at=at(5, 9, 30))
    TicketFactory(first_message_at=at(5, 9), first_response_due_at=at(5, 10), first_response_at=at(5, 11))
    # Never resolved: the target passed while it waits (the clock part is applied at read time).
    TicketFactory(first_message_at=at(5, 9), resolution_due_at=at(6, 9))
    if folded:
        fold_ticket_facts()
    assert metrics_report(PERIOD)["current"]["sla_attainment"] == {
        "value": 0.3333,
        "numerator": 1,
        "denominator": 3,
    }


@pytest.mark.django_db
def test_after_the_fold_the_metrics_read_the_facts_table(no_rescan):
    build = build_dataset()
    fold_ticket_facts()
    # Proof of the path: a (deliberately wrong) facts row shows through.
    TicketFacts.objects.filter(ticket=build["t1"]).update(escalated=True)
    assert metrics_report(PERIOD)["current"]["escalation_rate"]["numerator"] == 2
    # A full fold rebuilds the row from the ticket and its events.
    fold_ticket_facts(full=True)
    assert metrics_report(PERIOD)["current"]["escalation_rate"]["numerator"] == 1


@pytest.mark.django_db
def test_a_ticket_changed_after_the_fold_is_counted_as_it_is_now(no_rescan):
    tickets = build_dataset()
    fold_ticket_facts()
    # T1 escalated to the senior tier (a new event), T4 moved to chat (a save, no event).
    event(tickets["t1"], TicketEvent.Kind.ESCALATED, at(5, 12), to_tier="senior", to_senior=True)
    tickets["t4"].channel = "chat"
    tickets["t4"].save(update_fields=["channel", "updated_at"])
    # T2 too: T1 is its previous contact (customer A), so it is re-derived with it.
    assert _dirty_count() == 3

    def check():
        report = metrics_report(PERIOD)["current"]
        assert report["escalation_rate"] == {"value": 0.5, "numerator": 2, "denominator": 4}
        chat = metrics_report(MetricFilters(start=PERIOD.start, end=PERIOD.end, channel="chat"))["current"]
        assert chat["volume"] == 2
        assert chat["escalation_rate"]["numerator"] == 1
        assert report["resolution_time"]["median_seconds"] == 86400

    check()
    assert fold_ticket_facts() == 3  # only the touched tickets (and A's later one) are folded again
    assert _dirty_count() == 0
    assert TicketFacts.objects.get(ticket=tickets["t4"]).channel == "chat"
    check()


@pytest.mark.django_db
def test_the_fold_is_idempotent_and_stores_what_the_events_say(no_rescan):
    tickets = build_dataset()
    fold_ticket_facts(batch=2)
    first = list(TicketFacts.objects.order_by("ticket_id").values())
    fold_ticket_facts(full=True, batch=4)
    again = list(TicketFacts.objects.order_by("ticket_id").values())
    assert [{**row, "folded_at": None} for row in first] == [{**row, "folded_at": None} for row in again]
    t2 = TicketFacts.objects.get(ticket=tickets["t2"])
    assert (t2.public_replies, t2.drafts_used, t2.drafts_accepted, t2.overridden) == (2, 1, 0, True)
    assert (t2.csat_n, t2.csat_sum, t2.csat_good, t2.negative_sentiment) == (1, 2.0, 0, True)
    t3 = TicketFacts.objects.get(ticket=tickets["t3"])
    assert (t3.escalated, t3.drafts_discarded, t3.sla_missed_settled) == (True, 1, True)
    t4 = TicketFacts.objects.get(ticket=tickets["t4"])
    assert (t4.escalated, t4.public_replies, t4.sla_missed_settled) == (False, 1, True)


@pytest.mark.django_db
def test_changing_an_earlier_contact_updates_the_repeat_of_the_later_one(no_rescan):
    tickets = build_dataset()
    fold_ticket_facts()
    # T1 re-classified after the fold: T2 (same customer) is no longer a repeat of it.
    tickets["t1"].issue_type = "order_status"
    tickets["t1"].save(update_fields=["issue_type", "updated_at"])
    expected = {"value": 0.3333, "numerator": 1, "denominator": 3}
    assert metrics_report(PERIOD)["current"]["repeat_complaint_rate"] == expected
    fold_ticket_facts()
    assert TicketFacts.objects.get(ticket=tickets["t2"]).prev_contact_at is None
    assert metrics_report(PERIOD)["current"]["repeat_complaint_rate"] == expected


@pytest.mark.django_db
def test_a_calendar_change_after_the_fold_applies_to_folded_tickets_at_once(no_rescan):
    build_dataset()
    fold_ticket_facts()
    # The office opens on Saturdays too: T4's first reply (Sat 10:00 -> 13:00) now takes 3 h.
    BusinessInterval.objects.create(
        calendar=BusinessCalendar.objects.get(slug="office"), weekday=5, opens=time(9), closes=time(17)
    )
    assert metrics_report(PERIOD)["current"]["first_response_time"]["business_median_seconds"] == 7200
    assert fold_ticket_facts() == 6  # other calendars: every ticket is folded again
    assert metrics_report(PERIOD)["current"]["first_response_time"]["business_median_seconds"] == 7200


@pytest.mark.django_db
@pytest.mark.parametrize("folded", [True, False])
def test_around_a_holiday_the_sla_due_time_and_the_business_time_metric_agree(no_rescan, folded):
    """Office Mon–Fri 09:00–17:00 UTC, Wednesday 7 October a holiday. A ticket at Tue 16:00 with a
    2-business-hour first-response target is due Thu 10:00 (routing's SLA clock); answered
    exactly then, analytics counts 2 business hours for it, not 10."""
    from routing.models import Holiday
    from routing.sla import add_business_minutes
    from routing.sla_clocks import calendar_for_team, forget_calendars

    general = tier("general")
    office = BusinessCalendar.objects.create(name="Office", slug="office", timezone="UTC")
    for weekday in range(5):
        BusinessInterval.objects.create(calendar=office, weekday=weekday, opens=time(9), closes=time(17))
    Holiday.objects.create(calendar=office, date=date(2026, 10, 7), name="Closed")
    Team.objects.filter(pk=general.team_id).update(calendar=office)
    forget_calendars()
    due = add_business_minutes(at(6, 16), 120, calendar_for_team(general.team_id))
    assert due == at(8, 10)
    TicketFactory(
        first_message_at=at(6, 16), first_response_at=due, tier=general, team=general.team, issue_type="other"
    )
    if folded:
        fold_ticket_facts()
    frt = metrics_report(PERIOD)["current"]["first_response_time"]
    assert frt["business_median_seconds"] == 2 * 3600
