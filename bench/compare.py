"""Handoff next to django-helpdesk on the same machine, the same PostgreSQL and the same workload.

    .venv/bin/python bench/compare.py                     # 100,000 tickets each (seeded once)
    .venv/bin/python bench/compare.py --tickets 2000      # a quick smoke run
    .venv/bin/python bench/compare.py --database-url postgres://u:p@host:5432/postgres

Run by hand, not by ``make test``. Steps: django-helpdesk (PyPI, version PEER_VERSION) goes into
its own virtualenv ``bench/.venv-peer``; two databases on one PostgreSQL server (the embedded
one in ``.pgdata/`` unless ``--database-url``) are seeded with the same tickets
(``bench/workload.py``); both apps are served by gunicorn with ``--workers`` sync workers and
``DEBUG`` off (Handoff also runs its ``qcluster``, as in production); then ``--rounds``
alternating rounds measure each figure, and the medians of the rounds are printed with their
ratios and written to ``bench/results/latest.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import workload  # noqa: E402

PEER_VERSION = "2.6.1"
PEER_VENV = HERE / ".venv-peer"
PY = Path(sys.executable)
# Pages slower than this are timed once; requests are abandoned after TIMEOUT_S.
SLOW_MS = 5_000
TIMEOUT_S = 60
SECRET = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers for each app")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for ticket creation")
    parser.add_argument("--creates", type=int, default=200, help="tickets created per app and round")
    parser.add_argument("--pages", type=int, default=15, help="sequential requests per page and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL server (its database name is ignored)")
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed both databases")
    args = parser.parse_args()

    ensure_peer_venv()
    server = args.database_url or embedded_server()
    suffix = f"{args.tickets // 1000}k" if args.tickets >= 1000 else str(args.tickets)
    handoff_db, peer_db = f"bench_handoff_{suffix}", f"bench_peer_{suffix}"
    for name in (handoff_db, peer_db):
        create_database(server, name, fresh=args.fresh)
    handoff_url, peer_url = with_database(server, handoff_db), with_database(server, peer_db)

    say(f"Seeding Handoff ({args.tickets:,} tickets)…")
    handoff = seed([str(PY), str(HERE / "seed_handoff.py"), str(args.tickets)], {"DATABASE_URL": handoff_url})
    say(f"Seeding django-helpdesk {PEER_VERSION} ({args.tickets:,} tickets)…")
    peer = seed(
        [str(PEER_VENV / "bin" / "python"), str(HERE / "peer" / "seed_peer.py"), str(args.tickets)],
        {"PEER_DATABASE_URL": peer_url},
    )

    logs = HERE / "results" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        handoff_base = stack.enter_context(serve_handoff(handoff_url, args.workers, logs))
        peer_base = stack.enter_context(serve_peer(peer_url, args.workers, logs))
        apps = {
            "handoff": Handoff(handoff_base, handoff, args),
            "peer": Peer(peer_base, peer, args),
        }
        for app in apps.values():
            app.log_in()
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in apps}
        for number in range(1, args.rounds + 1):
            for name, app in apps.items():
                say(f"Round {number}/{args.rounds}: {name}")
                rounds[name].append(app.measure(number))
    report = render(rounds, args, server)
    print(report)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.md").write_text(report)


# --- setup ------------------------------------------------------------------------------------


def say(text: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)


def ensure_peer_venv() -> None:
    python = PEER_VENV / "bin" / "python"
    probe = [
        str(python),
        "-c",
        f"import importlib.metadata as m; assert m.version('django-helpdesk') == '{PEER_VERSION}'",
    ]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return
    say(f"Installing django-helpdesk {PEER_VERSION} into {PEER_VENV.relative_to(ROOT)} …")
    subprocess.run(["python3", "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"django-helpdesk=={PEER_VERSION}",
            "gunicorn>=23",
            "psycopg[binary]>=3.1",
        ],
        check=True,
    )


def embedded_server() -> str:
    subprocess.run(
        [str(PY), "-m", "helpdesk.embedded_pg", "start"], cwd=ROOT, check=True, capture_output=True
    )
    sys.path.insert(0, str(ROOT))
    from helpdesk import embedded_pg

    return embedded_pg.url()


def with_database(server: str, name: str) -> str:
    return server.rsplit("/", 1)[0] + "/" + name


def create_database(server: str, name: str, *, fresh: bool) -> None:
    import psycopg

    with psycopg.connect(conninfo(with_database(server, "postgres")), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def conninfo(url: str) -> str:
    import dj_database_url

    db = dj_database_url.parse(url)
    parts = {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "host": db["HOST"],
        "port": db["PORT"],
    }
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)


def seed(command: list[str], env: dict[str, str]) -> dict:
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
    if result.returncode:
        sys.exit(f"seeding failed: {' '.join(command)}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def process(name: str, command: list[str], env: dict[str, str], cwd: Path, logs: Path):
    with open(logs / f"{name}.log", "wb") as out:
        popen = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield popen
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGTERM)
            try:
                popen.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)


def wait_up(url: str, popen: subprocess.Popen, name: str) -> None:
    for _ in range(240):
        if popen.poll() is not None:
            sys.exit(f"{name} exited; see bench/results/logs/{name}.log")
        try:
            urllib.request.urlopen(request(url), timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    sys.exit(f"{name} did not answer; see bench/results/logs/{name}.log")


@contextmanager
def serve_handoff(database_url: str, workers: int, logs: Path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(HERE / "results" / "static"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_ACCESS_LOG": "",
        "API_THROTTLE_INTEGRATION": "1000000/min",
        "API_THROTTLE_USER": "1000000/min",
    }
    subprocess.run(
        [str(PY), "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    with ExitStack() as stack:
        stack.enter_context(process("handoff-worker", [str(PY), "manage.py", "qcluster"], env, ROOT, logs))
        web = stack.enter_context(
            process("handoff-web", [str(PY.parent / "gunicorn"), "helpdesk.wsgi"], env, ROOT, logs)
        )
        base = f"http://127.0.0.1:{port}"
        wait_up(base + "/api/v1/health/", web, "handoff-web")
        yield base


@contextmanager
def serve_peer(database_url: str, workers: int, logs: Path):
    port = free_port()
    env = {
        **os.environ,
        "PEER_DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "peer_settings",
        "PYTHONPATH": str(HERE),
    }
    command = [
        str(PEER_VENV / "bin" / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(TIMEOUT_S),
        "django.core.wsgi:get_wsgi_application()",
    ]
    with process("peer-web", command, env, HERE / "peer", logs) as web:
        base = f"http://127.0.0.1:{port}"
        wait_up(base + "/login/", web, "peer-web")
        yield base


# --- measuring --------------------------------------------------------------------------------


def request(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> urllib.request.Request:
    # Handoff runs with DEBUG off behind an assumed TLS proxy (docs/deploy.md); the peer ignores it.
    return urllib.request.Request(url, data=data, headers={"X-Forwarded-Proto": "https", **(headers or {})})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class App:
    name = ""

    def __init__(self, base: str, seeded: dict, args):
        self.base, self.seeded, self.args = base, seeded, args
        self.cookies: dict[str, str] = {}

    def get(
        self, path: str, headers: dict[str, str] | None = None, data: bytes | None = None
    ) -> tuple[int, bytes, float]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {"Cookie": cookie, "Referer": f"https://{self.base.split('://')[1]}/", **(headers or {})}
        started = time.perf_counter()
        try:
            response = OPENER.open(request(self.base + path, data, headers), timeout=TIMEOUT_S)
        except urllib.error.HTTPError as error:
            response = error
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return response.status, body, elapsed

    def log_in(self) -> None:
        self.get("/login/")
        token = self.cookies["csrftoken"]
        body = f"username=bench-lead&password=bench-password&csrfmiddlewaretoken={token}".encode()
        status, content, _ = self.get("/login/", {"Content-Type": "application/x-www-form-urlencoded"}, body)
        if status != 302:
            sys.exit(f"{self.name}: login failed ({status}): {content[:500]!r}")

    def page(self, path: str, headers: dict[str, str] | None = None) -> float:
        """Median server round trip of sequential GETs (after one warm-up), in ms.

        A page slower than SLOW_MS is timed once (its warm-up), and one that times out or fails
        counts as infinitely slow: the table says so instead of the run taking hours.
        """
        try:
            status, body, first = self.get(path, headers)
        except (TimeoutError, OSError):
            return float("inf")
        if status >= 500 or status == 504:
            return float("inf")
        if status != 200:
            sys.exit(f"{self.name}: GET {path} answered {status}: {body[:500]!r}")
        if first > SLOW_MS:
            return first
        return statistics.median(self.get(path, headers)[2] for _ in range(self.args.pages))

    def create(self, round_number: int) -> dict[str, float]:
        """Tickets created over HTTP by ``--clients`` concurrent clients: rate, p50, p95."""
        first = 1_000_000 * round_number + (0 if self.name == "handoff" else 500_000)
        numbers = range(first, first + self.args.creates)
        started = time.perf_counter()
        with ThreadPoolExecutor(self.args.clients) as pool:
            results = list(pool.map(self.create_one, numbers))
        wall = time.perf_counter() - started
        errors = sum(1 for status, _ in results if status not in (200, 201))
        if errors:
            sys.exit(f"{self.name}: {errors} of {len(results)} creations failed")
        times = sorted(ms for _, ms in results)
        return {
            "create_rate": len(times) / wall,
            "create_p50": statistics.median(times),
            "create_p95": times[int(len(times) * 0.95) - 1],
        }


class Handoff(App):
    name = "handoff"

    def create_one(self, number: int) -> tuple[int, float]:
        message = workload.new_message(number)
        payload = {
            "channel": "email",
            "external_id": f"<bench-{number}@shop.example>",
            "sender": {"email": message["email"]},
            "subject": message["subject"],
            "body": message["body"],
        }
        headers = {"Authorization": f"Bearer {self.seeded['api_key']}", "Content-Type": "application/json"}
        started = time.perf_counter()
        with urllib.request.urlopen(
            request(self.base + "/api/v1/messages/", json.dumps(payload).encode(), headers), timeout=120
        ) as r:
            r.read()
            return r.status, (time.perf_counter() - started) * 1000

    def measure(self, round_number: int) -> dict[str, float]:
        ticket = self.seeded["detailed"][round_number % len(self.seeded["detailed"])]
        api = {"Authorization": f"Bearer {self.seeded['api_key']}"}
        return {
            **self.create(round_number),
            "list_page": self.page("/tickets/?view=all"),
            "list_data": self.page("/tickets/?view=all", {"HX-Request": "true", "HX-Target": "inbox-list"}),
            "ticket_page": self.page(f"/tickets/{ticket}/"),
            "dashboard": self.page("/analytics/"),
            "api_list": self.page("/api/v1/tickets/", api),
            "metrics": self.page("/analytics/metrics/"),
        }


class Peer(App):
    name = "peer"

    def create_one(self, number: int) -> tuple[int, float]:
        message = workload.new_message(number)
        payload = {
            "queue": self.seeded["queue"],
            "title": message["subject"],
            "description": message["body"],
            "submitter_email": message["email"],
            "priority": 3,
        }
        headers = {"Authorization": f"Token {self.seeded['api_token']}", "Content-Type": "application/json"}
        started = time.perf_counter()
        with urllib.request.urlopen(
            request(self.base + "/api/tickets/", json.dumps(payload).encode(), headers), timeout=120
        ) as r:
            r.read()
            return r.status, (time.perf_counter() - started) * 1000

    def measure(self, round_number: int) -> dict[str, float]:
        ticket = self.seeded["detailed"][round_number % len(self.seeded["detailed"])]
        status, html, _ = self.get("/tickets/")
        # The list page is a shell; its rows come from this DataTables endpoint.
        data_url = re.search(rb'"url": "(/datatables_ticket_list/[^"]+)"', html)
        if status != 200 or not data_url:
            sys.exit(f"peer: the ticket list page answered {status} without its data URL")
        api = {"Authorization": f"Token {self.seeded['api_token']}"}
        return {
            **self.create(round_number),
            "list_page": self.page("/tickets/"),
            "list_data": self.page(data_url.group(1).decode() + "?draw=1&start=0&length=25"),
            "ticket_page": self.page(f"/tickets/{ticket}/"),
            "dashboard": self.page("/dashboard/"),
            "api_list": self.page("/api/tickets/", api),
        }


# --- report -----------------------------------------------------------------------------------

ROWS = [
    ("ticket creation over HTTP", "create"),
    ("agent list, first page (page)", "list_page"),
    ("agent list, first page (rows: fragment / list data)", "list_data"),
    ("ticket page, 4 messages", "ticket_page"),
    ("dashboard", "dashboard"),
    ("API ticket list", "api_list"),
    ("metrics, 30 days", "metrics"),
]


def render(rounds: dict[str, list[dict[str, float]]], args, server: str) -> str:
    med = {
        name: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for name, runs in rounds.items()
    }
    h, p = med["handoff"], med["peer"]
    lines = [
        f"# Handoff vs django-helpdesk {PEER_VERSION}, {args.tickets:,} tickets each",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()} · PostgreSQL {pg_version(server)} · "
        f"gunicorn {args.workers} sync workers each · {args.clients} clients creating {args.creates} tickets · "
        f"page figures: median of {args.pages} sequential requests · medians of {args.rounds} alternating rounds",
        "",
        "| figure | Handoff | django-helpdesk | ratio (Handoff better when > 1) |",
        "|---|---|---|---|",
    ]
    for label, key in ROWS:
        if key == "create":
            lines.append(
                f"| {label} | {h['create_rate']:.1f}/s, p50 {h['create_p50']:.0f} ms, p95 {h['create_p95']:.0f} ms "
                f"| {p['create_rate']:.1f}/s, p50 {p['create_p50']:.0f} ms, p95 {p['create_p95']:.0f} ms "
                f"| {h['create_rate'] / p['create_rate']:.2f}× the rate |"
            )
        elif key in p:
            ratio = p[key] / h[key]
            shown = f"{ratio:.2f}×" if ratio != float("inf") else f"over {TIMEOUT_S * 1000 / h[key]:,.0f}×"
            lines.append(f"| {label} | {ms(h[key])} | {ms(p[key])} | {shown} |")
        else:
            lines.append(f"| {label} | {ms(h[key])} | none | |")
    lines += [
        "",
        "Handoff: `/api/v1/messages/` (API key), `/tickets/?view=all` and its HTMX fragment, `/tickets/ID/`, "
        "`/analytics/`, `/api/v1/tickets/`, `/analytics/metrics/`, signed in as a manager, `DEBUG` off, its "
        "`qcluster` running. django-helpdesk: `/api/tickets/` (token), `/tickets/` and its DataTables "
        "data (25 rows), `/tickets/ID/`, `/dashboard/`, `/api/tickets/`, signed in as a superuser.",
        "",
    ]
    return "\n".join(lines)


def ms(value: float) -> str:
    if value == float("inf"):
        return f"no answer within {TIMEOUT_S} s"
    return f"{value:,.0f} ms"


def machine() -> str:
    cpu, memory = platform.processor(), ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def pg_version(server: str) -> str:
    import psycopg

    with psycopg.connect(conninfo(with_database(server, "postgres"))) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


if __name__ == "__main__":
    main()
