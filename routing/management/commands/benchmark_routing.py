"""Measure routing decisions per second (one worker process) and the SLA sweep over many open
tickets. Everything runs in one transaction that is rolled back, so the database is left as it
was (``--keep`` keeps the generated tickets)."""

from __future__ import annotations

import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from rich.progress import Progress

from routing import sweep
from routing.engine import route_ticket
from routing.models import SlaClock, SlaPolicy, Team, Tier
from routing.workflow import install_default_workflow
from tickets.models import Customer, Ticket

PROFILES = [
    {"issue_type": "order_status"},
    {"issue_type": "refund_request", "amount_at_stake": Decimal("240.00")},
    {"issue_type": "complaint", "sentiment_score": -0.8},
    {"issue_type": "account"},
    {"issue_type": "billing", "urgency": "high"},
    {"issue_type": "delivery_problem", "signals": {"legal": ["lawyer"]}},
    {"issue_type": "policy_question"},
    {"issue_type": "return_request", "amount_at_stake": Decimal("30.00")},
]


PIPELINE_BODIES = [
    "Hi, where is my order? It was supposed to arrive last week.",
    "I want a refund of 240 EUR for the broken kettle, this is the second time.",
    "My lawyer will hear about this: the charger caught fire.",
    "Can I change the delivery address of my order?",
    "How long do I have to return a jacket?",
]


class Rollback(Exception):
    pass


