"""The one seam to the job queue: the only module that imports django_q.

Side effects run after the surrounding transaction commits, so a job never sees a row that
was rolled back and never runs inside the request that caused it.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
# Set by ``jobs_inline``: jobs run in-process at once instead of going to the broker.
_inline = threading.local()


def enqueue(path: str, *args: Any, **kwargs: Any) -> None:
    """Queue ``path(*args)`` now (callers that are not inside a transaction)."""
    if getattr(_inline, "active", False):
        try:
            import_string(path)(*args, **kwargs)
        except Exception:
            logger.exception("Inline job %s%r failed", path, args)
        return
    from django_q.tasks import async_task

    async_task(path, *args, **kwargs)


def enqueue_on_commit(path: str, *args: Any, **kwargs: Any) -> None:
    """Queue ``path(*args)`` once the current transaction commits (now, outside one)."""
    transaction.on_commit(lambda: enqueue(path, *args, **kwargs))


def schedule_once(path: str, *args: Any, run_at: Any, name: str | None = None) -> None:
    """Run ``path(*args)`` once at ``run_at`` (a django-q2 one-off Schedule), after commit."""
    from django_q.models import Schedule

    def create() -> None:
        Schedule.objects.create(
            func=path,
            args=",".join(repr(a) for a in args) if args else None,
            schedule_type=Schedule.ONCE,
            next_run=run_at,
            repeats=1,
            name=name,
        )

    transaction.on_commit(create)


@contextmanager
def jobs_inline() -> Iterator[None]:
    """Run every job queued inside the block in-process, at once (demo seeding, one-off scripts).

    Nothing goes to the broker (no task rows, no worker needed), so the rows a job writes are
    there when the block ends. A failing job is logged and does not stop the caller.
    """
    previous = getattr(_inline, "active", False)
    _inline.active = True
    try:
        yield
    finally:
        _inline.active = previous


def runs_inline() -> bool:
    """True when queued jobs run in the caller at once (``jobs_inline`` or django-q2 sync mode)."""
    if getattr(_inline, "active", False):
        return True
    from django_q.conf import Conf

    return bool(Conf.SYNC)
