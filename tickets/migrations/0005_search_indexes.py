"""GIN indexes behind the inbox search (tickets.queries.search_tickets).

Expression indexes, not model fields: the expressions below are exactly what
``SearchVector(..., config=...)`` compiles to, so PostgreSQL answers the search from them
without a column to keep in sync. Change both together.
"""

from django.db import migrations

INDEXES = [
    (
        "ticket_subject_fts",
        "tickets_ticket",
        "to_tsvector('english'::regconfig, COALESCE(subject, ''))",
    ),
    (
        "message_body_fts",
        "tickets_message",
        "to_tsvector('english'::regconfig, COALESCE(body, ''))",
    ),
    (
        "customer_fts",
        "tickets_customer",
        "to_tsvector('simple'::regconfig, COALESCE(name, '') || ' ' || COALESCE(email, ''))",
    ),
]


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_macros")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, expression in INDEXES
    ]
