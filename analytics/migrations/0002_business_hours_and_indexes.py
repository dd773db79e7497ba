"""The business-seconds SQL function and the indexes the metric and dashboard queries use.

The indexes are on tickets' tables but exist for analytics' reads, so they live (and are
dropped) with analytics; their names start with ``analytics_``.
"""

from django.db import migrations

BUSINESS_SECONDS = """
CREATE OR REPLACE FUNCTION analytics_business_seconds(
    start_at timestamptz, end_at timestamptz, tz text, work_days int[], opens time, closes time
) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN start_at IS NULL OR end_at IS NULL THEN NULL
        WHEN end_at <= start_at THEN 0::double precision
        ELSE (
            SELECT COALESCE(sum(GREATEST(0, extract(epoch FROM
                LEAST(end_at, (day + closes) AT TIME ZONE tz)
                - GREATEST(start_at, (day + opens) AT TIME ZONE tz)))), 0)::double precision
            FROM generate_series((start_at AT TIME ZONE tz)::date::timestamp,
                                 (end_at AT TIME ZONE tz)::date::timestamp,
                                 interval '1 day') AS day
            WHERE extract(isodow FROM day)::int = ANY(work_days)
        )
    END
$$;
"""

INDEXES = [
    ("analytics_ticket_first_msg_idx", "tickets_ticket (first_message_at)"),
    (
        "analytics_ticket_open_stage_idx",
        "tickets_ticket (stage, first_message_at) WHERE status IN ('open', 'pending')",
    ),
    (
        "analytics_ticket_open_age_idx",
        "tickets_ticket (first_message_at) INCLUDE (tier_id, team_id, stage) WHERE status IN ('open', 'pending')",
    ),
    ("analytics_ticket_repeat_idx", "tickets_ticket (customer_id, issue_type, first_message_at)"),
    ("analytics_event_stage_idx", "tickets_ticketevent (ticket_id, at, id) WHERE kind = 'stage_changed'"),
    ("analytics_event_stage_id_idx", "tickets_ticketevent (id) WHERE kind = 'stage_changed'"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_pattern_alerts"),
    ]

    operations = [
        migrations.RunSQL(BUSINESS_SECONDS, "DROP FUNCTION IF EXISTS analytics_business_seconds;"),
        *[
            migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {target};", f"DROP INDEX IF EXISTS {name};")
            for name, target in INDEXES
        ],
    ]
