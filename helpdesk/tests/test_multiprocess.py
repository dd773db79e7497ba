"""Two gunicorn and two qcluster processes on one PostgreSQL and one Redis broker (docs/deploy.md).

Messages arrive at both web servers at once, each one also retried at the other server; the
workers of both clusters take jobs from the same Redis list. Every ticket must be routed once,
followed up once and announced to a webhook once, however the work was spread.
"""

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.utils import timezone

from followups.models import FollowUp, WebhookSubscription
from followups.models.channels import WebhookEvent
from helpdesk.tests.processes import (
    BASE_DIR,
    BIN,
    REDIS_SERVER,
    free_port,
    gunicorn,
    https_request,
    production_environment,
    running,
)
from routing.workflow import install_default_workflow
from tickets.actions import resolve_ticket
from tickets.api_auth import create_api_key
from tickets.models import Ticket, TicketEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_SERVER, reason="redis-server is not installed (make redis)"),
]

MESSAGES = 24
THROTTLE = 60  # requests per key per day, shared by both web servers
WAIT_SECONDS = 240


class WebhookReceiver(BaseHTTPRequestHandler):
    received: list[dict] = []
    lock = threading.Lock()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.received.append(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def wait_for(condition, what: str, processes) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        for process in processes:
            assert process.popen.poll() is None, f"{process.name} exited:\n{process.output()}"
        time.sleep(1)
    logs = "\n".join(f"--- {p.name}\n{p.output()}" for p in processes)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def post_message(base: str, key: str, index: int) -> int:
    try:
        return _post_message(base, key, index)
    except urllib.error.HTTPError as error:
        return error.code


def _post_message(base: str, key: str, index: int) -> int:
    payload = {
        "channel": "email",
        "external_id": f"<multi-{index}@shop.example>",
        "sender": {"email": f"buyer{index % 7}@shop.example", "name": f"Buyer {index % 7}"},
        "subject": f"Order {10000 + index} has not arrived",
        "body": f"My order {10000 + index} was due last week and tracking has not moved. Where is it?",
    }
    request = https_request(
        f"{base}/api/v1/messages/",
        json.dumps(payload).encode(),
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


def use_redis_broker(monkeypatch, url: str) -> None:
    """Jobs this test process queues go to the shared Redis list, as a web process's would."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", url)


def test_two_web_and_two_worker_processes_do_everything_exactly_once(tmp_path, monkeypatch):
    install_default_workflow()
    _, key = create_api_key("multi-process")
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), WebhookReceiver)
    WebhookReceiver.received = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    events = [WebhookEvent.TICKET_CREATED.value, WebhookEvent.TICKET_RESOLVED.value]
    if "ticket.routed" in WebhookEvent.values:
        events.append("ticket.routed")
    WebhookSubscription.objects.create(
        name="counter", url=f"http://127.0.0.1:{receiver.server_port}/hook", events=events
    )

    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = production_environment(
        # Jobs are signed with SECRET_KEY: the processes and this test must agree on it.
        SECRET_KEY=settings.SECRET_KEY,
        Q_REDIS_URL=redis_url,
        CACHE_URL=f"redis://127.0.0.1:{redis_port}/1",
        Q_WORKERS="2",
        TRIAGE_BACKEND="routing.triage.backends.heuristic.HeuristicBackend",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        GUNICORN_ACCESS_LOG="",
        # One budget per key for both servers (the counter lives in the shared Redis cache).
        API_THROTTLE_INTEGRATION=f"{THROTTLE}/day",
    )
    with ExitStack() as stack:
        redis = stack.enter_context(
            running(
                "redis",
                [
                    REDIS_SERVER,
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                env,
                tmp_path,
            )
        )
        workers = [
            stack.enter_context(
                running(f"worker{i}", [str(BIN / "python"), "manage.py", "qcluster"], env, tmp_path)
            )
            for i in (1, 2)
        ]
        webs = []
        for i in (1, 2):
            base, server = gunicorn(env, tmp_path, name=f"web{i}")
            stack.enter_context(server)
            webs.append(base)
        processes = [redis, *workers]

        day = timezone.now().date()
        # Each message goes to one server and, at the same moment, to the other (a client retrying
        # after a timeout, or a store sending twice).
        sends = [(webs[(i + copy) % 2], i) for i in range(MESSAGES) for copy in (0, 1)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(lambda send: post_message(send[0], key, send[1]), sends))
        assert Counter(codes) == {201: MESSAGES, 200: MESSAGES}
        tickets = list(Ticket.objects.values_list("pk", flat=True))
        assert len(tickets) == MESSAGES

        def routed() -> Counter:
            return Counter(
                TicketEvent.objects.filter(kind=TicketEvent.Kind.ROUTED).values_list("ticket_id", flat=True)
            )

        wait_for(lambda: set(routed()) == set(tickets), "every ticket routed", processes)
        health = subprocess.run(
            [str(BIN / "python"), "manage.py", "worker_health"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        assert health.returncode == 0 and health.stdout.count("workers") == 2, health.stdout + health.stderr

        # Resolve the tickets still open; both clusters schedule follow-ups and post webhooks.
        use_redis_broker(monkeypatch, redis_url)
        open_tickets = list(Ticket.objects.filter(status__in=[Ticket.Status.OPEN, Ticket.Status.PENDING]))
        for ticket in open_tickets:
            resolve_ticket(
                ticket,
                actor=None,
                actor_kind="system",
                resolution_method="agent_reply",
                root_cause_name="Carrier delay",
            )
        resolved = set(Ticket.objects.filter(status=Ticket.Status.RESOLVED).values_list("pk", flat=True))
        wait_for(
            lambda: set(FollowUp.objects.values_list("ticket_id", flat=True)) >= resolved,
            "a follow-up scheduled for every resolved ticket",
            processes,
        )
        # Make them due and let every worker of both clusters try to send them at once.
        FollowUp.objects.update(due_at=timezone.now() - timedelta(minutes=1))
        from helpdesk.queue import enqueue

        for _ in range(6):
            enqueue("followups.jobs.send_due_followups")
        wait_for(
            lambda: not FollowUp.objects.filter(status=FollowUp.Status.SCHEDULED).exists(),
            "every follow-up sent",
            processes,
        )

        def hooks_by_event() -> Counter:
            return Counter((hook["event"], hook["id"]) for hook in WebhookReceiver.received)

        expected_hooks = MESSAGES + len(open_tickets)
        wait_for(
            lambda: sum(1 for e, _ in hooks_by_event() if e != "ticket.routed") >= expected_hooks,
            "every webhook delivered",
            processes,
        )
        time.sleep(3)  # a late duplicate would arrive now

        # The key's budget is shared: 2 × MESSAGES requests are spent, the rest of THROTTLE
        # passes on either server and everything beyond it is refused with 429.
        extra = [post_message(webs[i % 2], key, 0) for i in range(THROTTLE - 2 * MESSAGES + 8)]
        same_window = timezone.now().date() == day

    receiver.shutdown()
    for worker in workers:  # the work really was shared, through Redis rather than the ORM broker
        assert "Processed" in worker.log.read_text(), f"{worker.name} ran no job"
    from django_q.models import OrmQ

    assert not OrmQ.objects.exists()
    assert max(routed().values()) == 1, "a ticket was routed twice"
    per_ticket = Counter(FollowUp.objects.values_list("ticket_id", flat=True))
    assert set(per_ticket) == resolved and max(per_ticket.values()) == 1, "a ticket got two follow-ups"
    sent = FollowUp.objects.filter(status=FollowUp.Status.SENT)
    assert sent.exists() and sent.filter(message__isnull=True).count() == 0
    assert max(hooks_by_event().values()) == 1, "a webhook was delivered twice"
    if same_window:  # a run across midnight UTC starts a new budget
        assert Counter(extra) == {200: THROTTLE - 2 * MESSAGES, 429: 8}
    created = [hook for hook in WebhookReceiver.received if hook["event"] == "ticket.created"]
    assert {hook["data"]["ticket"]["id"] for hook in created} == set(tickets)
