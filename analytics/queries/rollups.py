"""The metrics read from the daily rollups (``analytics_dailyrollup``).

A rollup row holds one local day × team × channel × issue type: counts and sums that add up,
and the values that do not (first response and resolution times for the percentiles, customer
ids for the distinct counts, the earliest SLA target still running, missed once ``now()`` passes
it). ``ROLLUP_SELECT`` makes such rows from the per-ticket rows of ``metrics.per_ticket_sql``;
the roll-up job stores them (``analytics.rollups``) and the read below makes them on the fly
for the days the table does not hold yet ("stale": a ticket of that day touched since the fold,
or facts folded since the roll-up), so a read is exact at any time and costs, for the days held,
one row per day and group instead of one per ticket.

Filters on tier or VIP level are not rollup dimensions: those reads stay per ticket
(``metrics.per_ticket_sql``), as do the drill-downs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from analytics.queries import metrics
from analytics.queries.calendar import Calendar, calendar_fingerprint, team_calendars
from analytics.queries.facts import dirty_sql, read_watermark
from analytics.queries.filters import MetricFilters

# Rollup column -> its aggregate over per-ticket ``rows`` (``metrics.per_ticket_sql``).
ROLLUP_AGGREGATES = {
    "volume": "count(*)",
    "frt_missing": "count(*) FILTER (WHERE frt_s IS NULL)",
    "escalated": "count(*) FILTER (WHERE escalated)",
    "drafts_accepted": "coalesce(sum(drafts_accepted), 0)",
    "drafts_total": "coalesce(sum(drafts_used + drafts_discarded), 0)",
    "overridden": "count(*) FILTER (WHERE triaged AND overridden)",
    "triaged": "count(*) FILTER (WHERE triaged)",
    "recovery_sum": "coalesce(sum(csat_sum) FILTER (WHERE complaint), 0)",
    "recovery_n": "coalesce(sum(csat_n) FILTER (WHERE complaint), 0)",
    "recovery_good": "coalesce(sum(csat_good) FILTER (WHERE complaint), 0)",
    "with_root_cause": "count(*) FILTER (WHERE resolved AND root_cause_id IS NOT NULL)",
    "resolved": "count(*) FILTER (WHERE resolved)",
    "fcr": "count(*) FILTER (WHERE fcr)",
    "csat_sum": "coalesce(sum(csat_sum), 0)",
    "csat_n": "coalesce(sum(csat_n), 0)",
    "csat_good": "coalesce(sum(csat_good), 0)",
    "sla_total": "count(*) FILTER (WHERE has_sla)",
    "sla_settled": "count(*) FILTER (WHERE has_sla AND sla_settled)",
    "sla_pending_due": "coalesce(array_agg(sla_pending_due) FILTER "
    "(WHERE has_sla AND NOT sla_settled AND sla_pending_due IS NOT NULL), '{}')",
    "frt_s": "coalesce(array_agg(frt_s) FILTER (WHERE frt_s IS NOT NULL), '{}')",
    "frt_bh": "coalesce(array_agg(frt_bh) FILTER (WHERE frt_bh IS NOT NULL), '{}')",
    "res_s": "coalesce(array_agg(res_s) FILTER (WHERE res_s IS NOT NULL), '{}')",
    "res_bh": "coalesce(array_agg(res_bh) FILTER (WHERE res_bh IS NOT NULL), '{}')",
    "customers": "coalesce(array_agg(DISTINCT customer_id), '{}')",
    "repeat_customers": "coalesce(array_agg(DISTINCT customer_id) FILTER (WHERE is_repeat), '{}')",
}
ROLLUP_COLUMNS = tuple(ROLLUP_AGGREGATES)
GROUP_COLUMNS = ("team_id", "channel", "issue_type")

# The local day of a ticket's first message: the rollup's day, and the metrics' periods.
LOCAL_DAY = "(t.first_message_at AT TIME ZONE %(tz)s)::date"

ROLLUP_SELECT = (
    "SELECT bucket, series_bucket, team_id, channel, issue_type, "
    + ", ".join(f"{aggregate} AS {column}" for column, aggregate in ROLLUP_AGGREGATES.items())
    + " FROM rows GROUP BY bucket, series_bucket, team_id, channel, issue_type"
)

STALE_DAYS = f"""
    WITH {{dirty}},
    stale_days AS (
        -- Days with a ticket touched since the fold, or with facts folded since the roll-up.
        SELECT {LOCAL_DAY.replace("t.", "x.")} AS day
        FROM dirty d JOIN tickets_ticket x ON x.id = d.id
        UNION
        SELECT {LOCAL_DAY.replace("t.", "f.")}
        FROM analytics_ticketfacts f WHERE f.folded_at > %(rolled_to)s
    )
    SELECT day FROM stale_days WHERE day >= %(first_day)s AND day <= %(last_day)s ORDER BY day
