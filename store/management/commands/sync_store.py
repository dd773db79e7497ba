"""Backfill orders, customers and products from connected stores, with a progress bar.

    python manage.py sync_store                    # every active connection
    python manage.py sync_store --connection 3     # one
    python manage.py sync_store --restart          # ignore a saved cursor and start over

Interrupted (Ctrl-C, a crash, a store error)? Run it again: it resumes at the first page not stored.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from store.connectors.base import StoreError
from store.models import StoreConnection
from store.sync import sync_connection


class Command(BaseCommand):
    help = "Backfill orders, customers and products from connected stores (resumable)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--connection", type=int, help="Connection id (default: all active)")
        parser.add_argument("--page-size", type=int, default=100)
        parser.add_argument("--restart", action="store_true")

    def handle(self, *args, **options) -> None:
        connections = StoreConnection.objects.filter(is_active=True)
        if options["connection"]:
            connections = connections.filter(pk=options["connection"])
        if not connections.exists():
            raise CommandError("No active store connection; create one with manage.py connect_store.")
        for connection in connections:
            self.sync_one(connection, page_size=options["page_size"], restart=options["restart"])

    def sync_one(self, connection: StoreConnection, *, page_size: int, restart: bool) -> None:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} records"))
        with Progress(*columns, TimeElapsedColumn()) as progress:
            tasks: dict[str, int] = {}

            def on_page(resource: str, count: int) -> None:
                if resource not in tasks:
                    tasks[resource] = progress.add_task(f"{connection.shop_domain}: {resource}", total=None)
                progress.advance(tasks[resource], count)

            try:
                counts = sync_connection(connection, page_size=page_size, restart=restart, on_page=on_page)
            except StoreError as exc:
                raise CommandError(f"{exc.message} Run the command again to resume.") from exc
        summary = ", ".join(f"{n} {resource}" for resource, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"{connection}: {summary}"))
