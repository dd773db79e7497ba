"""Fault test (issue 14, finding 10): PostgreSQL stops in the middle of a stream of posts.

A throwaway embedded PostgreSQL in its own directory (never the shared test database) serves
a real server process with production settings (DEBUG off). While it is down every post gets
a JSON 503 with Retry-After, never a 500; after it is back, retrying each post with its
Idempotency-Key succeeds, and every message is stored exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
POSTS = 40
STOP_AFTER = 12


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True, **kwargs
    )


def post(port: int, key: str, index: int, api_key: str) -> tuple[int, dict, dict]:
    body = json.dumps(
        {"channel": "api", "sender": {"email": f"c{index}@example.org"}, "body": f"Fault message {index}"}
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/messages/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {api_key}",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {"raw": raw[:200].decode(errors="replace")}
        return exc.code, dict(exc.headers), payload


@pytest.fixture
def throwaway_postgres():
    pgdata = Path(tempfile.mkdtemp(prefix="hd-fault-"))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(PGDATA_DIR=str(pgdata / "pg"))
    url = run(["-m", "helpdesk.embedded_pg", "start"], env, timeout=180).stdout.strip().splitlines()[-1]
    yield env, url
    run(["-m", "helpdesk.embedded_pg", "stop"], env, timeout=120)
    shutil.rmtree(pgdata, ignore_errors=True)


def test_posts_during_a_database_outage_get_json_503_and_are_stored_once_after_retry(throwaway_postgres):
    env, url = throwaway_postgres
    env = {
        **env,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "fault-test-" + "x" * 50,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_POOL_TIMEOUT": "2",
        "Q_SYNC": "0",
        "TRIAGE_BACKEND": "routing.triage.backends.heuristic.HeuristicBackend",
    }
    run(["manage.py", "migrate", "--noinput", "-v", "0"], env, timeout=600)
    api_key = (
        run(["manage.py", "create_api_key", "fault-test"], env, timeout=120).stdout.strip().splitlines()[-1]
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.25)
        outcomes: dict[int, int] = {}
        for index in range(POSTS):
            if index == STOP_AFTER:
                run(["-m", "helpdesk.embedded_pg", "stop"], env, timeout=120)
            code, headers, payload = post(port, f"fault-{index}", index, api_key)
            outcomes[index] = code
            assert (code != 500 and code < 500) or code == 503, (index, code, payload)
            if code == 503:
                assert payload["code"] == "unavailable" and int(headers["Retry-After"]) > 0
        assert all(outcomes[i] == 201 for i in range(STOP_AFTER)), outcomes
        assert all(outcomes[i] == 503 for i in range(STOP_AFTER, POSTS)), outcomes

        run(["-m", "helpdesk.embedded_pg", "start"], env, timeout=180)
        # Retry every post (the ones that succeeded too: a client that lost the answer would).
        for index in range(POSTS):
            for _attempt in range(20):
                code, _headers, payload = post(port, f"fault-{index}", index, api_key)
                assert code < 500 or code == 503, (index, code, payload)
                if code != 503:
                    break
                time.sleep(0.5)
            assert code == 201, (index, code, payload)
    finally:
        server.terminate()
        server.wait(timeout=30)

    from urllib.parse import unquote, urlsplit

    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(host=unquote(parts.hostname or ""), user="postgres", dbname="helpdesk") as db:
        rows = db.execute(
            "SELECT body, count(*) FROM tickets_message WHERE body LIKE 'Fault message %%' GROUP BY body"
        ).fetchall()
    counts = dict(rows)
    assert counts == {f"Fault message {i}": 1 for i in range(POSTS)}
