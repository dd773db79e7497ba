"""Public metric reads: the period with its comparison, the series, and the drill-down."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from analytics.queries import metrics, rollups
from analytics.queries.calendar import Calendar, team_calendars
from analytics.queries.filters import MetricFilters
from helpdesk.errors import InvalidInput
from routing.models import IssueType, Team, Thresholds, Tier
from tickets.models import Customer, Ticket

GRAINS = ("day", "week")


@dataclass(frozen=True)
class MetricContext:
    """Configuration the SQL needs; read once per request (two small queries)."""

    complaint_types: tuple[str, ...]
    repeat_days: int
    # The team calendars (the one business clock), read once for every statement of the request.
    calendars: Mapping[int, Calendar] | None = None

    @classmethod
    def load(cls) -> MetricContext:
        return cls(
            complaint_types=tuple(IssueType.objects.filter(is_complaint=True).values_list("slug", flat=True)),
            repeat_days=Thresholds.current().repeat_complaint_days,
            calendars=team_calendars(),
        )


def _rows_sql(
    filters: MetricFilters,
    context: MetricContext,
    *,
    start: datetime,
    bucket: str,
    series_bucket: str = "NULL",
):
    return metrics.per_ticket_sql(
        filters,
        start=start,
        end=filters.end_at,
        bucket=bucket,
        complaint_types=context.complaint_types,
        repeat_days=context.repeat_days,
        series_bucket=series_bucket,
        calendars=context.calendars,
    )


# The period a ticket falls in, and (current period only) its day or week in local time.
_PERIOD_BUCKET = "CASE WHEN t.first_message_at >= %(current_start)s THEN 'current' ELSE 'previous' END"
_SERIES_BUCKET = "date_trunc(%(grain)s, t.first_message_at AT TIME ZONE %(tz)s)::date"


# The same buckets over a daily rollup row ``t`` (its local ``day``).
_PERIOD_DAY_BUCKET = "CASE WHEN t.day >= %(current_day)s THEN 'current' ELSE 'previous' END"
_SERIES_DAY_BUCKET = "date_trunc(%(grain)s, t.day::timestamp)::date"


def _bucket_rows(
    filters: MetricFilters,
    context: MetricContext,
    *,
    first_day: date,
    start: datetime,
    ticket_bucket: str,
    day_bucket: str,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    """Raw sums per bucket of the tickets from ``first_day``: from the daily rollups when they
    can answer, else per ticket (``ticket_bucket`` and ``day_bucket`` name the same bucket over a
    ticket and over a rollup day)."""
    rows = rollups.rollup_buckets(
        filters,
        complaint_types=context.complaint_types,
        repeat_days=context.repeat_days,
        calendars=context.calendars,
        first_day=first_day,
        ticket_bucket=ticket_bucket,
        day_bucket=day_bucket,
        params=params,
    )
    if rows is not None:
        return rows
    sql, sql_params = _rows_sql(filters, context, start=start, bucket=ticket_bucket)
    sql_params.update(params)
    return metrics.aggregate_rows(sql, sql_params)


def _period_rows(filters: MetricFilters, context: MetricContext) -> list[dict[str, Any]]:
    """Raw sums of the period and the previous one."""
    return _bucket_rows(
        filters,
        context,
        first_day=filters.previous.start,
        start=filters.previous.start_at,
        ticket_bucket=_PERIOD_BUCKET,
        day_bucket=_PERIOD_DAY_BUCKET,
        params={"current_start": filters.start_at, "current_day": filters.start},
    )


def _series_rows(filters: MetricFilters, context: MetricContext) -> list[dict[str, Any]]:
    """Raw sums per day or week of the period."""
    return _bucket_rows(
        filters,
        context,
        first_day=filters.start,
        start=filters.start_at,
        ticket_bucket=_SERIES_BUCKET,
        day_bucket=_SERIES_DAY_BUCKET,
        params={"grain": filters.grain, "tz": timezone.get_current_timezone_name()},
    )


def metrics_report(filters: MetricFilters, context: MetricContext | None = None) -> dict[str, Any]:
    """Every metric for the period and the previous period of the same length (one SQL statement)."""
    context = context or MetricContext.load()
    previous = filters.previous
    buckets = {row["bucket"]: metrics.shape(row) for row in _period_rows(filters, context)}
    return {
        "period": {"start": filters.start.isoformat(), "end": filters.end.isoformat()},
        "previous_period": {"start": previous.start.isoformat(), "end": previous.end.isoformat()},
        "current": buckets.get("current") or metrics.empty_bucket(),
        "previous": buckets.get("previous") or metrics.empty_bucket(),
    }


def metrics_series(filters: MetricFilters, context: MetricContext | None = None) -> list[dict[str, Any]]:
    """Every metric per day or per week of the period (local time), gaps filled with empty buckets."""
    if filters.grain not in GRAINS:
        raise InvalidInput("Choose day or week.", field="grain")
    context = context or MetricContext.load()
    found = {row["bucket"]: metrics.shape(row) for row in _series_rows(filters, context)}
    return [
        {"bucket": day.isoformat(), **(found.get(day) or metrics.empty_bucket())}
        for day in _buckets(filters.start, filters.end, filters.grain)
    ]


def metrics_report_and_series(
    filters: MetricFilters, context: MetricContext | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``metrics_report`` and ``metrics_series`` (same values) in one statement: the period's
    rows are read and computed once, then grouped per period and per day or week."""
    if filters.grain not in GRAINS:
        raise InvalidInput("Choose day or week.", field="grain")
    context = context or MetricContext.load()
    previous = filters.previous
    by_period, by_series = _period_and_series_from_rollups(filters, context) or (None, None)
    if by_period is not None:
        return _report_and_series(filters, by_period, by_series)
    sql, params = _rows_sql(
        filters,
        context,
        start=previous.start_at,
        bucket=_PERIOD_BUCKET,
        series_bucket=f"CASE WHEN t.first_message_at >= %(current_start)s THEN {_SERIES_BUCKET} END",
    )
    params.update(
        {
            "current_start": filters.start_at,
            "grain": filters.grain,
            "tz": timezone.get_current_timezone_name(),
        }
    )
    by_period, by_series = metrics.aggregate_rows_and_series(sql, params)
    return _report_and_series(filters, by_period, by_series)


