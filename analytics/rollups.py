"""Rolling ``TicketFacts`` up into ``DailyRollup``: set-based, incremental, idempotent.

``roll_up_days()`` runs after each fold (``analytics.jobs.refresh_ticket_facts``) under the
fold's advisory lock, so no fold commits facts while it reads them. It recomputes the local
days whose facts were folded since the last roll-up (``TicketFacts.folded_at`` is indexed):
one DELETE of those days' rows and one ``INSERT ... SELECT`` grouped by day × team × channel ×
issue type, built from the same per-ticket rows the metrics aggregate
(``analytics.queries.rollups.ROLLUP_SELECT`` over ``metrics.per_ticket_sql``). When the
configuration the rows depend on changed (time zone, complaint types, repeat window,
calendars), every day is rolled up again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from analytics.models import DailyRollupState
from analytics.queries import metrics
from analytics.queries.filters import MetricFilters
from analytics.queries.report import MetricContext
from analytics.queries.rollups import (
    GROUP_COLUMNS,
    LOCAL_DAY,
    ROLLUP_COLUMNS,
    ROLLUP_SELECT,
    day_ranges,
    fingerprint,
)
from helpdesk.locks import exclusive

FOLD_LOCK = "analytics.fold_ticket_facts"


def roll_up_days(*, full: bool = False) -> int:
    """Recompute the rollups of the days folded since the last run (every day with ``full``, on
    the first run, or after a configuration change). Returns the days rolled up."""
    with exclusive(FOLD_LOCK, wait=True):
        return _roll_up(full=full)


def _roll_up(*, full: bool) -> int:
    context = MetricContext.load()
    print_ = fingerprint(context.complaint_types, context.repeat_days)
    state = DailyRollupState.objects.filter(pk=1).first()
    full = full or state is None or state.fingerprint != print_
    tz = timezone.get_current_timezone_name()
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(folded_at) FROM analytics_ticketfacts")
        (rolled_to,) = cursor.fetchone()
        if rolled_to is None:
            return 0
        day = LOCAL_DAY.replace("t.", "f.")
        if full:
            cursor.execute(f"SELECT DISTINCT {day} FROM analytics_ticketfacts f", {"tz": tz})
        else:
            cursor.execute(
                f"SELECT DISTINCT {day} FROM analytics_ticketfacts f WHERE f.folded_at > %(after)s",
                {"tz": tz, "after": state.rolled_to},
            )
        days = sorted(row[0] for row in cursor.fetchall())
    with transaction.atomic():
        if days:
            _write_days(days, context, tz, full=full)
        DailyRollupState.objects.update_or_create(
            pk=1, defaults={"rolled_to": rolled_to, "fingerprint": print_, "rolled_at": timezone.now()}
        )
    return len(days)


def _write_days(days: list, context: MetricContext, tz: str, *, full: bool) -> None:
    first, last = days[0], days[-1]
    # Any filters object: no filter is set, only the period below matters.
    filters = MetricFilters(start=first, end=last)
    within, ranges = day_ranges(days)
    sql, params = metrics.per_ticket_sql(
        filters,
        start=timezone.make_aware(datetime.combine(first, time.min)),
        end=timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min)),
        bucket=LOCAL_DAY,
        complaint_types=context.complaint_types,
        repeat_days=context.repeat_days,
        extra_where=within,
    )
    columns = ", ".join(("day", *GROUP_COLUMNS, *ROLLUP_COLUMNS))
    selected = ", ".join(("bucket", *GROUP_COLUMNS, *ROLLUP_COLUMNS))
    insert = f"""
        INSERT INTO analytics_dailyrollup ({columns})
        SELECT {selected} FROM ({ROLLUP_SELECT}) rolled
    """
    params.update({"tz": tz, **ranges})
    with connection.cursor() as cursor:
        if full:
            cursor.execute("DELETE FROM analytics_dailyrollup")
        else:
            cursor.execute("DELETE FROM analytics_dailyrollup WHERE day = ANY(%s)", [days])
        metrics.execute_rows(cursor, sql + insert, params)
