"""Business clock over any weekly schedule of up to 14 opening intervals (e.g. two per day).

``starts``/``ends`` are seconds from Monday 00:00 local time, padded with zero-length slots; the
clock counts business seconds from a fixed Monday to ``at`` (the business time between two
instants is the difference of their clocks). Written as one arithmetic expression so that
PostgreSQL inlines it: no per-day series, no sub-query.
"""

from django.db import migrations

SLOTS = 14
LOCAL = "(at AT TIME ZONE tz)"
SECOND_OF_WEEK = f"extract(epoch FROM {LOCAL} - date_trunc('week', {LOCAL}))"
PARTIAL = " + ".join(
    f"LEAST(GREATEST({SECOND_OF_WEEK} - starts[{i}], 0), ends[{i}] - starts[{i}])" for i in range(1, SLOTS + 1)
)
WEEK = " + ".join(f"(ends[{i}] - starts[{i}])" for i in range(1, SLOTS + 1))

CLOCK = f"""
CREATE OR REPLACE FUNCTION analytics_business_clock(at timestamptz, tz text, starts int[], ends int[])
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (floor(extract(epoch FROM {LOCAL} - timestamp '2001-01-01') / 604800) * ({WEEK})
            + {PARTIAL})::double precision
$$;
"""

SECONDS = """
CREATE OR REPLACE FUNCTION analytics_business_seconds(
    start_at timestamptz, end_at timestamptz, tz text, starts int[], ends int[]
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN end_at <= start_at THEN 0::double precision
        ELSE analytics_business_clock(end_at, tz, starts, ends) - analytics_business_clock(start_at, tz, starts, ends)
    END
$$;
"""

DROP_OLD = """
DROP FUNCTION IF EXISTS analytics_business_seconds(timestamptz, timestamptz, text, int[], time, time);
DROP FUNCTION IF EXISTS analytics_business_clock(timestamptz, text, int[], time, time);
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_business_clock")]

    operations = [
        migrations.RunSQL(DROP_OLD, migrations.RunSQL.noop),
        migrations.RunSQL(CLOCK, "DROP FUNCTION IF EXISTS analytics_business_clock(timestamptz, text, int[], int[]);"),
        migrations.RunSQL(
            SECONDS,
            "DROP FUNCTION IF EXISTS analytics_business_seconds(timestamptz, timestamptz, text, int[], int[]);",
        ),
    ]
