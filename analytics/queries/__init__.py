"""Analytics reads, one module per concept: metric definitions and SQL (``metrics``), the
period/series/drill-down reads (``report``), the workflow dashboard (``dashboard``) and the
weekly review (``review``). Every number is computed in PostgreSQL."""

from analytics.queries.filters import MetricFilters
from analytics.queries.metrics import METRICS, METRICS_BY_KEY
from analytics.queries.report import (
    MetricContext,
    drilldown_ids,
    filter_choices,
    metrics_report,
    metrics_report_and_series,
    metrics_series,
    tickets_by_ids,
)

__all__ = [
    "METRICS",
    "METRICS_BY_KEY",
    "MetricContext",
    "MetricFilters",
    "drilldown_ids",
    "filter_choices",
    "metrics_report",
    "metrics_report_and_series",
    "metrics_series",
    "tickets_by_ids",
]
