"""Real server processes for the deployment tests: gunicorn, qcluster and redis-server on loopback.

Each runs in its own process group against the test database (so tests using these are
``django_db(transaction=True)``: the other processes only see committed rows) and is stopped,
group and all, when the ``running`` block ends.
"""

from __future__ import annotations

import http.cookiejar
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
SECRET = "x7!kP2@qL9#vR4$wT8%yU3^zA6&bC1*dE5(fG0)hJ-kM_nN+pQ=rS"
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_database_url() -> str:
    """The URL of the database this test runs against (pytest-django's test database)."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def production_environment(**overrides: str) -> dict[str, str]:
    """The environment docs/deploy.md sets, pointed at the test database."""
    env = {
        key: value
        for key, value in os.environ.items()
        # Test-only switches a deployment never has.
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "Q_SYNC", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=current_database_url(),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(overrides)
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def running(name: str, args: list[str], env: dict[str, str], logs: Path) -> Iterator[Process]:
    log = logs / f"{name}.log"
    with open(log, "wb") as out:
        popen = subprocess.Popen(
            args, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    process = Process(name, popen, log)
    try:
        yield process
    finally:
        stop(popen)


def stop(popen: subprocess.Popen, timeout: float = 15) -> None:
    if popen.poll() is not None:
        return
    os.killpg(popen.pid, signal.SIGTERM)
    try:
        popen.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()


def gunicorn(env: dict[str, str], logs: Path, name: str = "web", workers: int = 1) -> tuple[str, ExitStack]:
    """Start ``gunicorn helpdesk.wsgi`` as docs/deploy.md does; return its base URL once it answers."""
    port = free_port()
    stack = ExitStack()
    process = stack.enter_context(
        running(
            name,
            [str(BIN / "gunicorn"), "helpdesk.wsgi"],
            {**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers)},
            logs,
        )
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, f"{base}/api/v1/health/")
    except BaseException:
        stack.close()
        raise
    return base, stack


def wait_until_up(process: Process, url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(f"{process.name} exited:\n{process.output()}")
        try:
            urllib.request.urlopen(https_request(url), timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answered
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise AssertionError(f"{process.name} did not answer within {timeout}s:\n{process.output()}")


def https_request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None):
    """A request as the TLS-terminating proxy in docs/deploy.md forwards it."""
    return urllib.request.Request(url, data=data, headers={"X-Forwarded-Proto": "https", **(headers or {})})


class Browser:
    """Cookies and CSRF over plain loopback HTTP that the app believes is HTTPS (secure cookies kept)."""

    def __init__(self, base: str):
        self.base = base
        self.jar: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None):
        cookie = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        extra = {"Cookie": cookie, "Referer": f"https://{self.base.split('://')[1]}/", **(headers or {})}
        try:
            response = self.opener.open(https_request(self.base + path, data, extra), timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookiejar.split_header_words([header])[0][0]
            self.jar[cookie[0]] = cookie[1]
        return response

    def log_in(self, username: str, password: str) -> None:
        self.request("/login/")
        body = f"username={username}&password={password}&csrfmiddlewaretoken={self.jar['csrftoken']}"
        response = self.request(
            "/login/", body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert response.status == 302, response.read()[:2000]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
