"""A forked process never talks over its parent's database connections.

django-q's cluster forks its pusher, monitor and workers from a process that has already used
the database. With psycopg's pool (``DB_POOL_MAX_SIZE``, on by default) every child inherited
the pool and its open sockets, so several processes sent queries over one session at once
("the last operation didn't produce records", a row of someone else's query) and the intake
pipeline never drained. After a fork the child forgets the inherited pools and connections, so
its first query opens its own. They are kept referenced, never closed or garbage-collected:
closing (or libpq freeing them) would send a Terminate over the socket and end the parent's
session.
"""

from __future__ import annotations

import os

_inherited: list[object] = []


def forget_inherited_connections() -> None:
    from django.db import connections
    from django.db.backends.postgresql.base import DatabaseWrapper

    pools = DatabaseWrapper._connection_pools
    _inherited.extend(pools.values())
    pools.clear()
    for wrapper in connections.all(initialized_only=True):
        if wrapper.connection is not None:
            _inherited.append(wrapper.connection)
            wrapper.connection = None


def install() -> None:
    """Register the after-fork hook (once per process, from ``HelpdeskConfig.ready``)."""
    os.register_at_fork(after_in_child=forget_inherited_connections)
