"""The workflow metrics, computed in PostgreSQL in one statement per call.

``per_ticket_sql`` builds, for the tickets of the selected period(s), one row per ticket with
everything a metric needs (durations, calendar and business hours, what the event log says:
escalated to a senior tier, triaged, classification overridden, public replies, AI drafts used,
accepted or discarded, CSAT responses; whether the customer's contact repeats an issue type
within the repeat window). The rows come from ``analytics_ticketfacts`` (folded every minute,
``analytics.facts``) for settled tickets and from the same ``facts_select`` on the fly for the
tickets touched since the fold, so they are exact without reading the event log of the period.
``aggregate_rows`` aggregates them per bucket (the period, the previous period, or each
day/week) with ``percentile_cont`` and ``FILTER``; ``drilldown_ids`` selects the tickets behind
one number from the same rows, so a drill-down always lists exactly the tickets that were
counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from analytics.queries.calendar import Calendar, calendar_cte, calendar_fingerprint, team_calendars
from analytics.queries.definitions import (
    DRILLDOWN,
    METRICS,
    METRICS_BY_KEY,
    Metric,
)
from analytics.queries.facts import (
    FACT_COLUMNS,
    WATERMARK_SQL,
    dirty_sql,
    facts_params,
    facts_select,
    watermark_params,
)
from analytics.queries.filters import MetricFilters

__all__ = [
    "DRILLDOWN",
    "METRICS",
    "METRICS_BY_KEY",
    "Metric",
    "aggregate_rows",
    "aggregate_rows_and_series",
    "empty_bucket",
    "per_ticket_sql",
    "shape",
]

# Sorts for the percentiles and distinct counts stay in memory at this size.
METRICS_WORK_MEM = "64MB"


def per_ticket_sql(
    filters: MetricFilters,
    *,
    start: datetime,
    end: datetime,
    bucket: str,
    complaint_types: Sequence[str],
    repeat_days: int,
    calendars: Mapping[int, Calendar] | None = None,
    series_bucket: str = "NULL",
    extra_where: str = "",
) -> tuple[str, dict[str, Any]]:
    """``WITH ... rows AS (...)``: one row per ticket of ``[start, end)`` matching ``filters``.

    ``bucket`` is an SQL expression over ``t`` naming the group each ticket falls in;
    ``series_bucket`` a second one (its day or week) for ``aggregate_rows_and_series``.
    ``extra_where`` (over ``t``) narrows the tickets further (the daily rollups read only the
    days they do not hold).
    """
    conditions, params = filters.ticket_conditions()
    calendars = team_calendars() if calendars is None else calendars
    cal_sql, cal_params = calendar_cte(calendars)
    params.update(cal_params)
    params["cal_fingerprint"] = calendar_fingerprint(calendars)
    params.update(facts_params())
    params.update(
        {
            "start": start,
            "end": end,
            "complaint_types": list(complaint_types),
            "repeat_days": repeat_days,
        }
    )
    join_customer = "JOIN tickets_customer c ON c.id = t.customer_id" if filters.needs_customer else ""
    period = "t.first_message_at >= %(start)s AND t.first_message_at < %(end)s"
    where = " AND ".join([period, *conditions, *([extra_where] if extra_where else [])])
    # Settled tickets from the facts table; the ones touched since the fold (every ticket of the
    # period before the first fold) on the fly, with the same SELECT the fold uses.
    live = facts_select(
        tickets_where=f"t.id IN (SELECT id FROM dirty) AND {where}",
        events_where="e.ticket_id IN (SELECT id FROM dirty)",
        join=join_customer,
    )
    facts = f"""
        SELECT {", ".join(f"t.{column}" for column in FACT_COLUMNS)}
        FROM analytics_ticketfacts t {join_customer}
        WHERE {where} AND NOT EXISTS (SELECT 1 FROM dirty d WHERE d.id = t.ticket_id)
        UNION ALL
        {live}
    """
    sql = f"""
    WITH {cal_sql},
    {dirty_sql(unfolded_where=period)},
    facts ({", ".join(FACT_COLUMNS)}) AS ({facts}),
    base AS (
        SELECT t.ticket_id AS id, t.customer_id, t.issue_type, t.team_id, t.channel, t.first_message_at,
               t.first_response_at, t.resolved_at, t.reopen_count, t.root_cause_id,
               t.escalated, t.triaged, t.overridden, t.public_replies, t.drafts_used,
               t.drafts_accepted, t.drafts_discarded, t.csat_n, t.csat_sum, t.csat_good,
               t.first_response_business_s, t.resolution_business_s,
               (t.first_response_due_at IS NOT NULL OR t.resolution_due_at IS NOT NULL) AS has_sla,
               -- A target passed counts even if no sweep flagged it (yet): the clock part.
               (t.sla_missed_settled
                OR (t.first_response_at IS NULL AND now() > t.first_response_due_at) IS TRUE
                OR (t.resolved_at IS NULL AND now() > t.resolution_due_at) IS TRUE) AS sla_missed,
               -- The same split without now(), for the daily rollups: settled misses, and
               -- the earliest target still running (missed once it is past).
               (t.sla_missed_settled IS TRUE) AS sla_settled,
               LEAST(CASE WHEN t.first_response_at IS NULL THEN t.first_response_due_at END,
                     CASE WHEN t.resolved_at IS NULL THEN t.resolution_due_at END) AS sla_pending_due,
               (t.negative_sentiment OR t.issue_type = ANY(%(complaint_types)s)) AS complaint,
               (t.first_message_at - t.prev_contact_at <= make_interval(days => %(repeat_days)s))
                   IS TRUE AS is_repeat,
               {bucket} AS bucket, {series_bucket} AS series_bucket
        FROM facts t
    ),
    joined AS (
        -- Each instant is turned into local seconds once ("le": since Monday 2001-01-01 in the
        -- team's time zone); OFFSET 0 keeps them plain columns so the business clock inlines
        -- as float arithmetic. Only while the folded business seconds are stale: otherwise
        -- the time zone conversions would be computed for every row and never read.
        SELECT b.*, cal.team_id AS cal_team, cal.cum, cal.a1, cal.b1, cal.a2, cal.b2, cal.hd, cal.hc,
               CASE WHEN NOT %(calendars_folded)s THEN date_part('epoch',
                   (b.first_message_at AT TIME ZONE cal.tz) - timestamp '2001-01-01') END AS fm_le,
               CASE WHEN NOT %(calendars_folded)s THEN date_part('epoch',
                   (b.first_response_at AT TIME ZONE cal.tz) - timestamp '2001-01-01') END AS fr_le,
               CASE WHEN NOT %(calendars_folded)s THEN date_part('epoch',
                   (b.resolved_at AT TIME ZONE cal.tz) - timestamp '2001-01-01') END AS rs_le
        FROM base b
        LEFT JOIN cal ON cal.team_id = b.team_id
        OFFSET 0
    ),
    rows AS MATERIALIZED (
        SELECT j.id, j.bucket, j.series_bucket, j.customer_id, j.root_cause_id, j.complaint, j.has_sla,
            j.team_id, j.channel, j.issue_type, j.sla_settled, j.sla_pending_due,
            date_part('epoch', j.first_response_at - j.first_message_at) AS frt_s,
            -- Folded business seconds while the calendars are the ones they were folded with.
            CASE WHEN %(calendars_folded)s THEN j.first_response_business_s
                 WHEN j.cal_team IS NULL THEN date_part('epoch', j.first_response_at - j.first_message_at)
                 WHEN j.fr_le IS NULL THEN NULL
                 ELSE GREATEST(analytics_business_clock(j.fr_le, j.cum, j.a1, j.b1, j.a2, j.b2, j.hd, j.hc)
                               - analytics_business_clock(j.fm_le, j.cum, j.a1, j.b1, j.a2, j.b2, j.hd, j.hc), 0)
            END AS frt_bh,
            date_part('epoch', j.resolved_at - j.first_message_at) AS res_s,
            CASE WHEN %(calendars_folded)s THEN j.resolution_business_s
                 WHEN j.cal_team IS NULL THEN date_part('epoch', j.resolved_at - j.first_message_at)
                 WHEN j.rs_le IS NULL THEN NULL
                 ELSE GREATEST(analytics_business_clock(j.rs_le, j.cum, j.a1, j.b1, j.a2, j.b2, j.hd, j.hc)
                               - analytics_business_clock(j.fm_le, j.cum, j.a1, j.b1, j.a2, j.b2, j.hd, j.hc), 0)
            END AS res_bh,
            j.resolved_at IS NOT NULL AS resolved,
            j.escalated, j.triaged, j.overridden,
            (j.resolved_at IS NOT NULL AND j.reopen_count = 0 AND j.public_replies = 1) AS fcr,
            j.drafts_used, j.drafts_accepted, j.drafts_discarded, j.csat_n, j.csat_sum, j.csat_good,
            j.sla_missed,
            j.is_repeat
        FROM joined j
    )
    """
    return sql, params


_AGGREGATES = """
    SELECT bucket,
        count(*) AS volume,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY frt_s) AS frt_pct,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY frt_bh) AS frt_bh_pct,
        count(frt_s) AS frt_n,
        count(*) FILTER (WHERE frt_s IS NULL) AS frt_missing,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY res_s) AS res_pct,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY res_bh) AS res_bh_pct,
        count(res_s) AS res_n,
        count(*) FILTER (WHERE escalated) AS escalated,
        sum(drafts_accepted) AS drafts_accepted,
        sum(drafts_used + drafts_discarded) AS drafts_total,
        count(*) FILTER (WHERE triaged AND overridden) AS overridden,
        count(*) FILTER (WHERE triaged) AS triaged,
        count(DISTINCT customer_id) FILTER (WHERE is_repeat) AS repeat_customers,
        count(DISTINCT customer_id) AS customers,
        sum(csat_sum) FILTER (WHERE complaint) AS recovery_sum,
        sum(csat_n) FILTER (WHERE complaint) AS recovery_n,
        sum(csat_good) FILTER (WHERE complaint) AS recovery_good,
        count(*) FILTER (WHERE resolved AND root_cause_id IS NOT NULL) AS with_root_cause,
        count(*) FILTER (WHERE resolved) AS resolved,
        count(*) FILTER (WHERE fcr) AS fcr,
        sum(csat_sum) AS csat_sum,
        sum(csat_n) AS csat_n,
        sum(csat_good) AS csat_good,
        count(*) FILTER (WHERE has_sla AND NOT sla_missed) AS sla_met,
        count(*) FILTER (WHERE has_sla) AS sla_total
    FROM rows
    GROUP BY bucket
    ORDER BY bucket