class QueryCounter:
    """``connection.execute_wrapper`` that counts statements."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = "Benchmark routing decisions/second and the SLA sweep time over N open tickets."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--decisions", type=int, default=1000, help="Tickets to route (default 1000).")
        parser.add_argument(
            "--tickets", type=int, default=100_000, help="Open tickets for the sweep (default 100k)."
        )
        parser.add_argument(
            "--due-share",
            type=float,
            default=0.005,
            help="Share of tickets past warning and breach (default 0.5%%).",
        )
        parser.add_argument(
            "--messages",
            type=int,
            default=100,
            help="Inbound messages through intake + routing.pipeline.message_received (default 100).",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Commit the generated data instead of rolling back."
        )

    def handle(self, *args, **options) -> None:
        try:
            with transaction.atomic():
                install_default_workflow()
                self.bench_routing(options["decisions"])
                if options["messages"] > 0:
                    self.bench_pipeline(options["messages"])
                if options["tickets"] > 0:
                    self.bench_sweep(options["tickets"], options["due_share"])
                if not options["keep"]:
                    raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: the database is as it was.")

    # --- routing ------------------------------------------------------------------------------

    def bench_routing(self, count: int) -> None:
        customers = Customer.objects.bulk_create(
            Customer(name=f"Bench {i}", email=f"bench{i}@example.invalid") for i in range(max(1, count // 4))
        )
        now = timezone.now()
        tickets = Ticket.objects.bulk_create(
            Ticket(
                customer=customers[i % len(customers)],
                subject=f"Benchmark {i}",
                channel="email",
                first_message_at=now,
                created_at=now,
                tags=["benchmark"],
                **{
                    "triage_status": "done",
                    "triage_confidence": 0.9,
                    "sentiment_score": 0.0,
                    **PROFILES[i % len(PROFILES)],
                },
            )
            for i in range(count)
        )
        queries = QueryCounter()
        with Progress(transient=True) as progress, connection.execute_wrapper(queries):
            task = progress.add_task("Routing", total=count)
            started, cpu = time.perf_counter(), time.process_time()
            for ticket in tickets:
                route_ticket(ticket, trigger="benchmark")
                progress.advance(task)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        self.stdout.write(
            f"Routing: {count} decisions in {elapsed:.2f} s = {count / elapsed:.0f} decisions/second "
            "(one process, each stored with its explanation, events and SLA clocks); "
            f"{queries.count / count:.1f} queries and {1000 * cpu / count:.1f} ms of this process's CPU "
            f"per decision (= {count / cpu:.0f} decisions per CPU-second, database time excluded)"
        )

    # --- intake pipeline ----------------------------------------------------------------------

    def bench_pipeline(self, count: int) -> None:
        """Store ``count`` new inbound emails, then run the intake pipeline (triage + routing) on each."""
        from routing.pipeline import message_received
        from tickets import intake

        stored = [
            intake.receive(
                intake.InboundMessage(
                    channel="email",
                    sender=intake.Sender(email=f"pipeline{i % 50}@example.invalid", name=f"Pipeline {i}"),
                    subject=f"Order #{1000 + i} has not arrived",
                    body=PIPELINE_BODIES[i % len(PIPELINE_BODIES)],
                    external_id=f"<bench-{i}-{time.time_ns()}@example.invalid>",
                )
            )
            for i in range(count)
        ]
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            started, cpu = time.perf_counter(), time.process_time()
            for result in stored:
                message_received(result.ticket.pk, result.message.pk)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        self.stdout.write(
            f"Intake pipeline: {count} messages in {elapsed:.2f} s = {1000 * elapsed / count:.1f} ms per message "
            f"(triage + routing; {queries.count / count:.1f} queries, {1000 * cpu / count:.1f} ms CPU each)"
        )

    # --- SLA sweep ----------------------------------------------------------------------------

    def bench_sweep(self, count: int, due_share: float) -> None:
        customer = Customer.objects.create(name="Sweep bench", email="sweep@example.invalid")
        general = Tier.objects.get(slug="general")
        team = Team.objects.get(slug="frontline")
        policy = SlaPolicy.objects.get(tier=general, priority=None, for_vip=False)
        SlaPolicy.objects.filter(pk=policy.pk).update(breach_escalate=True, breach_notify=False)
        first_id = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        chunk = 10_000
        started = time.perf_counter()
        with Progress(transient=True) as progress:
            task = progress.add_task(f"Inserting {count:,} open tickets + clocks", total=count)
            for start in range(0, count, chunk):
                size = min(chunk, count - start)
                self._insert_tickets(customer.pk, general.pk, team.pk, size, due_share)
                progress.advance(task, size)
        self.stdout.write(f"Inserted {count:,} open tickets in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        self._insert_clocks(first_id, policy)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Ticket._meta.db_table}; ANALYZE {SlaClock._meta.db_table};")
        self.stdout.write(f"Generated the tickets' SLA clocks in {time.perf_counter() - started:.1f} s")
        open_count = Ticket.objects.filter(pk__gte=first_id, status="open").count()
        clocks = SlaClock.objects.filter(ticket_id__gte=first_id).count()

        started = time.perf_counter()
        result = sweep.run()
        first_run = time.perf_counter() - started
        started = time.perf_counter()
        idle = sweep.run()
        second_run = time.perf_counter() - started
        self.stdout.write(
            f"SLA sweep over {open_count:,} open tickets ({clocks:,} clocks): first run {first_run:.2f} s "
            f"(warned {result.warned}, breached {result.breached}, escalated {result.escalated}); "
            f"steady-state run {second_run:.3f} s (warned {idle.warned}, breached {idle.breached})"
        )

    def _insert_tickets(
        self, customer_id: int, tier_id: int, team_id: int, size: int, due_share: float
    ) -> None:
        """One INSERT ... SELECT per chunk; a ``due_share`` of them started long enough ago to breach."""
        columns, values, params = [], [], []
        varying = {
            "customer_id": "%s",
            "subject": "'Sweep bench ' || g",
            "channel": "'email'",
            "tier_id": "%s",
            "team_id": "%s",
            "tags": "ARRAY['benchmark']::varchar[]",
            "first_message_at": "CASE WHEN random() < %s THEN now() - interval '30 days' ELSE now() END",
            "created_at": "now()",
            "updated_at": "now()",
            "last_customer_message_at": "now()",
        }
        varying_params = {
            "customer_id": customer_id,
            "tier_id": tier_id,
            "team_id": team_id,
            "first_message_at": due_share,
        }
        for field in Ticket._meta.concrete_fields:
            if field.primary_key:
                continue
            columns.append(field.column)
            if field.column in varying:
                values.append(varying[field.column])
                if field.column in varying_params:
                    params.append(varying_params[field.column])
            else:
                default = field.get_default()
                values.append("%s")
                params.append(field.get_db_prep_save(default, connection))
        sql = (
            f"INSERT INTO {Ticket._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, %s) g"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, size])

    def _insert_clocks(self, first_id: int, policy: SlaPolicy) -> None:
        table, tickets = SlaClock._meta.db_table, Ticket._meta.db_table
        with connection.cursor() as cursor:
            for kind, minutes in (
                ("first_response", policy.first_response_minutes),
                ("resolution", policy.resolution_minutes),
            ):
                cursor.execute(
                    f"""INSERT INTO {table} (ticket_id, kind, policy_id, started_at, target_minutes, paused_minutes,
                          warn_at, due_at)
                        SELECT id, %s, %s, first_message_at, %s, 0,
                          first_message_at + make_interval(mins => %s), first_message_at + make_interval(mins => %s)
                        FROM {tickets} WHERE id >= %s""",
                    [kind, policy.pk, minutes, int(minutes * 0.75), minutes, first_id],
                )
            # Fresh statistics first: with the 100k new rows unanalyzed the planner may pick a
            # nested loop and this UPDATE takes many minutes instead of seconds.
            cursor.execute(f"ANALYZE {tickets}; ANALYZE {table};")
            cursor.execute(
                f"""UPDATE {tickets} t SET sla_due_at = c.due_at, first_response_due_at = c.due_at
                    FROM {table} c WHERE c.ticket_id = t.id AND c.kind = 'first_response' AND t.id >= %s""",
                [first_id],
            )