"""


_SUMMED = [c for c in ROLLUP_COLUMNS if c not in ("sla_pending_due", "frt_s", "frt_bh", "res_s", "res_bh")]
_SUMMED = [c for c in _SUMMED if c not in ("customers", "repeat_customers")]

# One pass over the rows: their value arrays unnested side by side (the shorter ones padded with
# NULLs, which the aggregates skip); each row's sums counted on its first unnested row only.
_AGGREGATE_ROLLUPS = (
    """
    SELECT {head} """
    + ", ".join(
        f"coalesce(sum(r.{c}) FILTER (WHERE u.n IS NULL OR u.n = 1), 0) AS {c}"
        for c in _SUMMED
        if c not in ("sla_total", "sla_settled")
    )
    + """,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY u.frt_s) AS frt_pct,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY u.frt_bh) AS frt_bh_pct,
        count(u.frt_s) AS frt_n,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY u.res_s) AS res_pct,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY u.res_bh) AS res_bh_pct,
        count(u.res_s) AS res_n,
        count(DISTINCT u.customer) AS customers,
        count(DISTINCT u.repeat_customer) AS repeat_customers,
        coalesce(sum(r.sla_total - r.sla_settled) FILTER (WHERE u.n IS NULL OR u.n = 1), 0)
            - count(u.due) FILTER (WHERE u.due < now()) AS sla_met,
        coalesce(sum(r.sla_total) FILTER (WHERE u.n IS NULL OR u.n = 1), 0) AS sla_total
    FROM r
    LEFT JOIN LATERAL unnest(r.frt_s, r.frt_bh, r.res_s, r.res_bh, r.customers, r.repeat_customers,
                             r.sla_pending_due)
        WITH ORDINALITY AS u(frt_s, frt_bh, res_s, res_bh, customer, repeat_customer, due, n) ON true
    {grouping}
