"""A process forked after the parent used the database (django-q's workers) opens its own
connection instead of sharing the parent's session."""

import os

import pytest
from django.db import connection


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_forked_child_opens_its_own_session_and_the_parent_keeps_its_own():
    parent = _backend_pid()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(write, str(_backend_pid()).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    child_pid = int(os.read(read, 64).decode() or 0)
    os.close(read)
    assert child_pid and child_pid != parent
    # The parent's session is intact: the child neither used nor closed it.
    assert _backend_pid() == parent
