"""Folding tickets into ``TicketFacts``: set-based, batched, idempotent.

``fold_ticket_facts()`` re-folds the tickets touched since the watermark (events recorded
after it, or tickets saved after it, less the rescan margins), ``full=True`` every ticket by id
range. Each batch is one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` built from
``analytics.queries.facts.facts_select``, the same SELECT the metrics run on the fly for the
tickets not folded yet.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from analytics.models import TicketFactsWatermark
from analytics.queries.calendar import calendar_cte, calendar_fingerprint, team_calendars
from analytics.queries.facts import (
    FACT_COLUMNS,
    dirty_sql,
    facts_params,
    facts_select,
    read_watermark,
)
from helpdesk.locks import exclusive

BATCH = 50_000

_UPSERT = (
    f"INSERT INTO analytics_ticketfacts ({', '.join(FACT_COLUMNS)}) {{select}}"
    " ON CONFLICT (ticket_id) DO UPDATE SET "
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in FACT_COLUMNS[1:])
)


def fold_ticket_facts(
    *, full: bool = False, batch: int = BATCH, progress: Callable[[int, int], object] | None = None
) -> int:
    """Fold the touched tickets (or, with ``full`` or before the first fold, all of them).

    Safe to run at any time and twice: a ticket's row is recomputed from scratch. ``progress``
    is called with (tickets done, tickets to do) after each batch. Returns the tickets folded.

    Folds are serialised by an advisory lock (two folds upserting overlapping rows deadlock): a
    full fold waits for a running one, a touched-tickets fold skips (returns 0), since the fold
    running already covers it or the next minute's will.
    """
    with exclusive("analytics.fold_ticket_facts", wait=full) as acquired:
        if not acquired:
            return 0
        return _fold(full=full, batch=batch, progress=progress)


def _fold(*, full: bool, batch: int, progress: Callable[[int, int], object] | None) -> int:
    calendars = team_calendars()
    cal_sql, cal_params = calendar_cte(calendars)
    fingerprint = calendar_fingerprint(calendars)
    params = {**facts_params(), **cal_params}
    with connection.cursor() as cursor:
        # Read the new watermark first: whatever is recorded after this point is folded next time.
        cursor.execute("SELECT clock_timestamp(), COALESCE(max(id), 0) FROM tickets_ticketevent")
        new_time, new_event = cursor.fetchone()
        mark = read_watermark(cursor, current_calendars=fingerprint)
    # Other calendars invalidate every folded business duration: fold everything again.
    if full or not mark["calendars_folded"]:
        done = _fold_all(f"WITH {cal_sql} ", params, batch, progress)
    else:
        done = _fold_touched(f"WITH {cal_sql} ", {**params, **mark}, batch, progress)
    TicketFactsWatermark.objects.update_or_create(
        pk=1,
        defaults={
            "event_id": new_event,
            "ticket_updated_at": new_time,
            "calendars": fingerprint,
            "folded_at": timezone.now(),
        },
    )
    return done


def _fold_all(with_cal: str, params: dict, batch: int, progress: Callable[[int, int], object] | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM tickets_ticket")
        low, high, total = cursor.fetchone()
    if not total:
        return 0
    done = 0
    select = facts_select(
        tickets_where="t.id >= %(low)s AND t.id < %(high)s",
        events_where="e.ticket_id >= %(low)s AND e.ticket_id < %(high)s",
    )
    for start in range(low, high + 1, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _UPSERT.format(select=with_cal + select), {**params, "low": start, "high": start + batch}
            )
            done += cursor.rowcount
        if progress:
            progress(done, total)
    return done


def _fold_touched(
    with_cal: str, params: dict, batch: int, progress: Callable[[int, int], object] | None
) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {dirty_sql()} SELECT id FROM dirty ORDER BY id", params)
        ids = [row[0] for row in cursor.fetchall()]
    done = 0
    select = facts_select(tickets_where="t.id = ANY(%(ids)s)", events_where="e.ticket_id = ANY(%(ids)s)")
    for start in range(0, len(ids), batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _UPSERT.format(select=with_cal + select), {**params, "ids": ids[start : start + batch]}
            )
            done += cursor.rowcount
        if progress:
            progress(done, len(ids))
    return done
