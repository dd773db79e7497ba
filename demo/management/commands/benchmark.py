"""Generate a large realistic helpdesk history in SQL, then time the dashboard and the metrics.

    python manage.py benchmark --tickets 100000
    python manage.py benchmark --tickets 1000000 --days 365
    python manage.py benchmark --skip-generate          # time what is already there
    python manage.py benchmark --skip-generate --fold   # fold every ticket first, then time
    python manage.py benchmark --skip-generate --pages-only --page-repeat 40   # the goals table only

Rows are produced by PostgreSQL itself (``INSERT ... SELECT`` over ``generate_series`` in
chunks, with a progress bar): customers, tickets across channels/issue types/tiers/teams with
realistic timings, their messages, and their event log (triage, stage changes, replies with
draft similarity, discarded drafts, overrides, escalations and de-escalations, SLA breaches,
resolutions, reopenings, CSAT), then every ticket is folded into the metrics facts (timed).
Generated rows carry the tag ``benchmark``; ``--clear`` deletes them. Use a scratch database
(``DATABASE_URL``) for the million-ticket run. ``--skip-generate --fold`` folds the facts of
existing data (e.g. generated before the facts table existed) and times it.

The run ends with the pages table: every page an agent or manager waits for (inbox list and
fragment, search, ticket page, API list, dashboard, 30-day metrics), p50/p95 server time of
``--page-repeat`` requests, the query count, and the goal it is held to (issue 15: at 1M tickets
and 3M messages).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.benchmark.generate import clear, fold_facts, generate
from demo.benchmark.measure import measure
from demo.benchmark.pages import time_pages


class Command(BaseCommand):
    help = "Generate a large dataset (SQL bulk inserts) and time the dashboard and the full metrics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=100_000)
        parser.add_argument("--days", type=int, default=365, help="History length the tickets spread over.")
        parser.add_argument("--chunk", type=int, default=50_000)
        parser.add_argument(
            "--repeat", type=int, default=3, help="Timed runs per measurement (median shown)."
        )
        parser.add_argument("--skip-generate", action="store_true", help="Only time the existing data.")
        parser.add_argument("--clear", action="store_true", help="Delete generated rows and stop.")
        parser.add_argument("--skip-year", action="store_true", help="Leave out the 365-day metrics.")
        parser.add_argument(
            "--fold",
            action="store_true",
            help="With --skip-generate: fold every ticket into the facts first.",
        )
        parser.add_argument(
            "--page-repeat", type=int, default=20, help="Timed requests per page (p50/p95 shown)."
        )
        parser.add_argument("--only", default="", help="Time only the pages whose label contains this.")
        parser.add_argument(
            "--pages-only", action="store_true", help="Only the pages table (skip the per-query timings)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clear"]:
            clear(self.stdout.write)
            return
        if not options["skip_generate"]:
            started = time.perf_counter()
            fold = generate(options["tickets"], days=options["days"], chunk=options["chunk"])
            self.stdout.write(
                f"generated in {time.perf_counter() - started - fold:.1f} s; ticket facts folded in {fold:.1f} s"
            )
        elif options["fold"]:
            self.stdout.write(f"ticket facts folded in {fold_facts():.1f} s")
        if not options["pages_only"]:
            measure(repeat=options["repeat"], write=self.stdout.write, year=not options["skip_year"])
        self._pages(options["page_repeat"], options["only"])

    def _pages(self, repeat: int, only: str) -> None:
        from rich.console import Console
        from rich.table import Table

        console = Console(width=140)
        with console.status("timing pages") as status:
            timings = time_pages(
                repeat=repeat, only=only, progress=lambda label: status.update(f"timing {label}")
            )
        table = Table(title=f"Pages: server time of {repeat} requests each (ms), queries, goal (p95)")
        for column in ("page", "p50", "p95", "goal", "met", "queries", "status", "bytes"):
            table.add_column(column, justify="left" if column == "page" else "right")
        for t in timings:
            table.add_row(
                t.page.label,
                f"{t.p50:.1f}",
                f"{t.p95:.1f}",
                f"< {t.page.goal_ms:g}",
                "yes" if t.met else "NO",
                str(t.queries),
                str(t.status),
                f"{t.size:,}",
            )
        console.print(table)
