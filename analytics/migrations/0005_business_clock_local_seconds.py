"""The business clock over local seconds: the caller converts each instant to local time once.

``analytics_business_clock(local_epoch, starts, ends)`` takes seconds since Monday 2001-01-01
00:00 local time and is pure float arithmetic, so PostgreSQL inlines it over plain columns. The
0004 version converted the time zone once per opening slot, which dominated the metrics at a
million tickets. ``analytics_business_seconds`` keeps its signature for callers with instants.
"""

from django.db import migrations

SLOTS = 14
WEEK_SECONDS = 604800
SECOND_OF_WEEK = f"(local_epoch - floor(local_epoch / {WEEK_SECONDS}) * {WEEK_SECONDS})"
PARTIAL = " + ".join(
    f"LEAST(GREATEST({SECOND_OF_WEEK} - starts[{i}], 0), ends[{i}] - starts[{i}])" for i in range(1, SLOTS + 1)
)
WEEK = " + ".join(f"(ends[{i}] - starts[{i}])" for i in range(1, SLOTS + 1))

CLOCK = f"""
CREATE OR REPLACE FUNCTION analytics_business_clock(local_epoch double precision, starts int[], ends int[])
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (floor(local_epoch / {WEEK_SECONDS}) * ({WEEK}) + {PARTIAL})::double precision
$$;
"""

LOCAL = "date_part('epoch', ({at} AT TIME ZONE tz) - timestamp '2001-01-01')"
SECONDS = f"""
CREATE OR REPLACE FUNCTION analytics_business_seconds(
    start_at timestamptz, end_at timestamptz, tz text, starts int[], ends int[]
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN start_at IS NULL OR end_at IS NULL THEN NULL ELSE GREATEST(
        analytics_business_clock({LOCAL.format(at="end_at")}, starts, ends)
        - analytics_business_clock({LOCAL.format(at="start_at")}, starts, ends),
        0) END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_business_clock_intervals")]

    operations = [
        migrations.RunSQL(
            "DROP FUNCTION IF EXISTS analytics_business_seconds(timestamptz, timestamptz, text, int[], int[]);"
            "DROP FUNCTION IF EXISTS analytics_business_clock(timestamptz, text, int[], int[]);",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(CLOCK, "DROP FUNCTION IF EXISTS analytics_business_clock(double precision, int[], int[]);"),
        migrations.RunSQL(
            SECONDS,
            "DROP FUNCTION IF EXISTS analytics_business_seconds(timestamptz, timestamptz, text, int[], int[]);",
        ),
    ]
