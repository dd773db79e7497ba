"""The per-ticket facts the metrics aggregate, as one SQL ``SELECT`` over ``tickets_ticket t``.

``facts_select`` is the single definition: the fold (``analytics.facts``) writes its rows into
``analytics_ticketfacts``, and the metrics compute the same rows on the fly for the tickets
touched since the last fold (``dirty_sql``), so both paths give identical numbers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from analytics.queries.definitions import DRAFT_ACCEPTED_SIMILARITY

# Columns of ``analytics_ticketfacts`` in the order ``facts_select`` returns them.
FACT_COLUMNS = (
    "ticket_id",
    "customer_id",
    "first_message_at",
    "channel",
    "issue_type",
    "team_id",
    "tier_id",
    "first_response_at",
    "resolved_at",
    "reopen_count",
    "root_cause_id",
    "negative_sentiment",
    "prev_contact_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_business_s",
    "resolution_business_s",
    "sla_missed_settled",
    "escalated",
    "triaged",
    "overridden",
    "public_replies",
    "drafts_used",
    "drafts_accepted",
    "drafts_discarded",
    "csat_n",
    "csat_sum",
    "csat_good",
    "folded_at",
)

FACT_EVENT_KINDS = (
    "escalated",
    "triaged",
    "classification_overridden",
    "reply_sent",
    "draft_discarded",
    "sla_breached",
    "csat_received",
)

# A transaction can commit events (or a ticket save) after a fold read past them: ids are taken
# at insert, ``updated_at`` at save, both before the commit. Everything this close to the
# watermark is treated as not folded yet, by the metrics and by the next fold.
RESCAN_EVENTS = 1000
RESCAN_WINDOW = timedelta(minutes=5)


def facts_params() -> dict[str, Any]:
    return {"fact_kinds": list(FACT_EVENT_KINDS), "fact_accepted": DRAFT_ACCEPTED_SIMILARITY}


def _local_seconds(instant: str) -> str:
    # Seconds since Monday 2001-01-01 in the team's time zone: the business clock's input.
    return f"date_part('epoch', ({instant} AT TIME ZONE cal.tz) - timestamp '2001-01-01')"


def _business_seconds(instant: str) -> str:
    """Business seconds from the first message to ``instant`` in the ticket's team calendar
    (the ``cal`` CTE of ``analytics.queries.calendar``); no calendar row means 24/7."""
    week = "cal.cum, cal.a1, cal.b1, cal.a2, cal.b2, cal.hd, cal.hc"
    return f"""CASE WHEN cal.team_id IS NULL THEN date_part('epoch', {instant} - t.first_message_at)
        WHEN {instant} IS NULL THEN NULL
        ELSE GREATEST(analytics_business_clock({_local_seconds(instant)}, {week})
                      - analytics_business_clock({_local_seconds("t.first_message_at")}, {week}), 0) END"""


def facts_select(*, tickets_where: str, events_where: str, join: str = "") -> str:
    """``SELECT`` of ``FACT_COLUMNS`` for the tickets ``t`` matching ``tickets_where``; needs
    the ``cal`` CTE (``analytics.queries.calendar.calendar_cte``) in scope.

    ``events_where`` bounds the event scan (over ``tickets_ticketevent e``) to those tickets'
    events, e.g. the same id range, so a batch never reads the whole log. ``join`` adds tables
    the conditions need (the customer ``c`` for VIP filters). Params: ``facts_params()``.
    """
    return f"""
    SELECT t.id, t.customer_id, t.first_message_at, t.channel, t.issue_type, t.team_id, t.tier_id,
        t.first_response_at, t.resolved_at, t.reopen_count, t.root_cause_id,
        COALESCE(t.sentiment = 'frustrated' OR t.sentiment_score < 0, false),
        -- The previous contact in (first message, id) order: what lag() over the customer's
        -- tickets of the issue type gives; read from the (customer, issue type, time) index.
        (SELECT max(h.first_message_at) FROM tickets_ticket h
         WHERE h.customer_id = t.customer_id AND h.issue_type = t.issue_type AND t.issue_type <> ''
           AND (h.first_message_at, h.id) < (t.first_message_at, t.id)),
        t.first_response_due_at, t.resolution_due_at,
        {_business_seconds("t.first_response_at")}, {_business_seconds("t.resolved_at")},
        (t.sla_breached OR COALESCE(ev.sla_event, false)
         OR COALESCE(t.first_response_at > t.first_response_due_at, false)
         OR COALESCE(t.resolved_at > t.resolution_due_at, false)),
        COALESCE(ev.escalated, false), COALESCE(ev.triaged, false), COALESCE(ev.overridden, false),
        COALESCE(ev.public_replies, 0), COALESCE(ev.drafts_used, 0), COALESCE(ev.drafts_accepted, 0),
        COALESCE(ev.drafts_discarded, 0), COALESCE(ev.csat_n, 0), COALESCE(ev.csat_sum, 0),
        -- The wall clock, not the transaction's start: the daily rollups pick up what was
        -- folded after their last run by this column, even for folds inside one transaction.
        COALESCE(ev.csat_good, 0), clock_timestamp()
    FROM tickets_ticket t {join}
    LEFT JOIN cal ON cal.team_id = t.team_id
    LEFT JOIN (
        SELECT e.ticket_id,
            bool_or(e.kind = 'escalated' AND COALESCE((e.data->>'to_senior')::boolean, false)) AS escalated,
            bool_or(e.kind = 'triaged') AS triaged,
            bool_or(e.kind = 'classification_overridden') AS overridden,
            bool_or(e.kind = 'sla_breached') AS sla_event,
            count(*) FILTER (WHERE e.kind = 'reply_sent'
                             AND NOT COALESCE((e.data->>'is_auto')::boolean, false)) AS public_replies,
            count(*) FILTER (WHERE e.kind = 'reply_sent'
                             AND jsonb_typeof(e.data->'draft_similarity') = 'number') AS drafts_used,
            count(*) FILTER (WHERE e.kind = 'reply_sent'
                             AND jsonb_typeof(e.data->'draft_similarity') = 'number'
                             AND (e.data->>'draft_similarity')::float >= %(fact_accepted)s) AS drafts_accepted,
            count(*) FILTER (WHERE e.kind = 'draft_discarded') AS drafts_discarded,
            count(*) FILTER (WHERE e.kind = 'csat_received'
                             AND jsonb_typeof(e.data->'score') = 'number') AS csat_n,
            sum((e.data->>'score')::float) FILTER (WHERE e.kind = 'csat_received'
                             AND jsonb_typeof(e.data->'score') = 'number') AS csat_sum,
            count(*) FILTER (WHERE e.kind = 'csat_received' AND jsonb_typeof(e.data->'score') = 'number'
                             AND (e.data->>'score')::float >= 4) AS csat_good
        FROM tickets_ticketevent e
        WHERE e.kind = ANY(%(fact_kinds)s) AND {events_where}
        GROUP BY e.ticket_id
    ) ev ON ev.ticket_id = t.id
    WHERE {tickets_where}
    """


def dirty_sql(*, unfolded_where: str = "false") -> str:
    """CTEs ``touched`` and ``dirty``: the ids of tickets touched since the fold's watermark (new
    events, or a ticket saved: ``updated_at`` is indexed), less the rescan margins, and the
    later tickets of their customers (whose previous contact may change). Before the first fold
    every ticket matching ``unfolded_where`` is dirty. Params: ``read_watermark``; they are
    values, not a subquery, so the planner sees how few rows are past the watermark.
    """
    return f"""
    touched AS MATERIALIZED (
        SELECT e.ticket_id AS id FROM tickets_ticketevent e WHERE e.id > %(wm_event)s
        UNION
        SELECT t.id FROM tickets_ticket t WHERE t.updated_at > %(wm_time)s
        UNION
        SELECT t.id FROM tickets_ticket t WHERE NOT %(wm_folded)s AND {unfolded_where}
    ),
    dirty AS MATERIALIZED (
        SELECT id FROM touched
        UNION
        -- A touched ticket can be the previous contact of the customer's later tickets.
        SELECT later.id FROM touched d
        JOIN tickets_ticket x ON x.id = d.id
        JOIN tickets_ticket later ON later.customer_id = x.customer_id
                                 AND later.first_message_at > x.first_message_at
    )
    """


WATERMARK_SQL = (
    "SELECT m.event_id, m.ticket_updated_at, m.calendars FROM (SELECT 1) one"
    " LEFT JOIN analytics_ticketfactswatermark m ON m.id = 1"
)


def watermark_params(
    event_id: int | None, updated_at: Any, calendars: str | None, *, current_calendars: str
) -> dict[str, Any]:
    """The watermark the metrics and the fold trust (a row of ``WATERMARK_SQL``), less the
    rescan margins, and whether the folded business seconds are valid for the calendars now;
    before the first fold, none of it."""
    if event_id is None:
        return {"wm_event": 0, "wm_time": None, "wm_folded": False, "calendars_folded": False}
    return {
        "wm_event": max(0, event_id - RESCAN_EVENTS),
        "wm_time": updated_at - RESCAN_WINDOW,
        "wm_folded": True,
        "calendars_folded": calendars == current_calendars,
    }


def read_watermark(cursor: Any, *, current_calendars: str) -> dict[str, Any]:
    cursor.execute(WATERMARK_SQL)
    return watermark_params(*cursor.fetchone(), current_calendars=current_calendars)