"""


def execute_rows(cursor: Any, sql: str, params: dict[str, Any], *, work_mem: bool = True) -> None:
    """Run a ``per_ticket_sql`` statement: one query reads the facts watermark (passed to the
    statement as values) and, inside a transaction (``work_mem``), sets the work memory."""
    if work_mem:
        # The percentiles and distinct counts sort in memory rather than spill to disk.
        cursor.execute(
            f"SELECT wm.*, set_config('work_mem', %(work_mem)s, true) FROM ({WATERMARK_SQL}) wm",
            {"work_mem": METRICS_WORK_MEM},
        )
    else:
        cursor.execute(WATERMARK_SQL)
    row = cursor.fetchone()
    mark = watermark_params(row[0], row[1], row[2], current_calendars=params["cal_fingerprint"])
    cursor.execute(sql, {**params, **mark})


def aggregate_rows(
    sql: str, params: dict[str, Any], *, aggregates: str = _AGGREGATES
) -> list[dict[str, Any]]:
    """Run ``sql`` (a ``per_ticket_sql``) plus the aggregates; one dict of raw sums per bucket."""
    with transaction.atomic(), connection.cursor() as cursor:
        execute_rows(cursor, sql + aggregates, params)
        columns = [col.name for col in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        # One sort per measure gives both percentiles: (median, p90).
        for prefix in ("frt", "frt_bh", "res", "res_bh"):
            row[f"{prefix}_median"], row[f"{prefix}_p90"] = row.pop(f"{prefix}_pct") or (None, None)
    return rows


def aggregate_rows_and_series(
    sql: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Like ``aggregate_rows``, grouped twice in one pass over the rows: per ``bucket`` and per
    ``series_bucket`` (rows whose series bucket is NULL only count in the first grouping).
    Returns (per bucket, per series bucket), the latter with the series bucket as ``bucket``."""
    select, grouping = "SELECT bucket,", "GROUP BY bucket\n    ORDER BY bucket"
    if select not in _AGGREGATES or grouping not in _AGGREGATES:
        raise AssertionError("_AGGREGATES no longer has the shape this grouping rewrites")
    aggregates = _AGGREGATES.replace(
        select, "SELECT GROUPING(series_bucket) = 0 AS in_series, bucket, series_bucket,"
    ).replace(grouping, "GROUP BY GROUPING SETS ((bucket), (series_bucket))")
    by_bucket, by_series = [], []
    for row in aggregate_rows(sql, params, aggregates=aggregates):
        if row.pop("in_series"):
            if row["series_bucket"] is not None:
                by_series.append({**row, "bucket": row.pop("series_bucket")})
        else:
            row.pop("series_bucket")
            by_bucket.append(row)
    return by_bucket, by_series