def _period_and_series_from_rollups(filters: MetricFilters, context: MetricContext):
    """(per period, per day or week) raw sums from the daily rollups in one statement, or None."""
    rows = rollups.rollup_buckets(
        filters,
        complaint_types=context.complaint_types,
        repeat_days=context.repeat_days,
        calendars=context.calendars,
        first_day=filters.previous.start,
        ticket_bucket=_PERIOD_BUCKET,
        day_bucket=_PERIOD_DAY_BUCKET,
        params={
            "current_start": filters.start_at,
            "current_day": filters.start,
            "grain": filters.grain,
            "tz": timezone.get_current_timezone_name(),
        },
        series=(
            f"CASE WHEN t.first_message_at >= %(current_start)s THEN {_SERIES_BUCKET} END",
            f"CASE WHEN t.day >= %(current_day)s THEN {_SERIES_DAY_BUCKET} END",
        ),
    )
    if rows is None:
        return None
    by_period, by_series = [], []
    for row in rows:
        if row.pop("in_series"):
            if row["series_bucket"] is not None:
                by_series.append({**row, "bucket": row.pop("series_bucket")})
        else:
            row.pop("series_bucket")
            by_period.append(row)
    return by_period, by_series


def _report_and_series(filters: MetricFilters, by_period: list, by_series: list):
    previous = filters.previous
    buckets = {row["bucket"]: metrics.shape(row) for row in by_period}
    found = {row["bucket"]: metrics.shape(row) for row in by_series}
    report = {
        "period": {"start": filters.start.isoformat(), "end": filters.end.isoformat()},
        "previous_period": {"start": previous.start.isoformat(), "end": previous.end.isoformat()},
        "current": buckets.get("current") or metrics.empty_bucket(),
        "previous": buckets.get("previous") or metrics.empty_bucket(),
    }
    series = [
        {"bucket": day.isoformat(), **(found.get(day) or metrics.empty_bucket())}
        for day in _buckets(filters.start, filters.end, filters.grain)
    ]
    return report, series


def _buckets(start: date, end: date, grain: str) -> list[date]:
    from datetime import timedelta

    if grain == "week":
        start = start - timedelta(days=start.weekday())
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    days = []
    while start <= end:
        days.append(start)
        start += step
    return days


def drilldown_ids(
    filters: MetricFilters,
    *,
    metric: str,
    part: str,
    limit: int,
    offset: int,
    context: MetricContext | None = None,
) -> tuple[list[int], int]:
    """The ids of the tickets behind one number (newest first, one page) and how many there are.

    ``part`` is "all" (the denominator, or the sample of a duration), "hit" (the numerator) or
    "missing" (first response: tickets without a reply).
    """
    predicates = metrics.DRILLDOWN.get(metric)
    if predicates is None:
        raise InvalidInput(f"Unknown metric {metric!r}.", field="metric")
    if part not in predicates:
        raise InvalidInput(f"{metric} has no part {part!r}.", field="part")
    context = context or MetricContext.load()
    sql, params = _rows_sql(filters, context, start=filters.start_at, bucket="t.first_message_at")
    params.update({"limit": limit, "offset": offset})
    sql += f"""
        SELECT id, count(*) OVER () FROM rows WHERE {predicates[part]}
        ORDER BY bucket DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s
    """
    with connection.cursor() as cursor:
        metrics.execute_rows(cursor, sql, params, work_mem=False)
        rows = cursor.fetchall()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def tickets_by_ids(ids: list[int]) -> QuerySet[Ticket]:
    """The drill-down rows, with what the table shows, in one query."""
    return Ticket.objects.filter(pk__in=ids).select_related(
        "customer", "team", "tier", "root_cause", "assignee"
    )


def filter_choices() -> dict[str, Any]:
    """What the filter form offers: teams, tiers, active issue types and the VIP levels in use."""
    return {
        "teams": list(Team.objects.all()),
        "tiers": list(Tier.objects.all()),
        "issue_types": list(IssueType.objects.filter(is_active=True)),
        # ``> ''`` (every non-blank level) is a range of the vip_level index: only VIP entries are
        # read, where ``<> ''`` would read the entry of every customer.
        "vip_levels": list(
            Customer.objects.filter(vip_level__gt="")
            .order_by("vip_level")
            .values_list("vip_level", flat=True)
            .distinct()
        ),
    }
