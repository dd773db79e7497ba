"""The business clock skips holidays, as routing's SLA clock does.

``analytics_business_clock(local_epoch, cum, a1, b1, a2, b2, hd, hc)`` is the weekly clock minus
the business time of the holidays before ``local_epoch``: ``hd`` holds each holiday's local
midnight (seconds since Monday 2001-01-01, ascending, after a sentinel far in the past), ``hc`` the
business seconds of the holidays up to each entry. ``width_bucket`` finds the last holiday that
started by ``local_epoch`` (a binary search); inside that holiday only the part of the day already
gone is removed. One SELECT without FROM, so the planner still inlines it. Facts folded before this migration are
folded again on the next run: the calendar fingerprint now covers the holidays.
"""

import importlib

from django.db import migrations

# Going back restores 0006's holiday-less seconds function (its SQL, not a copy of it).
PER_DAY = importlib.import_module("analytics.migrations.0006_business_clock_per_day")

WEEK = "cum, a1, b1, a2, b2"
J = "width_bucket(local_epoch, hd)"

CLOCK = f"""
CREATE OR REPLACE FUNCTION analytics_business_clock(
    local_epoch double precision, cum int[], a1 int[], b1 int[], a2 int[], b2 int[],
    hd double precision[], hc double precision[]
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT analytics_business_clock(local_epoch, {WEEK}) - CASE
        WHEN cardinality(hd) <= 1 THEN 0
        WHEN {J} > 1 AND local_epoch < hd[{J}] + 86400
            THEN hc[{J} - 1] + analytics_business_clock(local_epoch, {WEEK})
                 - analytics_business_clock(hd[{J}], {WEEK})
        ELSE hc[{J}] END
$$;
"""

LOCAL = "date_part('epoch', ({at} AT TIME ZONE tz) - timestamp '2001-01-01')"
ARGS = "cum, a1, b1, a2, b2, hd, hc"
SECONDS = f"""
CREATE OR REPLACE FUNCTION analytics_business_seconds(
    start_at timestamptz, end_at timestamptz, tz text, cum int[], a1 int[], b1 int[], a2 int[], b2 int[],
    hd double precision[], hc double precision[]
) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN start_at IS NULL OR end_at IS NULL THEN NULL ELSE GREATEST(
        analytics_business_clock({LOCAL.format(at="end_at")}, {ARGS})
        - analytics_business_clock({LOCAL.format(at="start_at")}, {ARGS}),
        0) END
$$;
"""

OLD_SECONDS = "analytics_business_seconds(timestamptz, timestamptz, text, int[], int[], int[], int[], int[])"


class Migration(migrations.Migration):
    dependencies = [("analytics", "0009_escalation_events_to_senior")]

    operations = [
        migrations.RunSQL(
            CLOCK,
            "DROP FUNCTION IF EXISTS analytics_business_clock"
            "(double precision, int[], int[], int[], int[], int[], double precision[], double precision[]);",
        ),
        migrations.RunSQL(
            f"DROP FUNCTION IF EXISTS {OLD_SECONDS};" + SECONDS,
            "DROP FUNCTION IF EXISTS analytics_business_seconds(timestamptz, timestamptz, text, int[], int[], "
            "int[], int[], int[], double precision[], double precision[]);" + PER_DAY.SECONDS,
        ),
    ]
