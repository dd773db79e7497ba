"""The intake pipeline end to end: a message arrives, triage classifies it, routing places it."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.testing import run_concurrently
from routing import pipeline
from routing.models import RoutingDecision, TriageResult
from tickets import intake
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.usefixtures("workflow")


def receive(body: str, *, email: str = "pat@example.org") -> Ticket:
    result = intake.receive(
        intake.InboundMessage(channel="email", sender=intake.Sender(email=email), subject="Help", body=body)
    )
    return result.ticket


def test_a_message_with_legal_language_lands_at_the_senior_tier(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive("Your kettle caught fire and burned my hand. My lawyer will contact you.")
    ticket.refresh_from_db()
    decision = RoutingDecision.objects.get(ticket=ticket)
    assert ticket.tier.slug == "senior" and decision.trigger == "message"
    assert decision.rule.slug == "legal-safety"


def test_a_system_message_is_not_routed_again():
    ticket = receive("Where is my parcel?", email="lee@example.org")
    outbound = ticket.messages.create(direction="outbound", author_kind="system", channel="email", body="ack")
    assert pipeline.message_received(ticket.pk, outbound.pk) is None
    assert not RoutingDecision.objects.filter(ticket=ticket).exists()


def _quietly_received(count: int, monkeypatch) -> list[int]:
    """Store ``count`` messages without waking the pipeline (as if every worker were busy)."""
    monkeypatch.setattr(intake, "kick_pipeline", lambda: None)
    ids = []
    for i in range(count):
        result = intake.receive(
            intake.InboundMessage(
                channel="email",
                sender=intake.Sender(email=f"burst{i}@example.org"),
                subject="Where is my order?",
                body=f"Order {10000 + i} has not arrived yet, can you check?",
                external_id=f"<burst-{i}@example.org>",
            )
        )
        ids.append(result.ticket.pk)
    return ids


def _routed_once(ticket_ids) -> None:
    for ticket_id in ticket_ids:
        kinds = list(TicketEvent.objects.filter(ticket_id=ticket_id).values_list("kind", flat=True))
        assert kinds.count(TicketEvent.Kind.TRIAGED) == 1, (ticket_id, kinds)
        assert kinds.count(TicketEvent.Kind.ROUTED) == 1, (ticket_id, kinds)
    assert TriageResult.objects.filter(ticket_id__in=ticket_ids).count() == len(ticket_ids)
    assert not Message.objects.filter(awaiting_pipeline=True).exists()
    assert not Ticket.objects.filter(pk__in=ticket_ids, stage=Ticket.Stage.RECEIVED).exists()


def test_a_drain_triages_and_routes_a_backlog_in_batches_once(monkeypatch):
    """Received tickets leave stage "received" with one triage and one routed event each; a
    second drain finds nothing to do."""
    ticket_ids = _quietly_received(pipeline.BATCH_SIZE + 5, monkeypatch)
    assert pipeline.backlog() == pipeline.BATCH_SIZE + 5
    assert pipeline.drain_now() == pipeline.BATCH_SIZE + 5
    assert pipeline.drain_now() == 0
    _routed_once(ticket_ids)


def test_queries_per_message_do_not_grow_with_the_batch(monkeypatch):
    """A batch of 24 costs no more statements per message than a batch of 6."""
    per_message = []
    for count in (6, 24):
        _quietly_received(count, monkeypatch)
        with CaptureQueriesContext(connection) as captured:
            pipeline.process_batch(size=count)
        per_message.append(len(captured.captured_queries) / count)
    assert per_message[1] <= per_message[0]


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_backlog_without_routing_a_ticket_twice(monkeypatch):
    """SKIP LOCKED: concurrent drains take disjoint batches and together do everything once."""
    ticket_ids = _quietly_received(24, monkeypatch)
    done = run_concurrently(lambda: pipeline.drain_now(), lambda: pipeline.drain_now())
    assert sum(done) == 24
    _routed_once(ticket_ids)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(monkeypatch, tmp_path):
    """A worker process claims a batch, writes triage for part of it and is killed (SIGKILL):
    its transaction dies with it, and the next worker takes every message exactly once."""
    ticket_ids = _quietly_received(10, monkeypatch)
    marker = tmp_path / "stalled"
    db = connection.settings_dict
    url = f"postgres://{quote(db['USER'] or '')}@{quote(db['HOST'] or '', safe='')}"
    url += f":{db['PORT']}/{db['NAME']}" if db["PORT"] else f"/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TRIAGE_BACKEND": "routing.tests.stalling_backend.StallingBackend",
        "STALL_MARKER": str(marker),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    }
    code = "import django; django.setup(); from routing import pipeline; pipeline.process_batch(size=50)"
    worker = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert worker.poll() is None, "the worker ended before it stalled"
            assert time.monotonic() < deadline, "the worker never reached the middle of its batch"
            time.sleep(0.05)
        assert pipeline.process_batch().claimed == 0  # the batch is held, not shared
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    deadline = time.monotonic() + 30
    done = 0
    while done < 10 and time.monotonic() < deadline:
        # The killed worker's server process ends when it sees the closed socket.
        done += pipeline.drain_now()
        time.sleep(0.05)
    assert done == 10
    _routed_once(ticket_ids)
