"""The daily rollups give exactly the figures computed per ticket from the facts, stay exact when
tickets change after the roll-up, and are rolled up again only for the days that changed."""

from datetime import UTC, date, datetime

import pytest

from analytics import jobs
from analytics.models import DailyRollup, DailyRollupState
from analytics.queries import MetricFilters, metrics_report, metrics_report_and_series, metrics_series
from analytics.queries import rollups as rollup_queries
from analytics.rollups import roll_up_days
from analytics.tests.factories import tier
from analytics.tests.test_metrics import PERIOD, build_dataset, event, no_rescan  # noqa: F401
from tickets.models import TicketEvent
from tickets.tests.factories import CustomerFactory, TicketFactory

FILTERS = [
    PERIOD,
    MetricFilters(start=PERIOD.start, end=PERIOD.end, channel="email"),
    MetricFilters(start=PERIOD.start, end=PERIOD.end, issue_type="delivery_problem"),
    MetricFilters(start=PERIOD.start, end=PERIOD.end, grain="week"),
    MetricFilters(start=date(2026, 9, 1), end=date(2026, 10, 31)),
]


@pytest.fixture
def dataset(db, no_rescan, monkeypatch):  # noqa: F811
    # A handful of tickets makes sparse rollups: read them anyway, it is their figures under test.
    monkeypatch.setattr(rollup_queries, "MIN_TICKETS_PER_ROW", 0)
    tickets = build_dataset()
    general = tier("general")
    # Unanswered, its target still ahead: met until the clock passes it (read at query time).
    tickets["t7"] = TicketFactory(
        customer=CustomerFactory(),
        issue_type="order_status",
        first_message_at=datetime(2026, 10, 6, 9, tzinfo=UTC),
        first_response_due_at=datetime(2099, 1, 1, tzinfo=UTC),
        tier=general,
        team=general.team,
    )
    jobs.refresh_ticket_facts()
    return tickets


def _per_ticket(monkeypatch, read):
    """``read()`` with the rollups switched off: every figure computed per ticket from the facts."""
    with monkeypatch.context() as patch:
        patch.setattr(rollup_queries, "rollup_buckets", lambda *args, **kwargs: None)
        return read()


def _assert_same_as_per_ticket(monkeypatch):
    for filters in FILTERS:
        assert metrics_report(filters) == _per_ticket(monkeypatch, lambda f=filters: metrics_report(f)), (
            filters
        )
        assert metrics_series(filters) == _per_ticket(monkeypatch, lambda f=filters: metrics_series(f)), (
            filters
        )
    both = metrics_report_and_series(PERIOD)
    assert both == _per_ticket(monkeypatch, lambda: metrics_report_and_series(PERIOD))


def test_the_rollups_give_the_figures_computed_per_ticket(dataset, monkeypatch):
    assert DailyRollup.objects.count() > 0
    report = metrics_report(PERIOD)
    assert report["current"]["volume"] == 5
    assert report["current"]["sla_attainment"]["denominator"] == 4
    _assert_same_as_per_ticket(monkeypatch)


def test_the_metrics_read_the_days_held_in_the_rollups(dataset):
    """Proof that a held day is read from its rollup row, not from the tickets."""
    before = metrics_report(PERIOD)["current"]["escalation_rate"]["numerator"]
    DailyRollup.objects.filter(day=date(2026, 10, 5)).update(escalated=100)
    assert metrics_report(PERIOD)["current"]["escalation_rate"]["numerator"] == before + 100


def test_tier_and_vip_filters_are_read_per_ticket(dataset, monkeypatch):
    filters = MetricFilters(start=PERIOD.start, end=PERIOD.end, vip="any")
    assert not rollup_queries.usable_for(filters)
    assert metrics_report(filters) == _per_ticket(monkeypatch, lambda: metrics_report(filters))
    assert metrics_report(filters)["current"]["volume"] == 1


def test_a_change_after_the_roll_up_counts_at_once_and_only_its_days_are_rolled_up_again(
    dataset, monkeypatch
):
    t4 = dataset["t4"]
    event(t4, TicketEvent.Kind.CSAT_RECEIVED, datetime(2026, 10, 15, 10, tzinfo=UTC), score=1)
    # Not folded, not rolled up yet: the day of T4 is read per ticket, the others from the rollups.
    report = metrics_report(PERIOD)
    assert report["current"]["csat"]["responses"] == 4
    _assert_same_as_per_ticket(monkeypatch)
    rolled_to = DailyRollupState.objects.get().rolled_to
    jobs.refresh_ticket_facts()
    assert DailyRollupState.objects.get().rolled_to > rolled_to
    assert metrics_report(PERIOD)["current"]["csat"]["responses"] == 4
    _assert_same_as_per_ticket(monkeypatch)
    # Nothing changed since: nothing to roll up.
    assert roll_up_days() == 0


def test_a_configuration_change_rolls_every_day_up_again(dataset, monkeypatch):
    from routing.models import Thresholds

    days = DailyRollup.objects.values("day").distinct().count()
    thresholds = Thresholds.current()
    thresholds.repeat_complaint_days = 3
    thresholds.save()
    # Rolled up under the old window: the metrics read per ticket until the next roll-up.
    assert DailyRollupState.objects.get().fingerprint != rollup_queries.fingerprint(("complaint",), 3)
    _assert_same_as_per_ticket(monkeypatch)
    assert roll_up_days() == days
    assert DailyRollupState.objects.get().fingerprint == rollup_queries.fingerprint(("complaint",), 3)
    _assert_same_as_per_ticket(monkeypatch)


def test_sparse_rollups_are_not_read(dataset, monkeypatch):
    """Fewer tickets per rollup row than the threshold: the facts answer, not the rollups."""
    monkeypatch.setattr(rollup_queries, "MIN_TICKETS_PER_ROW", 10)
    expected = _per_ticket(monkeypatch, lambda: metrics_report(PERIOD))
    DailyRollup.objects.filter(day=date(2026, 10, 5)).update(escalated=100)  # would show if read
    assert metrics_report(PERIOD) == expected
