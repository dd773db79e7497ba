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
# Set by ``coalesced``: the list that jobs queued on commit join.
_coalesced = threading.local()


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
    """Queue ``path(*args)`` once the current transaction commits (now, outside one).

    Inside ``coalesced()`` the job joins the block's list instead (one queued job for all).
    """
    pending = getattr(_coalesced, "jobs", None)
    if pending is not None:
        transaction.on_commit(lambda: pending.append((path, args, kwargs)))
        return
    transaction.on_commit(lambda: enqueue(path, *args, **kwargs))


@contextmanager
def coalesced() -> Iterator[None]:
    """Send the jobs queued on commit inside the block as ONE job (``run_jobs``) at its end.

    For batch work (the intake pipeline): a batch of 32 tickets queues one task instead of a
    hundred, so the broker and the workers spend their time on the work, not on the queue.
    Jobs of a transaction that rolled back are dropped, as with ``enqueue_on_commit``.
    """
    if getattr(_coalesced, "jobs", None) is not None:
        yield
        return
    _coalesced.jobs = jobs = []
    try:
        yield
    finally:
        _coalesced.jobs = None

    def send() -> None:
        # Runs after the block's own on-commit callbacks, which filled ``jobs``.
        if jobs:
            enqueue("helpdesk.queue.run_jobs", [(path, list(args), kwargs) for path, args, kwargs in jobs])

    transaction.on_commit(send)


def run_jobs(jobs: list[tuple[str, list[Any], dict[str, Any]]]) -> int:
    """Job: run the jobs ``coalesced()`` gathered, in order; one failing is logged and the
    others still run (each is idempotent, and its own sweep retries what failed). Returns how
    many succeeded."""
    done = 0
    for path, args, kwargs in jobs:
        try:
            import_string(path)(*args, **kwargs)
            done += 1
        except Exception:
            logger.exception("Coalesced job %s%r failed", path, tuple(args))
    return done


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
