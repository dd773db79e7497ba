"""Business hours without a per-day series: a closed-form "business clock" that PostgreSQL inlines.

``analytics_business_clock(at, ...)`` counts business seconds from a fixed Monday to ``at``;
the business time between two instants is the difference of their clocks. ``cum`` has 8
entries: ``cum[d]`` = working days among ISO weekdays before ``d``, ``cum[8]`` = per week.
"""

from django.db import migrations

CLOCK = """
CREATE OR REPLACE FUNCTION analytics_business_clock(
    at timestamptz, tz text, cum int[], opens time, closes time
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(extract(epoch FROM (at AT TIME ZONE tz) - timestamp '2001-01-01') / 604800) * cum[8]
               * extract(epoch FROM closes - opens)
         + cum[extract(isodow FROM at AT TIME ZONE tz)::int] * extract(epoch FROM closes - opens)
         + (cum[extract(isodow FROM at AT TIME ZONE tz)::int + 1] - cum[extract(isodow FROM at AT TIME ZONE tz)::int])
           * LEAST(GREATEST(extract(epoch FROM (at AT TIME ZONE tz)::time - opens), 0),
                   extract(epoch FROM closes - opens))
$$;
"""

SECONDS = """
CREATE OR REPLACE FUNCTION analytics_business_seconds(
    start_at timestamptz, end_at timestamptz, tz text, cum int[], opens time, closes time
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN end_at <= start_at THEN 0::double precision
        ELSE analytics_business_clock(end_at, tz, cum, opens, closes)
             - analytics_business_clock(start_at, tz, cum, opens, closes)
    END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_business_hours_and_indexes")]

    operations = [
        migrations.RunSQL(
            "DROP FUNCTION IF EXISTS analytics_business_seconds(timestamptz, timestamptz, text, int[], time, time);",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(CLOCK, "DROP FUNCTION IF EXISTS analytics_business_clock;"),
        migrations.RunSQL(SECONDS, "DROP FUNCTION IF EXISTS analytics_business_seconds;"),
    ]