"""
)
_BY_BUCKET = {"head": "r.bucket,", "grouping": "GROUP BY r.bucket ORDER BY r.bucket"}
# Grouped twice in the same pass: per bucket, and per series bucket (as in
# ``metrics.aggregate_rows_and_series``).
_BY_BUCKET_AND_SERIES = {
    "head": "GROUPING(r.series_bucket) = 0 AS in_series, r.bucket, r.series_bucket,",
    "grouping": "GROUP BY GROUPING SETS ((r.bucket), (r.series_bucket))",
}

STATE_SQL = "SELECT rolled_to, fingerprint FROM analytics_dailyrollupstate WHERE id = 1"


def fingerprint(
    complaint_types: Sequence[str], repeat_days: int, calendars: Mapping[int, Calendar] | None = None
) -> str:
    """What the stored rows depend on besides the facts: the time zone of their days, the
    complaint issue types, the repeat window and the team calendars (business seconds)."""
    parts = [
        timezone.get_current_timezone_name(),
        ",".join(sorted(complaint_types)),
        str(repeat_days),
        calendar_fingerprint(team_calendars() if calendars is None else calendars),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def day_ranges(days: Sequence[date]) -> tuple[str, dict[str, Any]]:
    """A condition over ``t.first_message_at`` selecting the local ``days``: one range between
    local midnights per day, so the period index is used (not an expression per row)."""
    params = {}
    for number, day in enumerate(days):
        params[f"day_from_{number}"] = _midnight(day)
        params[f"day_to_{number}"] = _midnight(day + timedelta(days=1))
    within = " OR ".join(
        f"(t.first_message_at >= %(day_from_{n})s AND t.first_message_at < %(day_to_{n})s)"
        for n in range(len(days))
    )
    return f"({within})", params


def _watermark(cursor, calendars: Mapping[int, Calendar]) -> dict[str, Any]:
    return read_watermark(cursor, current_calendars=calendar_fingerprint(calendars))


# Reading the rollups pays when their rows hold many tickets each (a busy store: hundreds a day
# per team, channel and issue type). Measured here at 30,000 tickets over 60 days (about two
# tickets per row) the rollups were no faster than the facts, so sparser rollups are not read.
MIN_TICKETS_PER_ROW = 10

_DENSITY_SQL = (
    "SELECT count(*), coalesce(sum(volume), 0) FROM analytics_dailyrollup"
    " WHERE day >= %(first_day)s AND day <= %(last_day)s"
)


def _answers(cursor, first_day: date, last_day: date, print_: str):
    """The state row (rolled_to, fingerprint) when the rollups answer for these days, else None."""
    cursor.execute(STATE_SQL)
    state = cursor.fetchone()
    if state is None or state[1] != print_:
        return None
    cursor.execute(_DENSITY_SQL, {"first_day": first_day, "last_day": last_day})
    rows, volume = cursor.fetchone()
    if not rows or volume < rows * MIN_TICKETS_PER_ROW:
        return None
    return state


def usable_for(filters: MetricFilters) -> bool:
    """Whether the rollups can answer ``filters`` (tier and VIP level are not dimensions)."""
    return not filters.tier and not filters.vip


def rollup_buckets(
    filters: MetricFilters,
    *,
    complaint_types: Sequence[str],
    repeat_days: int,
    calendars: Mapping[int, Calendar] | None = None,
    first_day: date,
    ticket_bucket: str,
    day_bucket: str,
    params: dict[str, Any],
    series: tuple[str, str] | None = None,
) -> list[dict[str, Any]] | None:
    """Raw sums per bucket (as ``metrics.aggregate_rows`` returns them) for the tickets of
    ``filters`` whose first message falls from ``first_day`` to ``filters.end``; None when the
    rollups cannot answer (a tier or VIP filter, nothing rolled up yet, rolled up under another
    configuration, or too sparse to be worth it): then the caller reads per ticket.

    ``ticket_bucket`` is the bucket as an expression over a ticket ``t`` (``first_message_at``),
    ``day_bucket`` the same bucket over a rollup row ``t`` (``day``); ``params`` theirs.
    ``series`` (the same pair for a second grouping, the day or week) groups the rows a second
    time in the same statement: those rows come with ``in_series`` and ``series_bucket``.
    """
    if not usable_for(filters):
        return None
    calendars = team_calendars() if calendars is None else calendars
    print_ = fingerprint(complaint_types, repeat_days, calendars)
    with transaction.atomic(), connection.cursor() as cursor:
        state = _answers(cursor, first_day, filters.end, print_)
        if state is None:
            return None
        tz = timezone.get_current_timezone_name()
        days = {"tz": tz, "rolled_to": state[0], "first_day": first_day, "last_day": filters.end}
        cursor.execute(STALE_DAYS.format(dirty=dirty_sql()), {**days, **_watermark(cursor, calendars)})
        stale = [row[0] for row in cursor.fetchall()]
        conditions, condition_params = filters.ticket_conditions()
        held_where = " AND ".join(
            ["t.day >= %(first_day)s", "t.day <= %(last_day)s", "NOT t.day = ANY(%(stale)s)", *conditions]
        )
        columns = ", ".join(ROLLUP_COLUMNS)
        series_ticket, series_day = series or ("NULL::date", "NULL::date")
        aggregate = _AGGREGATE_ROLLUPS.format(**(_BY_BUCKET_AND_SERIES if series else _BY_BUCKET))
        held = (
            f"SELECT {day_bucket} AS bucket, {series_day} AS series_bucket, {columns}"
            f" FROM analytics_dailyrollup t WHERE {held_where}"
        )
        sql_params = {**condition_params, **days, **params, "stale": stale}
        if stale:
            # The stale days per ticket, as the metrics without rollups compute them.
            within, ranges = day_ranges(stale)
            sql, ticket_params = metrics.per_ticket_sql(
                filters,
                start=_midnight(stale[0]),
                end=_midnight(stale[-1] + timedelta(days=1)),
                bucket=ticket_bucket,
                series_bucket=series_ticket,
                complaint_types=complaint_types,
                repeat_days=repeat_days,
                extra_where=within,
            )
            sql += f""",
    live AS ({ROLLUP_SELECT}),
    r AS (SELECT bucket, series_bucket, {columns} FROM live UNION ALL {held}){aggregate}"""
            sql_params.update({**ticket_params, **ranges})
            metrics.execute_rows(cursor, sql, sql_params)
        else:
            cursor.execute(f"WITH r AS ({held}){aggregate}", sql_params)
        names = [col.name for col in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for prefix in ("frt", "frt_bh", "res", "res_bh"):
            row[f"{prefix}_median"], row[f"{prefix}_p90"] = row.pop(f"{prefix}_pct") or (None, None)
    return rows
