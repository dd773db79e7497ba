"""Time-in-stage reads the last 7 days of ``StageDuration`` from the index alone."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("analytics", "0006_business_clock_per_day")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS analytics_stage_window_idx"
            " ON analytics_stageduration (left_at) INCLUDE (stage, seconds);",
            "DROP INDEX IF EXISTS analytics_stage_window_idx;",
        ),
    ]
