"""Backfill a connection: customers, products, then orders, page by page, resumable.

After each page the cursor of the next one is saved on the connection (``sync_cursor``) in the
same transaction as the page's rows, so an interrupted sync resumes at the first page not stored
and re-running a finished one starts over (upserts make that harmless).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from store import upsert
from store.connectors import backend_for
from store.models import StoreConnection

RESOURCES = ("customers", "products", "orders")
DONE = "__done__"


def sync_connection(
    connection: StoreConnection,
    *,
    resources: tuple[str, ...] = RESOURCES,
    page_size: int = 100,
    restart: bool = False,
    on_page: Callable[[str, int], None] | None = None,
    max_pages: int | None = None,
) -> dict[str, int]:
    """Fetch and upsert every page of ``resources``; returns the number of records per resource.

    ``on_page(resource, count)`` is called after each stored page (the command's progress bar).
    ``max_pages`` stops early (tests use it to simulate an interruption).
    """
    backend = backend_for(connection)
    if restart:
        StoreConnection.objects.filter(pk=connection.pk).update(sync_cursor={})
        connection.sync_cursor = {}
    counts = dict.fromkeys(resources, 0)
    pages = 0
    for resource in resources:
        cursor = connection.sync_cursor.get(resource)
        if cursor == DONE:
            continue
        fetch = getattr(backend, f"fetch_{resource}")
        while True:
            if max_pages is not None and pages >= max_pages:
                return counts
            page = fetch(cursor=cursor, page_size=page_size)
            with transaction.atomic():
                if resource == "orders":
                    upsert.upsert_orders(connection, page.items)
                elif resource == "products":
                    upsert.upsert_products(connection, page.items)
                else:
                    upsert.upsert_customers(connection, page.items)
                cursor = page.next_cursor
                connection.sync_cursor = {**connection.sync_cursor, resource: cursor or DONE}
                StoreConnection.objects.filter(pk=connection.pk).update(sync_cursor=connection.sync_cursor)
            pages += 1
            counts[resource] += len(page.items)
            if on_page:
                on_page(resource, len(page.items))
            if not cursor:
                break
    # A finished sync starts from the beginning next time (picks up changes missed by webhooks).
    connection.sync_cursor, connection.last_synced_at = {}, timezone.now()
    StoreConnection.objects.filter(pk=connection.pk).update(
        sync_cursor={}, last_synced_at=connection.last_synced_at
    )
    return counts
