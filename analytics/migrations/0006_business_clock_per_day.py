"""Business clock looking up only the day at hand: a handful of array reads instead of 28.

A calendar is given as ``cum`` (8 entries: business seconds of the week before each ISO day,
then the week's total) and two opening windows per weekday (``a1``/``b1``, ``a2``/``b2``: seconds
from midnight, 7 entries each, a zero-length window when unused). ``local_epoch`` is seconds since
Monday 2001-01-01 00:00 local time, computed once per instant by the caller.
"""

from django.db import migrations

WEEK = 604800
DAY = 86400
SOW = f"(local_epoch - floor(local_epoch / {WEEK}) * {WEEK})"
DAY_INDEX = f"(floor({SOW} / {DAY})::int + 1)"
SOD = f"({SOW} - floor({SOW} / {DAY}) * {DAY})"

CLOCK = f"""
CREATE OR REPLACE FUNCTION analytics_business_clock(
    local_epoch double precision, cum int[], a1 int[], b1 int[], a2 int[], b2 int[]
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (floor(local_epoch / {WEEK}) * cum[8] + cum[{DAY_INDEX}]
            + LEAST(GREATEST({SOD} - a1[{DAY_INDEX}], 0), b1[{DAY_INDEX}] - a1[{DAY_INDEX}])
            + LEAST(GREATEST({SOD} - a2[{DAY_INDEX}], 0), b2[{DAY_INDEX}] - a2[{DAY_INDEX}]))::double precision
$$;
"""

LOCAL = "date_part('epoch', ({at} AT TIME ZONE tz) - timestamp '2001-01-01')"
SECONDS = f"""
CREATE OR REPLACE FUNCTION analytics_business_seconds(
    start_at timestamptz, end_at timestamptz, tz text, cum int[], a1 int[], b1 int[], a2 int[], b2 int[]
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN start_at IS NULL OR end_at IS NULL THEN NULL ELSE GREATEST(
        analytics_business_clock({LOCAL.format(at="end_at")}, cum, a1, b1, a2, b2)
        - analytics_business_clock({LOCAL.format(at="start_at")}, cum, a1, b1, a2, b2),
        0) END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_business_clock_local_seconds")]

    operations = [
        migrations.RunSQL(
            "DROP FUNCTION IF EXISTS analytics_business_seconds(timestamptz, timestamptz, text, int[], int[]);"
            "DROP FUNCTION IF EXISTS analytics_business_clock(double precision, int[], int[]);",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            CLOCK,
            "DROP FUNCTION IF EXISTS analytics_business_clock(double precision, int[], int[], int[], int[], int[]);",
        ),
        migrations.RunSQL(
            SECONDS,
            "DROP FUNCTION IF EXISTS analytics_business_seconds"
            "(timestamptz, timestamptz, text, int[], int[], int[], int[], int[]);",
        ),
    ]
