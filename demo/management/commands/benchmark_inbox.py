"""Time the inbox (query + render, through the whole request stack) at growing ticket counts.

    python manage.py benchmark_inbox                  # 1,000 then 100,000 tickets
    python manage.py benchmark_inbox --sizes 1000,20000 --repeat 9

Data is bulk-inserted inside one transaction that is rolled back at the end, so the database
is left as it was. Each size reports the median wall time and the query count of: the default
inbox page, a team queue, a full-text search, and a poll that answers 304.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.workload import WORDS  # the same words as the django-helpdesk comparison
from routing.models import AgentProfile, Team, Tier
from tickets.models import Channel, Customer, Message, Ticket

BATCH = 5_000
# A vocabulary shaped like real text: a long tail of rare words, so a search term is selective.
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "de", "pa", "ze", "gu", "bo", "fi"]
TAIL = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]
ISSUE_TYPES = ["order_status", "delivery_problem", "return_request", "refund_request", "billing", "complaint"]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the inbox query and render at 1,000 and 100,000 tickets (data rolled back)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--sizes", default="1000,100000", help="Comma-separated ticket totals, ascending."
        )
        parser.add_argument(
            "--repeat", type=int, default=7, help="Timed runs per measurement (median shown)."
        )
        parser.add_argument("--open-share", type=float, default=0.2, help="Share of tickets still open.")
        parser.add_argument(
            "--explain", action="store_true", help="Print the plans of the list and search queries per size."
        )

    def handle(self, *args, **options) -> None:
        sizes = sorted(int(s) for s in options["sizes"].split(","))
        self.console = Console(width=150)
        self.rows: list[tuple] = []
        try:
            with transaction.atomic():
                self.explain = options["explain"]
                self._run(sizes, options["repeat"], options["open_share"])
                raise Rollback
        except Rollback:
            pass
        table = Table(
            title="Inbox timings (median of runs, whole request: query + render; tickets = total in the DB)"
        )
        for column in ("tickets", "request", "median ms", "p90 ms", "queries", "rows", "bytes"):
            table.add_column(column, justify="right" if column != "request" else "left")
        for row in self.rows:
            table.add_row(*[str(value) for value in row])
        self.console.print(table)

    def _run(self, sizes: list[int], repeat: int, open_share: float) -> None:
        team = Team.objects.create(name="Bench frontline", slug="bench-frontline")
        other = Team.objects.create(name="Bench other", slug="bench-other")
        tier = Tier.objects.create(name="Bench general", slug="bench-general", rank=901, team=team)
        user_model = get_user_model()
        manager = user_model.objects.create_user("bench-manager", password="x")
        manager.groups.add(Group.objects.get_or_create(name="manager")[0])
        agent = user_model.objects.create_user("bench-agent", password="x")
        agent.groups.add(Group.objects.get_or_create(name="agent")[0])
        AgentProfile.objects.create(user=agent, team=team, tier=tier, availability="online")
        customers = self._customers(max(sizes) // 10)
        rng = random.Random(7)
        made = 0
        for size in sizes:
            self._tickets(size - made, customers, (team, other), tier, agent, open_share, rng)
            made = size
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE tickets_ticket; ANALYZE tickets_message; ANALYZE tickets_customer")
            self._measure(size, manager, agent, repeat)
            if self.explain:
                self._explain(manager)

    def _customers(self, count: int) -> list[Customer]:
        rows = [
            Customer(
                name=f"Customer {i} {random.choice(WORDS).title()}",
                email=f"bench{i}@example.org",
                vip_level="gold" if i % 50 == 0 else "",
            )
            for i in range(count)
        ]
        return Customer.objects.bulk_create(rows, batch_size=BATCH)

    def _tickets(self, count, customers, teams, tier, agent, open_share, rng) -> None:
        now = timezone.now()
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=self.console) as progress:
            task = progress.add_task(f"Inserting {count:,} tickets + messages", total=count)
            for start in range(0, count, BATCH):
                tickets = []
                for _ in range(min(BATCH, count - start)):
                    is_open = rng.random() < open_share
                    opened = now - timedelta(minutes=rng.randint(5, 60 * 24 * 90))
                    tickets.append(
                        Ticket(
                            customer=rng.choice(customers),
                            subject=" ".join(rng.choices(TAIL, k=4) + rng.choices(WORDS, k=1)).capitalize(),
                            channel=rng.choice(Channel.values),
                            status=Ticket.Status.OPEN if is_open else Ticket.Status.RESOLVED,
                            stage=Ticket.Stage.QUEUED if is_open else Ticket.Stage.RESOLVED,
                            priority=rng.randint(1, 4),
                            issue_type=rng.choice(ISSUE_TYPES),
                            sentiment=rng.choice(Ticket.Sentiment.values),
                            team=rng.choice(teams),
                            tier=tier,
                            assignee=agent if rng.random() < 0.1 else None,
                            first_message_at=opened,
                            created_at=opened,
                            sla_due_at=now + timedelta(minutes=rng.randint(-120, 60 * 24))
                            if is_open
                            else None,
                            resolved_at=None if is_open else opened + timedelta(hours=rng.randint(1, 72)),
                        )
                    )
                Ticket.objects.bulk_create(tickets)
                Message.objects.bulk_create(
                    [
                        Message(
                            ticket=t,
                            direction=Message.Direction.INBOUND,
                            author_kind=Message.AuthorKind.CUSTOMER,
                            channel=t.channel,
                            body=" ".join(rng.choices(TAIL, k=28) + rng.choices(WORDS, k=2)),
                            created_at=t.created_at,
                        )
                        for t in tickets
                    ]
                )
                progress.advance(task, len(tickets))

    def _measure(self, size: int, manager, agent, repeat: int) -> None:
        # Rows already in the database (a seeded demo) count too: the table shows the real total.
        size = Ticket.objects.count()
        open_count = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).aggregate(n=Count("pk"))["n"]
        self.console.print(f"[bold]{size:,} tickets in the database[/] ({open_count:,} open): timing…")
        cases = [
            ("manager · All open (default sort: SLA due)", manager, "/tickets/?view=all", {}),
            ("agent · My team's queue", agent, "/tickets/?view=team", {}),
            ("manager · search 'kettle refund'", manager, "/tickets/?view=all&q=kettle+refund", {}),
            (
                "agent · list fragment (HTMX)",
                agent,
                "/tickets/?view=team",
                {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "inbox-list"},
            ),
        ]
        for label, user, url, headers in cases:
            client = Client()
            client.force_login(user)
            client.get(url, **headers)  # warm: connection, templates, plan cache
            timings, response, queries = [], None, 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, **headers)
                    timings.append((time.perf_counter() - started) * 1000)
                queries = len(captured)
            rows = response.content.count(b"data-row ")
            self._record(size, label, timings, queries, rows, len(response.content))
            if "HTTP_HX_REQUEST" in headers:
                etag = response.headers["ETag"]
                poll = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    answer = client.get(url, HTTP_IF_NONE_MATCH=etag, **headers)
                    poll.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 304, answer.status_code
                self._record(
                    size, "agent · poll, nothing changed (304)", poll, queries, 0, len(answer.content)
                )

    def _explain(self, manager) -> None:
        from tickets.queries import InboxFilters, inbox_for

        for label, filters in (("All open", InboxFilters()), ("search", InboxFilters(q="kettle refund"))):
            queryset = inbox_for(manager, "all", filters)[:50]
            plan = queryset.explain(analyze=True)
            self.console.print(f"[bold]plan · {label}[/]")
            self.console.print(plan, markup=False, highlight=False)

    def _record(self, size, label, timings, queries, rows, size_bytes) -> None:
        timings = sorted(timings)
        p90 = timings[min(len(timings) - 1, round(0.9 * (len(timings) - 1)))]
        self.rows.append(
            (
                f"{size:,}",
                label,
                f"{statistics.median(timings):.1f}",
                f"{p90:.1f}",
                queries,
                rows,
                f"{size_bytes:,}",
            )
        )
