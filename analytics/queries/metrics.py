"""The workflow metrics, computed in PostgreSQL in one statement per call.

``per_ticket_sql`` builds, for the tickets of the selected period(s), one row per ticket with
everything a metric needs (durations, calendar and business hours, what the event log says:
escalated to a senior tier, triaged, classification overridden, public replies, AI drafts used,
accepted or discarded, CSAT responses; whether the customer's contact repeats an issue type
within the repeat window). ``metric_table`` aggregates those rows per bucket (the period, the
previous period, or each day/week) with ``percentile_cont`` and ``FILTER``; ``drilldown_ids``
selects the tickets behind one number from the same rows, so a drill-down always lists exactly
the tickets that were counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from analytics.queries.calendar import BusinessCalendar, calendar_cte
from analytics.queries.definitions import (
    DRAFT_ACCEPTED_SIMILARITY,
    DRILLDOWN,
    METRICS,
    METRICS_BY_KEY,
    Metric,
)
from analytics.queries.filters import MetricFilters

__all__ = [
    "DRILLDOWN",
    "METRICS",
    "METRICS_BY_KEY",
    "Metric",
    "aggregate_rows",
    "empty_bucket",
    "per_ticket_sql",
    "shape",
]

# Sorts for the percentiles and distinct counts stay in memory at this size.
METRICS_WORK_MEM = "64MB"

_EVENT_KINDS = (
    "escalated",
    "triaged",
    "classification_overridden",
    "reply_sent",
    "draft_discarded",
    "sla_breached",
    "csat_received",
)


def per_ticket_sql(
    filters: MetricFilters,
    *,
    start: datetime,
    end: datetime,
    bucket: str,
    complaint_types: Sequence[str],
    repeat_days: int,
    calendars: Mapping[int, BusinessCalendar] | None = None,
) -> tuple[str, dict[str, Any]]:
    """``WITH ... rows AS (...)``: one row per ticket of ``[start, end)`` matching ``filters``.

    ``bucket`` is an SQL expression over ``t`` naming the group each ticket falls in.
    """
    conditions, params = filters.ticket_conditions()
    cal_sql, cal_params = calendar_cte(calendars)
    params.update(cal_params)
    params.update(
        {
            "start": start,
            "end": end,
            "kinds": list(_EVENT_KINDS),
            "accepted": DRAFT_ACCEPTED_SIMILARITY,
            "complaint_types": list(complaint_types),
            "repeat_days": repeat_days,
        }
    )
    join_customer = "JOIN tickets_customer c ON c.id = t.customer_id" if filters.needs_customer else ""
    where = " AND ".join(["t.first_message_at >= %(start)s", "t.first_message_at < %(end)s", *conditions])
    sql = f"""
    WITH {cal_sql},
    base AS (
        SELECT t.id, t.customer_id, t.issue_type, t.team_id, t.first_message_at, t.first_response_at,
               t.resolved_at, t.reopen_count, t.root_cause_id, t.sla_breached,
               (t.first_response_due_at IS NOT NULL OR t.resolution_due_at IS NOT NULL) AS has_sla,
               -- A target passed counts even if no sweep flagged it (yet).
               (COALESCE(t.first_response_at, now()) > t.first_response_due_at
                OR COALESCE(t.resolved_at, now()) > t.resolution_due_at) AS sla_late,
               (t.sentiment = 'frustrated' OR t.sentiment_score < 0
                OR t.issue_type = ANY(%(complaint_types)s)) AS complaint,
               {bucket} AS bucket
        FROM tickets_ticket t {join_customer}
        WHERE {where}
    ),
    ev AS (
        SELECT e.ticket_id,
            bool_or(e.kind = 'escalated' AND COALESCE((e.data->>'to_tier_is_senior')::boolean,
                                                      (e.data->>'to_senior')::boolean,
                                                      tier.is_senior, false)) AS escalated,
            bool_or(e.kind = 'triaged') AS triaged,
            bool_or(e.kind = 'classification_overridden') AS overridden,
            bool_or(e.kind = 'sla_breached') AS sla_event,
            count(*) FILTER (WHERE e.kind = 'reply_sent'
                             AND NOT COALESCE((e.data->>'is_auto')::boolean, false)) AS public_replies,
            count(*) FILTER (WHERE e.kind = 'reply_sent'
                             AND jsonb_typeof(e.data->'draft_similarity') = 'number') AS drafts_used,
            count(*) FILTER (WHERE e.kind = 'reply_sent'
                             AND jsonb_typeof(e.data->'draft_similarity') = 'number'
                             AND (e.data->>'draft_similarity')::float >= %(accepted)s) AS drafts_accepted,
            count(*) FILTER (WHERE e.kind = 'draft_discarded') AS drafts_discarded,
            count(*) FILTER (WHERE e.kind = 'csat_received'
                             AND jsonb_typeof(e.data->'score') = 'number') AS csat_n,
            sum((e.data->>'score')::float) FILTER (WHERE e.kind = 'csat_received'
                             AND jsonb_typeof(e.data->'score') = 'number') AS csat_sum,
            count(*) FILTER (WHERE e.kind = 'csat_received' AND jsonb_typeof(e.data->'score') = 'number'
                             AND (e.data->>'score')::float >= 4) AS csat_good
        FROM tickets_ticketevent e
        JOIN base b ON b.id = e.ticket_id
        LEFT JOIN routing_tier tier ON e.kind = 'escalated' AND tier.slug = e.data->>'to_tier'
        -- No event of a ticket precedes its first message: the time bound lets the (kind, at)
        -- index skip the history before the period.
        WHERE e.kind = ANY(%(kinds)s) AND e.at >= %(start)s
        GROUP BY e.ticket_id
    ),
    history AS (
        SELECT h.id,
               h.first_message_at - lag(h.first_message_at) OVER (
                   PARTITION BY h.customer_id, h.issue_type ORDER BY h.first_message_at, h.id
               ) <= make_interval(days => %(repeat_days)s) AS is_repeat
        FROM tickets_ticket h
        WHERE h.customer_id IN (SELECT customer_id FROM base) AND h.issue_type <> ''
          AND h.first_message_at < %(end)s
          AND h.first_message_at >= %(start)s - make_interval(days => %(repeat_days)s)
    ),
    joined AS (
        -- Each instant is turned into local seconds once ("le": since Monday 2001-01-01 in the
        -- team's time zone); OFFSET 0 keeps them plain columns so the business clock inlines
        -- as float arithmetic.
        SELECT b.*, ev.escalated, ev.triaged, ev.overridden, ev.public_replies, ev.drafts_used,
               ev.drafts_accepted, ev.drafts_discarded, ev.csat_n, ev.csat_sum, ev.csat_good,
               ev.sla_event, history.is_repeat, cal.team_id AS cal_team, cal.cum, cal.a1, cal.b1, cal.a2, cal.b2,
               date_part('epoch', (b.first_message_at AT TIME ZONE cal.tz) - timestamp '2001-01-01') AS fm_le,
               date_part('epoch', (b.first_response_at AT TIME ZONE cal.tz) - timestamp '2001-01-01') AS fr_le,
               date_part('epoch', (b.resolved_at AT TIME ZONE cal.tz) - timestamp '2001-01-01') AS rs_le
        FROM base b
        LEFT JOIN ev ON ev.ticket_id = b.id
        LEFT JOIN history ON history.id = b.id
        LEFT JOIN cal ON cal.team_id = b.team_id
        OFFSET 0
    ),
    rows AS MATERIALIZED (
        SELECT j.id, j.bucket, j.customer_id, j.root_cause_id, j.complaint, j.has_sla,
            date_part('epoch', j.first_response_at - j.first_message_at) AS frt_s,
            CASE WHEN j.cal_team IS NULL THEN date_part('epoch', j.first_response_at - j.first_message_at)
                 WHEN j.fr_le IS NULL THEN NULL
                 ELSE GREATEST(analytics_business_clock(j.fr_le, j.cum, j.a1, j.b1, j.a2, j.b2)
                               - analytics_business_clock(j.fm_le, j.cum, j.a1, j.b1, j.a2, j.b2), 0)
            END AS frt_bh,
            date_part('epoch', j.resolved_at - j.first_message_at) AS res_s,
            CASE WHEN j.cal_team IS NULL THEN date_part('epoch', j.resolved_at - j.first_message_at)
                 WHEN j.rs_le IS NULL THEN NULL
                 ELSE GREATEST(analytics_business_clock(j.rs_le, j.cum, j.a1, j.b1, j.a2, j.b2)
                               - analytics_business_clock(j.fm_le, j.cum, j.a1, j.b1, j.a2, j.b2), 0)
            END AS res_bh,
            j.resolved_at IS NOT NULL AS resolved,
            COALESCE(j.escalated, false) AS escalated,
            COALESCE(j.triaged, false) AS triaged,
            COALESCE(j.overridden, false) AS overridden,
            (j.resolved_at IS NOT NULL AND j.reopen_count = 0 AND COALESCE(j.public_replies, 0) = 1) AS fcr,
            COALESCE(j.drafts_used, 0) AS drafts_used,
            COALESCE(j.drafts_accepted, 0) AS drafts_accepted,
            COALESCE(j.drafts_discarded, 0) AS drafts_discarded,
            COALESCE(j.csat_n, 0) AS csat_n,
            COALESCE(j.csat_sum, 0) AS csat_sum,
            COALESCE(j.csat_good, 0) AS csat_good,
            (j.sla_breached OR COALESCE(j.sla_event, false) OR COALESCE(j.sla_late, false)) AS sla_missed,
            COALESCE(j.is_repeat, false) AS is_repeat
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


def aggregate_rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run ``sql`` (a ``per_ticket_sql``) plus the aggregates; one dict of raw sums per bucket."""
    with transaction.atomic(), connection.cursor() as cursor:
        # The percentiles and distinct counts sort in memory rather than spill to disk.
        cursor.execute(f"SET LOCAL work_mem = '{METRICS_WORK_MEM}'")
        cursor.execute(sql + _AGGREGATES, params)
        columns = [col.name for col in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        # One sort per measure gives both percentiles: (median, p90).
        for prefix in ("frt", "frt_bh", "res", "res_bh"):
            row[f"{prefix}_median"], row[f"{prefix}_p90"] = row.pop(f"{prefix}_pct") or (None, None)
    return rows


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
