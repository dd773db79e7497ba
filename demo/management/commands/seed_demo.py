"""Seed the demo store (teams, agents, customers, orders, tickets with history); safe to run twice."""

import time

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from demo import seed as demo


class Command(BaseCommand):
    help = "Create the demo store once: teams, agents (logins printed), customers, orders and tickets."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=200)
        parser.add_argument("--tickets", type=int, default=500)
        parser.add_argument(
            "--seed", type=int, default=demo.SEED, help="Random seed (same seed, same store)."
        )

    def handle(self, *args, customers: int, tickets: int, seed: int, **options):
        console = Console(file=self.stdout, highlight=False)
        started = time.monotonic()
        with Progress(
            TextColumn("Seeding demo tickets"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("tickets", total=tickets)
            report = demo.run(
                customers=customers,
                tickets=tickets,
                seed=seed,
                progress=lambda advance: progress.advance(task, advance),
                log=console.print,
            )
        if report.created:
            outcomes = ", ".join(f"{count} {name}" for name, count in report.outcomes.items() if count)
            console.print(
                f"Seeded {report.customers} customers, {report.orders} orders and {report.tickets} tickets "
                f"({outcomes}) in {time.monotonic() - started:.1f} s."
            )
        else:
            console.print("Demo data is already there: nothing to do.")
        logins = Table(title=f"Demo logins (password: {demo.DEMO_PASSWORD})", title_justify="left")
        for column in ("login", "role", "team", "tier"):
            logins.add_column(column)
        for user in report.logins:
            logins.add_row(user.username, " + ".join(user.roles), user.team or "-", user.tier or "-")
        console.print(logins)
