"""Generate a large, realistic helpdesk history inside PostgreSQL (``INSERT ... SELECT``).

Customers, tickets across channels, issue types, tiers and teams with realistic timings, their
messages and their event log (triage, stage changes, replies with draft similarity, discarded
drafts, overrides, escalations and de-escalations, SLA breaches, resolutions, reopenings, CSAT),
in chunks, with a progress bar. Generated rows carry the tag ``benchmark``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from analytics import jobs
from analytics.facts import fold_ticket_facts
from routing.models import AgentProfile, Tier
from routing.workflow import TIERS, default_tier
from tickets.models import Customer, Message, RootCause, Ticket
from tickets.taxonomy import ISSUE_TYPE_SLUGS

TAG = "benchmark"
CHANNELS = ["email", "chat", "social", "review", "web", "api"]
ISSUE_TYPES = list(ISSUE_TYPE_SLUGS)
ROOT_CAUSES = [
    "Carrier delay",
    "Warehouse mis-pick",
    "Damaged in transit",
    "Wrong size chart",
    "Checkout error",
    "Payment declined",
    "Product defect",
    "Unclear return policy",
    "Address error",
    "Stock sync error",
]
BODIES = [
    "Where is my order? It was supposed to arrive on Monday.",
    "My parcel shows delivered but nothing arrived at my door.",
    "I would like to return the shoes, they are too small.",
    "I was charged twice for the same order, please refund.",
    "The kettle stopped working after two days, this is unacceptable.",
    "Can I change the delivery address for my order?",
    "Please cancel my order, I ordered the wrong colour.",
    "The zipper on the backpack broke the first time I used it.",
    "Your checkout keeps failing with an error at payment.",
    "I cannot log into my account after the password reset.",
]


# A ticket was last saved at its last change (reply, resolution, closing), never in the future.
UPDATED_AT = (
    "LEAST(now(), GREATEST(r.fm, CASE WHEN r.replied THEN r.fm + r.frt END, CASE WHEN r.resolved THEN"
    " r.fm + r.frt + r.res + CASE WHEN r.fm < now() - interval '9 days' THEN interval '2 days'"
    " ELSE interval '0' END END))"
)


def generate(count: int, *, days: int, chunk: int) -> float:
    """Insert ``count`` tickets (with customers, messages and events) in chunks, with a progress bar,
    then fold them into the metrics facts. Returns the seconds the fold took."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    tiers = ensure_tiers()
    causes = [RootCause.objects.get_or_create(name=name)[0].pk for name in ROOT_CAUSES]
    agents = ensure_agents(tiers)
    customers = max(1, count // 4)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        task = progress.add_task("customers", total=customers)
        first_customer = insert_customers(customers)
        progress.update(task, completed=customers)
        task = progress.add_task("tickets + messages + events", total=count)
        done = 0
        while done < count:
            size = min(chunk, count - done)
            with transaction.atomic():
                low, high = insert_tickets(
                    size,
                    slice_=(done / count, (done + size) / count),
                    days=days,
                    customers=(first_customer, customers),
                    tiers=tiers,
                    causes=causes,
                    agents=agents,
                )
                insert_messages(low, high)
                insert_events(low, high)
            done += size
            progress.update(task, completed=done)
        task = progress.add_task("stage summary + vacuum", total=2)
        jobs.refresh_stage_durations()
        progress.update(task, advance=1)
        with connection.cursor() as cursor:
            # VACUUM (for index-only scans) cannot run inside a transaction, e.g. under a test.
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(
                f"{vacuum} tickets_ticket, tickets_message, tickets_ticketevent, tickets_customer,"
                " analytics_stageduration"
            )
        progress.update(task, advance=1)
    return fold_facts()


def fold_facts() -> float:
    """Fold every ticket into ``TicketFacts`` (what the minute job does incrementally), with a
    progress bar; returns the seconds it took."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        task = progress.add_task("ticket facts (full fold)", total=None)
        started = time.perf_counter()
        fold_ticket_facts(
            full=True, progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(f"{vacuum} analytics_ticketfacts, analytics_ticketfactswatermark")
    return seconds


def ensure_agents(tiers: list[Tier]) -> list[int]:
    """Forty agents across the staffed tiers, some online, some away, some offline; their ids."""
    users = get_user_model()
    ids = []
    for index in range(40):
        tier_ = tiers[1 + index % 4]
        user, _ = users.objects.get_or_create(
            username=f"bench-agent-{index}", defaults={"first_name": f"Agent {index}"}
        )
        AgentProfile.objects.update_or_create(
            user=user,
            defaults={
                "tier": tier_,
                "team": tier_.team,
                "capacity": 12,
                "availability": ["online", "online", "away", "offline"][index % 4],
            },
        )
        ids.append(user.pk)
    return ids


def insert_customers(count: int) -> int:
    columns, values, params = _row_sql(
        Customer,
        {
            "name": "'Customer ' || i",
            "email": f"'bench' || i || '-' || {int(time.time())} || '@example.org'",
            "vip_level": "CASE WHEN i %% 50 = 0 THEN 'gold' WHEN i %% 20 = 0 THEN 'silver' ELSE '' END",
            "tags": "ARRAY['benchmark']::varchar[]",
            "lifetime_value": "round((random() * 2000)::numeric, 2)",
            "order_count": "(random() * 20)::int",
            "created_at": "now() - random() * interval '3 years'",
            "updated_at": "now()",
        },
    )
    with connection.cursor() as cursor:
        # Ids come from the sequence: this batch starts right after the value drawn here.
        cursor.execute("SELECT nextval(pg_get_serial_sequence('tickets_customer', 'id'))")
        first = cursor.fetchone()[0] + 1
        cursor.execute(
            f"INSERT INTO tickets_customer ({columns}) SELECT {values} FROM generate_series(1, %(n)s) i",
            {**params, "n": count},
        )
    return first


def insert_tickets(
    size: int,
    *,
    slice_: tuple[float, float] = (0.0, 1.0),
    days: int,
    customers: tuple[int, int],
    tiers: list[Tier],
    causes: list[int],
    agents: list[int],
) -> tuple[int, int]:
    staffed = [t for t in tiers if t.team_id]
    columns, values, params = _row_sql(
        Ticket,
        {
            "customer_id": "%(first_customer)s + (random() * (%(customers)s - 1))::int",
            "subject": "(%(bodies)s::text[])[1 + (r.issue %% 10)] || ' Order NW' || (1000000 + (r.ch * 8999999)::int)",
            "channel": "(%(channels)s::text[])[1 + (r.ch * 6)::int %% 6]",
            "issue_type": "(%(issues)s::text[])[1 + r.issue]",
            "product": "CASE WHEN r.issue IN (1, 6, 11) THEN 'SKU-' || (r.p * 40)::int ELSE '' END",
            "sentiment": "CASE WHEN r.s < 0.3 THEN 'frustrated' WHEN r.s < 0.8 THEN 'neutral' ELSE 'satisfied' END",
            "sentiment_score": "CASE WHEN r.s < 0.3 THEN -0.3 - r.s * 2 WHEN r.s < 0.8 THEN 0 ELSE 0.5 END",
            "status": "CASE WHEN NOT r.resolved THEN (CASE WHEN r.p < 0.6 THEN 'open' ELSE 'pending' END)"
            " WHEN r.fm < now() - interval '9 days' THEN 'closed' ELSE 'resolved' END",
            "stage": "CASE WHEN NOT r.resolved THEN (%(open_stages)s::text[])[1 + (r.p * 5)::int]"
            " WHEN r.fm < now() - interval '9 days' THEN 'closed' ELSE 'resolved' END",
            "triage_status": "'done'",
            "tier_id": "(%(tiers)s::bigint[])[1 + (r.t * %(tier_count)s)::int %% %(tier_count)s]",
            "team_id": "(%(teams)s::bigint[])[1 + (r.t * %(tier_count)s)::int %% %(tier_count)s]",
            "first_message_at": "r.fm",
            "created_at": "r.fm",
            "updated_at": UPDATED_AT,
            "first_response_at": "CASE WHEN r.replied THEN r.fm + r.frt END",
            "resolved_at": "CASE WHEN r.resolved THEN r.fm + r.frt + r.res END",
            "closed_at": "CASE WHEN r.resolved AND r.fm < now() - interval '9 days' THEN r.fm + r.frt + r.res + interval '2 days' END",
            "first_response_due_at": "r.fm + interval '4 hours'",
            "resolution_due_at": "r.fm + interval '48 hours'",
            "sla_due_at": "CASE WHEN NOT r.resolved THEN r.fm + interval '4 hours' END",
            "sla_breached": "r.frt > interval '4 hours'",
            "reopen_count": "CASE WHEN r.resolved AND r.s > 0.95 THEN 1 ELSE 0 END",
            "root_cause_id": "CASE WHEN r.resolved AND r.p < 0.85 THEN (%(causes)s::bigint[])[1 + (r.ch * 10)::int %% 10] END",
            "resolution_method": "CASE WHEN r.resolved THEN 'agent_reply' ELSE '' END",
            "assignee_id": "CASE WHEN r.resolved OR r.p > 0.35 THEN"
            " (%(agents)s::bigint[])[1 + (r.s * %(agent_count)s)::int %% %(agent_count)s] END",
            "tags": "ARRAY['benchmark']::varchar[]",
        },
    )
    # Tickets spread over ``days``, a little denser lately; most old ones resolved. Each chunk
    # covers its slice of the history (``slice_``, oldest first) in time order, so ticket ids
    # follow time as in a live installation (recent and open tickets sit together).
    randoms = """
        SELECT i, fm, ch, s, p, t, issue,
               (fm > now() - interval '2 days' AND p < 0.7) OR p < 0.003 OR fm > now() - interval '3 hours'
                   AS unresolved_flag,
               frt, res
        FROM (
            SELECT i, now() - (power(1 - %(slice_low)s - random() * (%(slice_high)s - %(slice_low)s), 1.2)
                              * %(days)s) * interval '1 day' AS fm, random() AS ch,
                   random() AS s, random() AS p, random() AS t, floor(random() * 13)::int AS issue,
                   (random() ^ 3) * interval '20 hours' + interval '2 minutes' AS frt,
                   (random() ^ 2) * interval '70 hours' + interval '10 minutes' AS res
            FROM generate_series(1, %(n)s) i
        ) raw
    """
    sql = f"""
        INSERT INTO tickets_ticket ({columns})
        SELECT {values}
        FROM (
            SELECT x.*, NOT x.unresolved_flag AS resolved,
                   (NOT x.unresolved_flag OR x.p > 0.4) AND x.fm + x.frt < now() AS replied
            FROM ({randoms}) x
            ORDER BY x.fm
        ) r
    """
    # ``unresolved_flag`` keeps recent and a few stuck tickets open; a reply exists for every
    # resolved ticket and for most open ones.
    params.update(
        {
            "n": size,
            "days": days,
            "slice_low": slice_[0],
            "slice_high": slice_[1],
            "first_customer": customers[0],
            "customers": customers[1],
            "bodies": BODIES,
            "channels": CHANNELS,
            "issues": ISSUE_TYPES,
            "open_stages": [
                "received",
                "triaged",
                "queued",
                "assigned",
                "awaiting_customer",
                "awaiting_approval",
            ],
            "tiers": [t.pk for t in staffed],
            "teams": [t.team_id for t in staffed],
            "tier_count": len(staffed),
            "causes": causes,
            "agents": agents,
            "agent_count": len(agents),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM tickets_ticket")
        low = cursor.fetchone()[0]
        cursor.execute(sql, params)
        cursor.execute("SELECT max(id) FROM tickets_ticket")
        high = cursor.fetchone()[0]
    return low, high


def insert_messages(low: int, high: int) -> None:
    columns, values, params = _row_sql(
        Message,
        {
            "ticket_id": "t.id",
            "direction": "m.direction",
            "author_kind": "m.author_kind",
            "channel": "t.channel",
            "body": "CASE WHEN m.direction = 'inbound' THEN t.subject ELSE 'Thanks for reaching out, here is an update.' END",
            "is_auto": "false",
            "delivery_status": "CASE WHEN m.direction = 'inbound' THEN 'n/a' ELSE 'sent' END",
            "sent_at": "m.at",
            "draft_similarity": "m.similarity",
            "created_at": "m.at",
            "metadata": "'{}'::jsonb",
        },
    )
    sql = f"""
        INSERT INTO tickets_message ({columns})
        SELECT {values}
        FROM tickets_ticket t
        CROSS JOIN LATERAL (VALUES
            ('inbound', 'customer', t.first_message_at, NULL::float),
            -- A customer follow-up ("any news?") on every ticket: about three messages a ticket.
            ('inbound', 'customer', LEAST(now(), t.first_message_at + interval '20 minutes'), NULL::float),
            ('outbound', CASE WHEN t.id %% 5 = 0 THEN 'ai' ELSE 'agent' END, t.first_response_at,
             CASE WHEN t.id %% 10 < 7 THEN ((t.id * 7919) %% 100) / 100.0 END)
        ) AS m(direction, author_kind, at, similarity)
        WHERE t.id > %(low)s AND t.id <= %(high)s AND m.at IS NOT NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "low": low, "high": high})


