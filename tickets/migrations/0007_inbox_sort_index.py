"""The inbox's default order (SLA due first) over open tickets, straight from an index.

A partial index: only open and pending tickets, which is what every saved view lists, so it
stays small as resolved history grows. Raw SQL because the model's Meta does not carry it
(tickets/models.py is shared); the query side is ``tickets.queries.SORTS["sla"]``.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_default_macros")]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS ticket_open_sla_idx ON tickets_ticket (sla_due_at, id) "
                "WHERE status IN ('open', 'pending')"
            ),
            reverse_sql="DROP INDEX IF EXISTS ticket_open_sla_idx",
        )
    ]
