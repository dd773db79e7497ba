"""Analytics background jobs (django-q2). Thin and idempotent; the work is in ``patterns`` and
``queries.dashboard``."""

from __future__ import annotations

from django.db import connection

from analytics import patterns
from analytics.facts import fold_ticket_facts
from analytics.queries.dashboard import stage_visits_sql, stage_watermark
from analytics.rollups import roll_up_days

# Events committed out of id order (concurrent transactions) are caught by re-scanning this many.
RESCAN_EVENTS = 1000


def detect_patterns() -> int:
    """Weekly (and on demand from the review page): raise pattern and cluster alerts. Safe to
    run twice: an alert is never raised twice for the same tickets. Returns the new alerts."""
    return len(patterns.detect_patterns()) + len(patterns.detect_clusters())


def refresh_stage_durations() -> int:
    """Fold the STAGE_CHANGED events recorded since the last run into ``StageDuration``.

    Idempotent on the event id (``ON CONFLICT DO NOTHING``); the dashboard adds the events not
    folded in yet, so a late run only costs speed, never correctness. Returns the rows added.
    """
    sql = f"""
        INSERT INTO analytics_stageduration (ticket_id, stage, entered_at, left_at, seconds, event_id)
        SELECT ticket_id, stage, entered_at, left_at, seconds, event_id FROM ({stage_visits_sql()}) visits
        ON CONFLICT (event_id) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"after": max(0, stage_watermark() - RESCAN_EVENTS)})
        return cursor.rowcount


def refresh_ticket_facts() -> int:
    """Fold the tickets touched since the last run into ``TicketFacts`` (every minute), then
    roll the days they fall on up into ``DailyRollup``.

    Idempotent (each touched ticket's row is recomputed); the metrics compute the tickets not
    folded yet on the fly, so a late run only costs speed. Returns the tickets folded.
    """
    done = fold_ticket_facts()
    # The days folded just now are rolled up at once, so the metrics read them from the rollups.
    roll_up_days()
    return done
