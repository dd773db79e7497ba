"""Sales-day spike: send a burst of customer messages over HTTP, watch the pipeline drain it.

Phases (each prints its figures):

1. profile: in this process, N messages through intake and the batched pipeline, rolled back:
   statements and CPU per message for each step;
2. burst: ``--messages`` (default 20,000) spread over ``--seconds`` (default 120) from
   ``--clients`` (default 8) threads, each POST /api/v1/messages/; accepted/s, errors, request
   latency and the backlog (messages awaiting the pipeline) every second, then the time until
   every message is routed, and the check that none was lost and none done twice;
3. steady: ``--steady-rate`` messages/s (default 50) for ``--steady-seconds`` (default 60):
   p50/p95 from receipt (the message's stored time) to its ``routed`` event.

Without ``--url`` it starts its own gunicorn (``--web-workers``) and ``qcluster``
(``--q-workers``) on a free loopback port against the configured database, with one BLAS
thread each, and reports their CPU per message. The generated customers and tickets use the
``burst.invalid`` domain; they are deleted at the end unless ``--keep``. Run it by hand, on a
database you can spare: it writes tens of thousands of tickets.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from routing import pipeline
from tickets.api_auth import create_api_key
from tickets.models import ApiKey, Customer, Message, Ticket, TicketEvent

DOMAIN = "burst.invalid"
BODIES = [
    "Hi, where is my order {n}? It was supposed to arrive last week and tracking has not moved.",
    "I want a refund of 240 EUR for the broken kettle from order {n}, this is the second time.",
    "My lawyer will hear about this: the charger from order {n} caught fire on my desk.",
    "Can I change the delivery address of order {n}? I am moving on Friday.",
    "How long do I have to return a jacket? Order {n} is too small.",
    "The parcel for order {n} arrived damaged, the box was crushed and the glass broke.",
    "You charged me twice for order {n}. Please fix this now or I will post about it on Twitter.",
    "Do you ship to Austria? I would like to order again, the last order {n} was great.",
    "Cancel order {n} please, I ordered the wrong size by mistake.",
    "The app keeps logging me out and I cannot see order {n} in my account.",
]


class Rollback(Exception):
    pass


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Tally:
    """What the client threads saw; one lock guards every field."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    ticket_ids: list[int] = field(default_factory=list)

    def ok(self, latency: float, body: dict) -> None:
        with self.lock:
            self.accepted += 1
            self.latencies.append(latency)
            self.message_ids.append(body["message_id"])
            self.ticket_ids.append(body["id"])

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its live descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        tree.update(children)
        frontier.extend(children)
    return sum(cpu.get(p, 0.0) for p in tree)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Command(BaseCommand):
    help = "Burst of customer messages over HTTP: accepted/s, errors, backlog, drain time, p95 to routed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--messages", type=int, default=20_000, help="Burst size (default 20,000).")
        parser.add_argument("--seconds", type=float, default=120, help="Burst duration (default 120).")
        parser.add_argument("--clients", type=int, default=8, help="Concurrent HTTP clients (default 8).")
        parser.add_argument("--steady-rate", type=float, default=50, help="Steady phase msg/s (default 50).")
        parser.add_argument(
            "--steady-seconds", type=float, default=60, help="Steady phase length (default 60)."
        )
        parser.add_argument("--profile", type=int, default=200, help="Messages for the in-process profile.")
        parser.add_argument(
            "--url", default="", help="A running Handoff (then --api-key too); else one is started."
        )
        parser.add_argument("--api-key", default="", help="An integration key for --url.")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers when started here.")
        parser.add_argument("--q-workers", type=int, default=2, help="django-q2 workers when started here.")
        parser.add_argument("--drain-timeout", type=float, default=1800, help="Give up waiting after (s).")
        parser.add_argument("--keep", action="store_true", help="Keep the generated tickets.")

    def handle(self, *args, **options) -> None:
        self.options = options
        if options["profile"]:
            self.profile(options["profile"])
        if not options["messages"] and not options["steady_seconds"]:
            return
        self.run_id = f"{int(time.time())}"
        servers: list[subprocess.Popen] = []
        key_row = None
        try:
            if options["url"]:
                if not options["api_key"]:
                    raise CommandError("--url needs --api-key (an integration key of that server).")
                base, key = options["url"].rstrip("/"), options["api_key"]
            else:
                key_row, key = create_api_key(f"burst-{self.run_id}")
                base, servers = self.start_servers()
            self.base, self.key = base, key
            self.servers = servers
            if options["messages"]:
                self.burst(options["messages"], options["seconds"], options["clients"])
            if options["steady_seconds"]:
                self.steady(options["steady_rate"], options["steady_seconds"], options["clients"])
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
            if key_row is not None:
                ApiKey.objects.filter(pk=key_row.pk).update(is_active=False)
            if not options["keep"]:
                self.clean_up()

    # --- phase 1: in-process profile ------------------------------------------------------------

    def profile(self, count: int) -> None:
        """Statements and CPU per message for intake and for the pipeline, rolled back."""
        from routing import triage
        from tickets import intake

        triage.get_backend()  # load the model outside the measurement
        try:
            with transaction.atomic():
                Message.objects.filter(awaiting_pipeline=True).update(awaiting_pipeline=False)
                for i in range(8):
                    intake.receive(self.inbound(i, f"warm-{time.time_ns()}"))
                pipeline.drain_now()
                inbound = [self.inbound(i, f"profile-{time.time_ns()}") for i in range(count)]
                intake_queries, pipe_queries = QueryCounter(), QueryCounter()
                with connection.execute_wrapper(intake_queries):
                    cpu = time.process_time()
                    for message in inbound:
                        intake.receive(message)
                    intake_cpu = time.process_time() - cpu
                with connection.execute_wrapper(pipe_queries):
                    cpu, wall = time.process_time(), time.perf_counter()
                    pipeline.drain_now()
                    pipe_cpu, pipe_wall = time.process_time() - cpu, time.perf_counter() - wall
                raise Rollback
        except Rollback:
            pass
        # Savepoints stand in for BEGIN/COMMIT inside the rollback transaction: not counted.
        self.stdout.write(
            f"Profile ({count} new customers' messages, in one process, rolled back):\n"
            f"  intake:   {(intake_queries.count - 2 * count) / count:.1f} statements and "
            f"{1000 * intake_cpu / count:.2f} ms CPU per message\n"
            f"  pipeline: {pipe_queries.count / count:.1f} statements and {1000 * pipe_cpu / count:.1f} ms "
            f"CPU per message in batches of {pipeline.BATCH_SIZE} "
            f"({count / pipe_wall:.0f} messages/s in one process)"
        )

    def inbound(self, i: int, tag: str):
        from tickets import intake

        n = 10_000 + i
        return intake.InboundMessage(
            channel="email",
            sender=intake.Sender(email=f"c{i % 5000}@{DOMAIN}", name=f"Burst {i % 5000}"),
            subject="",
            body=BODIES[i % len(BODIES)].format(n=n),
            external_id=f"<{tag}-{i}@{DOMAIN}>",
        )

    # --- servers -------------------------------------------------------------------------------

    def start_servers(self) -> tuple[str, list[subprocess.Popen]]:
        port = _free_port()
        env = {
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "Q_WORKERS": str(self.options["q_workers"]),
            "API_THROTTLE_USER": os.environ.get("API_THROTTLE_USER", "1000000/min"),
            "DATABASE_URL": os.environ.get("DATABASE_URL") or self.database_url(),
        }
        bin_dir = Path(sys.executable).parent
        log = open(Path(tempfile.gettempdir()) / f"benchmark_intake-{self.run_id}.log", "w")  # noqa: SIM115
        self.stdout.write(f"Server output: {log.name}")
        web = subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "helpdesk.wsgi",
                "--workers",
                str(self.options["web_workers"]),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/health/")
                if conn.getresponse().status < 500:
                    break
            except OSError:
                time.sleep(0.25)
        else:
            raise CommandError("gunicorn did not answer within 60 s")
        self.stdout.write(
            f"Started gunicorn ({self.options['web_workers']} workers) on {base} and qcluster "
            f"({self.options['q_workers']} workers), one BLAS thread each."
        )
        return base, [web, worker]

    def database_url(self) -> str:
        from urllib.parse import quote

        db = connection.settings_dict
        host = quote(db["HOST"] or "", safe="")
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{quote(db['USER'] or '')}@{host}{port}/{db['NAME']}"

    # --- sending -------------------------------------------------------------------------------

    def send(self, tally: Tally, indexes: list[int], started: float, rate: float, tag: str) -> None:
        """One client: POST each message at its slot (``index / rate`` after ``started``)."""
        parts = urlsplit(self.base)
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        for i in indexes:
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            message = self.inbound(i, tag)
            body = json.dumps(
                {
                    "channel": message.channel,
                    "external_id": message.external_id,
                    "sender": {"email": message.sender.email, "name": message.sender.name},
                    "body": message.body,
                }
            )
            sent = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                conn.request("POST", "/api/v1/messages/", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                conn.close()
            except OSError as exc:
                tally.error(type(exc).__name__)
                continue
            if response.status in (200, 201):
                tally.ok(time.perf_counter() - sent, json.loads(payload))
            else:
                tally.error(str(response.status))

    def fire(
        self, count: int, seconds: float, clients: int, tag: str, label: str
    ) -> tuple[Tally, float, list]:
        """Send ``count`` messages over ``seconds`` from ``clients`` threads; sample the backlog."""
        tally = Tally()
        rate = count / seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(
                target=self.send,
                args=(tally, list(range(c, count, clients)), started, rate, tag),
                daemon=True,
            )
            for c in range(clients)
        ]
        for thread in threads:
            thread.start()
        samples = []
        with Progress(
            TextColumn(f"{label} [progress.description]{{task.description}}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            transient=True,
        ) as progress:
            task = progress.add_task("", total=count)
            while any(thread.is_alive() for thread in threads):
                time.sleep(1)
                backlog = pipeline.backlog()
                done = tally.accepted + sum(tally.errors.values())
                samples.append((time.perf_counter() - started, tally.accepted, backlog))
                progress.update(task, completed=done, description=f"backlog {backlog:,}")
        sent_for = time.perf_counter() - started
        return tally, sent_for, samples

    def wait_routed(self, started: float, samples: list) -> float:
        """Sample the backlog until it is empty; seconds from ``started`` until then."""
        deadline = time.monotonic() + self.options["drain_timeout"]
        with Progress(
            TextColumn("draining: backlog {task.description}"), TimeElapsedColumn(), transient=True
        ) as p:
            task = p.add_task("")
            while True:
                backlog = pipeline.backlog()
                samples.append((time.perf_counter() - started, None, backlog))
                p.update(task, description=f"{backlog:,}")
                if backlog == 0:
                    return time.perf_counter() - started
                if time.monotonic() > deadline:
                    raise CommandError(f"the backlog did not drain within {self.options['drain_timeout']} s")
                time.sleep(0.5)

    # --- phase 2: burst ------------------------------------------------------------------------

    def burst(self, count: int, seconds: float, clients: int) -> None:
        cpu_before = [_tree_cpu(s.pid) for s in self.servers]
        started = time.perf_counter()
        tally, sent_for, samples = self.fire(count, seconds, clients, f"burst-{self.run_id}", "burst")
        routed_after = self.wait_routed(started, samples)
        cpu_after = [_tree_cpu(s.pid) for s in self.servers]
        lost, doubled, unrouted = self.audit(tally)
        errors = sum(tally.errors.values())
        out = self.stdout.write
        out(f"Burst: {count:,} messages planned over {seconds:.0f} s from {clients} clients")
        out(
            f"  accepted {tally.accepted:,} in {sent_for:.1f} s = {tally.accepted / sent_for:.1f}/s; "
            f"errors {errors}{' ' + json.dumps(tally.errors) if errors else ''}; request p50 "
            f"{1000 * _percentile(tally.latencies, 0.5):.0f} ms, p95 {1000 * _percentile(tally.latencies, 0.95):.0f} ms"
        )
        step = max(1, len(samples) // 12)
        shown = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
        out("  backlog over time: " + " · ".join(f"{t:.0f}s {b:,}" for t, _, b in shown))
        out(
            f"  every message routed {routed_after:.1f} s after the first was sent "
            f"({routed_after - sent_for:.1f} s after the last); "
            f"{tally.accepted / routed_after:.1f} messages/s end to end"
        )
        out(f"  lost {lost} · done twice {doubled} · accepted but not routed {unrouted}")
        if self.servers:
            web_cpu = cpu_after[0] - cpu_before[0]
            worker_cpu = cpu_after[1] - cpu_before[1]
            out(
                f"  CPU per message: web {1000 * web_cpu / max(tally.accepted, 1):.1f} ms, "
                f"workers {1000 * worker_cpu / max(tally.accepted, 1):.1f} ms "
                f"(gunicorn and qcluster process trees, /proc)"
            )

    def audit(self, tally: Tally) -> tuple[int, int, int]:
        """Lost: accepted but not stored. Doubled: triaged or routed more than once by the
        pipeline. Unrouted: stored but still waiting or stuck in "received"."""
        message_ids, ticket_ids = set(tally.message_ids), set(tally.ticket_ids)
        stored = 0
        for chunk in range(0, len(message_ids), 5000):
            part = list(message_ids)[chunk : chunk + 5000]
            stored += Message.objects.filter(pk__in=part).count()
        lost = len(message_ids) - stored
        doubled = unrouted = 0
        ids = list(ticket_ids)
        for chunk in range(0, len(ids), 5000):
            part = ids[chunk : chunk + 5000]
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    SELECT count(*) FILTER (WHERE triaged > 1 OR routed > 1) FROM (
                      SELECT ticket_id,
                             count(*) FILTER (WHERE kind = %s) AS triaged,
                             count(*) FILTER (WHERE kind = %s AND data->>'trigger' = 'message') AS routed
                      FROM tickets_ticketevent WHERE ticket_id = ANY(%s) GROUP BY ticket_id) t
                    """,
                    [TicketEvent.Kind.TRIAGED, TicketEvent.Kind.ROUTED, part],
                )
                doubled += cursor.fetchone()[0]
            unrouted += Ticket.objects.filter(pk__in=part, stage=Ticket.Stage.RECEIVED).count()
        unrouted += Message.objects.filter(pk__in=list(message_ids), awaiting_pipeline=True).count()
        return lost, doubled, unrouted

    # --- phase 3: steady -----------------------------------------------------------------------

    def steady(self, rate: float, seconds: float, clients: int) -> None:
        count = int(rate * seconds)
        started = time.perf_counter()
        tally, _, samples = self.fire(count, seconds, clients, f"steady-{self.run_id}", "steady")
        self.wait_routed(started, samples)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT extract(epoch FROM min(e.at) - m.created_at)
                FROM tickets_message m JOIN tickets_ticketevent e
                  ON e.ticket_id = m.ticket_id AND e.kind = %s AND e.at >= m.created_at
                WHERE m.id = ANY(%s) GROUP BY m.id, m.created_at
                """,
                [TicketEvent.Kind.ROUTED, list(tally.message_ids)],
            )
            delays = [row[0] for row in cursor.fetchall()]
        errors = sum(tally.errors.values())
        self.stdout.write(
            f"Steady: {rate:.0f} msg/s for {seconds:.0f} s ({tally.accepted:,} accepted, {errors} errors): "
            f"receipt to routed p50 {_percentile(delays, 0.5):.2f} s, p95 {_percentile(delays, 0.95):.2f} s, "
            f"max {max(delays, default=float('nan')):.2f} s (goal p95 < 2 s); "
            f"request p95 {1000 * _percentile(tally.latencies, 0.95):.0f} ms; {len(delays)} routed of "
            f"{tally.accepted}"
        )
        if len(delays) < tally.accepted:
            self.stdout.write(f"  {tally.accepted - len(delays)} accepted messages have no routed event")

    # --- clean-up ------------------------------------------------------------------------------

    def clean_up(self) -> None:
        """Delete the generated customers and their tickets (cascading to messages and events)."""
        customers = Customer.objects.filter(email__endswith=f"@{DOMAIN}")
        ids = list(Ticket.objects.filter(customer__in=customers).values_list("pk", flat=True))
        with Progress(transient=True) as progress:
            task = progress.add_task("Deleting generated tickets", total=len(ids))
            for start in range(0, len(ids), 2000):
                with transaction.atomic():
                    Ticket.objects.filter(pk__in=ids[start : start + 2000]).delete()
                progress.advance(task, min(2000, len(ids) - start))
        customers.delete()