def _ratio(numerator: Any, denominator: Any) -> float | None:
    return round(float(numerator) / float(denominator), 4) if denominator else None


def _seconds(value: Any) -> float | None:
    return round(float(value), 1) if value is not None else None


def shape(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn one bucket's raw sums into the public metric values (the API's JSON shape)."""
    return {
        "volume": raw["volume"],
        "first_response_time": {
            "median_seconds": _seconds(raw["frt_median"]),
            "p90_seconds": _seconds(raw["frt_p90"]),
            "business_median_seconds": _seconds(raw["frt_bh_median"]),
            "business_p90_seconds": _seconds(raw["frt_bh_p90"]),
            "tickets": raw["frt_n"],
            "without_reply": raw["frt_missing"],
        },
        "resolution_time": {
            "median_seconds": _seconds(raw["res_median"]),
            "p90_seconds": _seconds(raw["res_p90"]),
            "business_median_seconds": _seconds(raw["res_bh_median"]),
            "business_p90_seconds": _seconds(raw["res_bh_p90"]),
            "tickets": raw["res_n"],
        },
        "escalation_rate": _rate(raw["escalated"], raw["volume"]),
        "ai_draft_acceptance_rate": _rate(raw["drafts_accepted"] or 0, raw["drafts_total"] or 0),
        "human_override_rate": _rate(raw["overridden"], raw["triaged"]),
        "repeat_complaint_rate": _rate(raw["repeat_customers"], raw["customers"]),
        "recovery_csat": _score(raw["recovery_sum"], raw["recovery_n"], raw["recovery_good"]),
        "root_cause_coverage": _rate(raw["with_root_cause"], raw["resolved"]),
        "resolution_rate": _rate(raw["resolved"], raw["volume"]),
        "first_contact_resolution": _rate(raw["fcr"], raw["resolved"]),
        "csat": _score(raw["csat_sum"], raw["csat_n"], raw["csat_good"]),
        "sla_attainment": _rate(raw["sla_met"], raw["sla_total"]),
    }


def _rate(numerator: Any, denominator: Any) -> dict[str, Any]:
    return {
        "value": _ratio(numerator, denominator),
        "numerator": int(numerator),
        "denominator": int(denominator),
    }


def _score(total: Any, responses: Any, good: Any) -> dict[str, Any]:
    responses = int(responses or 0)
    return {
        "average": round(float(total) / responses, 2) if responses else None,
        "satisfied_share": _ratio(good or 0, responses),
        "responses": responses,
    }


def empty_bucket() -> dict[str, Any]:
    zero = dict.fromkeys(
        [
            "volume",
            "frt_n",
            "frt_missing",
            "res_n",
            "escalated",
            "drafts_accepted",
            "drafts_total",
            "overridden",
            "triaged",
            "repeat_customers",
            "customers",
            "recovery_sum",
            "recovery_n",
            "recovery_good",
            "with_root_cause",
            "resolved",
            "fcr",
            "csat_sum",
            "csat_n",
            "csat_good",
            "sla_met",
            "sla_total",
        ],
        0,
    )
    nulls = dict.fromkeys(
        [
            "frt_median",
            "frt_p90",
            "frt_bh_median",
            "frt_bh_p90",
            "res_median",
            "res_p90",
            "res_bh_median",
            "res_bh_p90",
        ]
    )
    return shape({**zero, **nulls})
