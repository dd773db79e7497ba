"""What the AI did, measured from the event log and the messages (one SQL statement).

- ``ai_resolution_rate``: tickets resolved or closed with an AI answer and no message from a
  person / tickets created in the period.
- ``ai_reopen_rate``: tickets the AI resolved that were reopened afterwards / tickets the AI resolved.
- ``ai_csat`` against ``human_csat``: follow-up scores on AI-resolved tickets against the others.
- ``ai_review_accuracy``: AI replies reviewers marked right / AI replies reviewed (reviews in
  the period).

The period is the report's (tickets by first message); the other report filters do not apply
to these figures yet.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from analytics.queries.filters import MetricFilters
from analytics.queries.metrics import _rate, _score

AI_METRICS_SQL = """
WITH period AS (
    SELECT t.id, t.status, t.reopen_count,
        EXISTS (SELECT 1 FROM tickets_message m WHERE m.ticket_id = t.id AND m.direction = 'outbound'
                AND m.author_kind = 'ai' AND NOT m.is_auto AND NOT m.is_internal) AS ai_answered,
        EXISTS (SELECT 1 FROM tickets_message m WHERE m.ticket_id = t.id AND m.direction = 'outbound'
                AND m.author_kind = 'agent' AND NOT m.is_internal) AS human_answered,
        (SELECT min(e.at) FROM tickets_ticketevent e WHERE e.ticket_id = t.id AND e.kind = 'resolved'
                AND e.data->>'resolution_method' = 'ai_automated') AS ai_resolved_at
    FROM tickets_ticket t
    WHERE t.first_message_at >= %(start)s AND t.first_message_at < %(end)s
), scored AS (
    SELECT p.*, (e.data->>'score')::numeric AS score
    FROM period p
    JOIN tickets_ticketevent e ON e.ticket_id = p.id AND e.kind = 'csat_received'
         AND jsonb_typeof(e.data->'score') = 'number'
)
SELECT
    (SELECT count(*) FROM period) AS volume,
    (SELECT count(*) FROM period WHERE ai_answered AND NOT human_answered
        AND status IN ('resolved', 'closed')) AS ai_resolved,
    (SELECT count(*) FROM period WHERE ai_resolved_at IS NOT NULL) AS ai_resolved_ever,
    (SELECT count(*) FROM period p WHERE ai_resolved_at IS NOT NULL AND EXISTS (
        SELECT 1 FROM tickets_ticketevent e WHERE e.ticket_id = p.id AND e.kind = 'reopened'
        AND e.at > p.ai_resolved_at)) AS ai_reopened,
    (SELECT count(*) FROM scored WHERE ai_answered AND NOT human_answered) AS ai_csat_n,
    (SELECT coalesce(sum(score), 0) FROM scored WHERE ai_answered AND NOT human_answered) AS ai_csat_sum,
    (SELECT count(*) FROM scored WHERE ai_answered AND NOT human_answered AND score >= 4) AS ai_csat_good,
    (SELECT count(*) FROM scored WHERE human_answered) AS human_csat_n,
    (SELECT coalesce(sum(score), 0) FROM scored WHERE human_answered) AS human_csat_sum,
    (SELECT count(*) FROM scored WHERE human_answered AND score >= 4) AS human_csat_good,
    (SELECT count(*) FROM tickets_ticketevent e WHERE e.kind = 'ai_action' AND e.data->>'action' = 'reviewed'
        AND e.at >= %(start)s AND e.at < %(end)s) AS reviewed,
    (SELECT count(*) FROM tickets_ticketevent e WHERE e.kind = 'ai_action' AND e.data->>'action' = 'reviewed'
        AND e.data->>'verdict' = 'right' AND e.at >= %(start)s AND e.at < %(end)s) AS reviewed_right
"""


def ai_metrics(filters: MetricFilters) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(AI_METRICS_SQL, {"start": filters.start_at, "end": filters.end_at})
        columns = [c.name for c in cursor.description]
        raw = dict(zip(columns, cursor.fetchone(), strict=True))
    return {
        "ai_resolution_rate": _rate(raw["ai_resolved"], raw["volume"]),
        "ai_reopen_rate": _rate(raw["ai_reopened"], raw["ai_resolved_ever"]),
        "ai_csat": _score(raw["ai_csat_sum"], raw["ai_csat_n"], raw["ai_csat_good"]),
        "human_csat": _score(raw["human_csat_sum"], raw["human_csat_n"], raw["human_csat_good"]),
        "ai_review_accuracy": _rate(raw["reviewed_right"], raw["reviewed"]),
    }