def insert_events(low: int, high: int) -> None:
    """Eight to twelve events per ticket, consistent with the ticket's own timestamps."""
    sql = """
        INSERT INTO tickets_ticketevent (ticket_id, kind, actor_kind, at, data)
        SELECT t.id, e.kind, e.actor_kind, e.at, e.data
        FROM tickets_ticket t
        LEFT JOIN routing_tier tier ON tier.id = t.tier_id
        CROSS JOIN LATERAL (SELECT (t.id * 7919) %% 100 AS a, (t.id * 104729) %% 100 AS b,
                                   t.first_message_at AS fm,
                                   COALESCE(t.first_response_at, t.first_message_at + interval '5 minutes') AS fr,
                                   t.first_message_at + ((t.id * 31) %% 240) * interval '1 minute'
                                       + interval '3 minutes' AS assigned_at) k
        CROSS JOIN LATERAL (VALUES
            ('created', 'customer', k.fm, '{}'::jsonb),
            ('triaged', 'ai', k.fm + interval '1 minute', jsonb_build_object('issue_type', t.issue_type)),
            ('stage_changed', 'ai', k.fm + interval '1 minute', '{"from": "received", "to": "triaged"}'::jsonb),
            ('stage_changed', 'system', k.fm + interval '2 minutes', '{"from": "triaged", "to": "queued"}'::jsonb),
            ('stage_changed', 'system', CASE WHEN t.stage NOT IN ('received', 'triaged', 'queued')
                THEN LEAST(k.assigned_at, k.fr) END, '{"from": "queued", "to": "assigned"}'::jsonb),
            ('classification_overridden', 'agent', CASE WHEN k.a < 8 THEN k.fm + interval '20 minutes' END,
                jsonb_build_object('field', 'issue_type', 'old', 'other', 'new', t.issue_type, 'reason', 'benchmark')),
            ('draft_discarded', 'agent', CASE WHEN k.b < 10 THEN k.fr - interval '1 minute' END, '{}'::jsonb),
            ('reply_sent', 'agent', t.first_response_at,
                jsonb_build_object('author_kind', 'agent', 'is_auto', false, 'draft_similarity',
                    CASE WHEN k.b >= 10 AND k.b < 80 THEN ((t.id * 7919) %% 100) / 100.0 END)),
            ('stage_changed', 'agent', CASE WHEN t.first_response_at IS NOT NULL AND t.stage <> 'assigned'
                THEN t.first_response_at + interval '1 second' END,
                '{"from": "assigned", "to": "awaiting_customer"}'::jsonb),
            ('escalated', 'system', CASE WHEN k.a >= 88 THEN k.fm + interval '30 minutes' END,
                jsonb_build_object('from_tier', 'general', 'to_tier', CASE WHEN k.a >= 94 THEN 'senior' ELSE 'specialist' END,
                                   'to_senior', k.a >= 94, 'to_ai', false, 'trigger', 'rule', 'reason', 'benchmark')),
            ('deescalated', 'agent', CASE WHEN k.a >= 97 THEN k.fm + interval '3 hours' END,
                '{"from_tier": "senior", "to_tier": "general", "to_senior": false, "to_ai": false,
                  "trigger": "agent", "reason": "benchmark"}'::jsonb),
            ('sla_breached', 'system', CASE WHEN t.sla_breached THEN k.fm + interval '4 hours' END, '{}'::jsonb),
            ('resolved', 'agent', t.resolved_at, jsonb_build_object('root_cause_id', t.root_cause_id)),
            ('stage_changed', 'agent', t.resolved_at, '{"from": "awaiting_customer", "to": "resolved"}'::jsonb),
            ('reopened', 'customer', CASE WHEN t.reopen_count > 0 THEN t.resolved_at - interval '1 hour' END,
                '{"from": "resolved"}'::jsonb),
            ('csat_received', 'customer', CASE WHEN t.resolved_at IS NOT NULL AND k.b >= 70 THEN t.resolved_at + interval '2 days' END,
                jsonb_build_object('score', 1 + (t.id * 13) %% 5))
        ) AS e(kind, actor_kind, at, data)
        WHERE t.id > %(low)s AND t.id <= %(high)s AND e.at IS NOT NULL AND e.at <= now()
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"low": low, "high": high})


def clear(write: Callable[[str], object] = print) -> None:
    """Delete generated rows (and the rows that point at them; the FKs do not cascade in SQL)."""
    dependents = [
        "analytics_ticketfacts",
        "analytics_stageduration",
        "analytics_patternalertticket",
        "tickets_ticketevent",
        "tickets_notification",
        "tickets_ticketread",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_ids ON COMMIT DROP AS"
            " SELECT id FROM tickets_ticket WHERE 'benchmark' = ANY(tags)"
        )
        for table in dependents:
            cursor.execute(f"DELETE FROM {table} WHERE ticket_id IN (SELECT id FROM bench_ids)")
        cursor.execute(
            "DELETE FROM tickets_attachment WHERE message_id IN"
            " (SELECT id FROM tickets_message WHERE ticket_id IN (SELECT id FROM bench_ids))"
        )
        cursor.execute("DELETE FROM tickets_message WHERE ticket_id IN (SELECT id FROM bench_ids)")
        cursor.execute("DELETE FROM tickets_ticket WHERE id IN (SELECT id FROM bench_ids)")
        tickets = cursor.rowcount
        cursor.execute("DELETE FROM tickets_customer WHERE 'benchmark' = ANY(tags)")
        write(f"deleted {tickets} tickets and {cursor.rowcount} customers")


def _row_sql(model: type[models.Model], explicit: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    """Column list, SELECT expressions and params for ``model``: ``explicit`` SQL where given, the
    field's default (as a typed parameter) for every other NOT NULL column, so the generator keeps
    working when apps add columns with defaults."""
    columns, values, params = [], [], {}
    for field in model._meta.concrete_fields:
        column = field.column
        if field.primary_key:
            continue
        if column in explicit:
            columns.append(column)
            values.append(explicit[column])
        elif not field.null:
            default = field.get_default()
            if default is None and isinstance(field, models.DateTimeField):
                columns.append(column)
                values.append("now()")
                continue
            key = f"default_{column}"
            params[key] = field.get_db_prep_save(default, connection)
            columns.append(column)
            values.append(f"%({key})s::{field.db_type(connection)}")
    return ", ".join(columns), ", ".join(values), params


def ensure_tiers() -> list[Tier]:
    """The default tiers in rank order (routing's default workflow), created when the database has none."""
    return [default_tier(slug) for _rank, slug, *_rest in TIERS]
