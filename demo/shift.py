"""Moving a seeded ticket's rows back in time, step by step, with one UPDATE per table.

``demo.seed`` plays each demo ticket's history "now" and records, per step, when the step
really started and when it should appear to have happened. ``shift_history`` then moves every
row in ``SHIFTED_COLUMNS`` by the delta of the step that wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection, transaction

if TYPE_CHECKING:
    from demo.seed import Timeline


@dataclass(frozen=True)
class Shifted:
    """A table whose rows belong to a ticket and must move back in time with it.

    ``moments`` (when something happened) move by the delta of the step that wrote them.
    ``deadlines`` (due times, in the future when written) move with the moment named as their
    anchor in the same row.
    """

    table: str
    ticket_column: str
    moments: tuple[str, ...]
    deadlines: dict[str, str] = field(default_factory=dict)


SHIFTED_COLUMNS: list[Shifted] = [
    Shifted(
        "tickets_ticket",
        "id",
        (
            "created_at",
            "first_message_at",
            "last_customer_message_at",
            "last_agent_message_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "assigned_at",
            "updated_at",
            "sla_paused_at",
            "triaged_at",
        ),
        {
            "first_response_due_at": "created_at",
            "resolution_due_at": "created_at",
            "next_response_due_at": "last_customer_message_at",
            "sla_due_at": "updated_at",
        },
    ),
    Shifted("tickets_message", "ticket_id", ("created_at", "sent_at")),
    Shifted("tickets_ticketevent", "ticket_id", ("at",)),
    Shifted("tickets_notification", "ticket_id", ("created_at", "read_at")),
    # Rows the intake pipeline and the actions' jobs write while the demo tickets are played.
    Shifted("routing_triageresult", "ticket_id", ("created_at",)),
    Shifted(
        "routing_routingdecision",
        "ticket_id",
        ("created_at",),
        {"first_response_due_at": "created_at", "resolution_due_at": "created_at"},
    ),
    Shifted(
        "routing_slaclock",
        "ticket_id",
        ("started_at", "warned_at", "breached_at", "paused_at", "stopped_at"),
        {"warn_at": "started_at", "due_at": "started_at"},
    ),
    Shifted(
        "routing_escalation",
        "ticket_id",
        ("created_at", "acknowledged_at"),
        {"acknowledge_due_at": "created_at"},
    ),
    Shifted("routing_approval", "ticket_id", ("requested_at", "decided_at")),
    Shifted("routing_classificationoverride", "ticket_id", ("created_at",)),
    Shifted(
        "followups_followup", "ticket_id", ("created_at", "sent_at", "cancelled_at"), {"due_at": "created_at"}
    ),
    Shifted("followups_csatresponse", "ticket_id", ("created_at",)),
    Shifted("resolution_airesolution", "ticket_id", ("created_at",)),
]


def shift_history(timelines: dict[int, Timeline]) -> None:
    """Move each ticket's rows back in time, step by step, with one UPDATE per table.

    A row written during a step moves by that step's delta (real start minus intended time);
    deadlines move with the first step. ``SHIFTED_COLUMNS`` lists the tables and columns.
    """
    rows = [
        (ticket_id, started, started - target)
        for ticket_id, timeline in timelines.items()
        for started, target in timeline.steps
    ]
    if not rows:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demo_shift (ticket_id bigint, started timestamptz, delta interval) ON COMMIT DROP"
        )
        cursor.executemany("INSERT INTO demo_shift VALUES (%s, %s, %s)", rows)
        cursor.execute("CREATE INDEX ON demo_shift (ticket_id, started)")
        cursor.execute(
            "CREATE TEMP TABLE demo_first ON COMMIT DROP AS "
            "SELECT DISTINCT ON (ticket_id) ticket_id, delta FROM demo_shift ORDER BY ticket_id, started"
        )
        tables = set(connection.introspection.table_names(cursor))
        for shifted in SHIFTED_COLUMNS:
            if shifted.table not in tables:  # an app that is not installed here
                continue
            cursor.execute(_shift_sql(shifted))
        # Dropped here too: inside an outer transaction (tests) ON COMMIT comes too late.
        cursor.execute("DROP TABLE demo_shift, demo_first")


def _shift_sql(shifted: Shifted) -> str:
    """One UPDATE moving every listed column of ``shifted.table`` by its step's delta."""

    def delta_of(column: str) -> str:
        # The delta of the latest step that had started when ``column`` was written; rows older
        # than the ticket's first step (none expected) move with the first step.
        return (
            f"COALESCE((SELECT s.delta FROM demo_shift s WHERE s.ticket_id = t.{shifted.ticket_column}"
            f" AND s.started <= t.{column} ORDER BY s.started DESC LIMIT 1), f.delta)"
        )

    assignments = [f"{column} = t.{column} - {delta_of(column)}" for column in shifted.moments]
    assignments += [
        f"{column} = t.{column} - {delta_of(anchor)}" for column, anchor in shifted.deadlines.items()
    ]
    return (
        f"UPDATE {shifted.table} t SET {', '.join(assignments)} "  # names come from SHIFTED_COLUMNS
        f"FROM demo_first f WHERE f.ticket_id = t.{shifted.ticket_column}"
    )
