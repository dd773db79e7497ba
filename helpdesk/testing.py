"""Test support shared by every app's tests (imported by tests only)."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_concurrently(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread, released at the same instant by a barrier.

    Returns the results in call order and re-raises the first exception a thread raised (a
    thread's exception would otherwise be lost). Each thread closes its own database
    connection, so use it from ``django_db(transaction=True)`` tests against real PostgreSQL.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
