"""Cluster-wide mutual exclusion for periodic work, on PostgreSQL advisory locks.

A session-level advisory lock belongs to the database connection: when the process holding it
is killed, PostgreSQL drops the connection and the lock with it, so an interrupted job never
blocks the next run. Every scheduled job runs through :func:`run_exclusive` (see
``sync_schedules``): two workers, or a worker and a management command, never run the same job
at once; the second one skips.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@contextmanager
def exclusive(name: str, *, wait: bool = False) -> Iterator[bool]:
    """Hold the advisory lock ``name`` for the block; yields whether it was acquired.

    ``wait=False`` gives up at once (yields False) when another session holds it.
    """
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [name])
            acquired = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [name])
            acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [name])


def run_exclusive(func: str, *args: Any) -> Any:
    """Run the job at dotted path ``func`` unless another process is running it (then skip)."""
    with exclusive(f"job:{func}") as acquired:
        if not acquired:
            logger.info("Skipped %s: another process is running it.", func)
            return None
        return import_string(func)(*args)
