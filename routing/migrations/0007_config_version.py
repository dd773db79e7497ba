"""The sequence whose value tells every process that routing configuration changed (routing.config)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0006_merge_triage_ticket_view"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS routing_config_version",
            reverse_sql="DROP SEQUENCE IF EXISTS routing_config_version",
        ),
    ]
