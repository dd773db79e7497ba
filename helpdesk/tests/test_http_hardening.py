"""HTTP-level guarantees from issue 14: JSON errors under /api/, CSP, DEBUG off by default,
Idempotency-Key replays, periodic jobs that serialise themselves."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from helpdesk.locks import exclusive, run_exclusive
from helpdesk.models import IdempotentRequest
from tickets.models import Message

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def test_debug_is_off_unless_the_environment_turns_it_on():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["SECRET_KEY"] = "k" * 60
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='helpdesk.settings'; django.setup(); "
    code += "from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "False", result.stderr


def test_make_run_turns_debug_on():
    assert "export DEBUG=${DEBUG:-1}" in (BASE_DIR / "scripts" / "run.sh").read_text()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_is_a_json_404(api_client, method):
    response = getattr(api_client, method)("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_wrong_method_under_api_is_a_json_405(api_client):
    response = api_client.put("/api/v1/messages/", {}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy_that_blocks_remote_images(client, agent):
    client.force_login(agent)
    for path in ["/login/", "/tickets/", "/api/docs/"]:
        policy = client.get(path)["Content-Security-Policy"]
        assert "img-src 'self' data:" in policy, path
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        )


# --- Idempotency-Key --------------------------------------------------------------------------

MESSAGE = {"channel": "api", "sender": {"email": "ann@example.org"}, "body": "Where is my parcel?"}


@pytest.mark.django_db
def test_a_retried_post_with_the_same_idempotency_key_is_stored_once(api_client):
    first = api_client.post("/api/v1/messages/", MESSAGE, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = api_client.post("/api/v1/messages/", MESSAGE, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Message.objects.count() == 1
    other = api_client.post("/api/v1/messages/", MESSAGE, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 201 and Message.objects.count() == 2


@pytest.mark.django_db
def test_an_idempotency_key_reused_with_another_body_is_a_422(api_client):
    api_client.post("/api/v1/messages/", MESSAGE, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = {**MESSAGE, "body": "Something else"}
    response = api_client.post("/api/v1/messages/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_request_is_replayed_and_a_key_is_private_to_its_caller(api_client):
    bad = api_client.post("/api/v1/messages/", {"channel": "api"}, format="json", HTTP_IDEMPOTENCY_KEY="k-9")
    assert bad.status_code == 400
    assert IdempotentRequest.objects.get().status_code == 400
    # Another caller (anonymous here) using the same key does not see the first caller's answer.
    stranger = Client().post(
        "/api/v1/messages/", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-9"
    )
    assert stranger.status_code in (401, 403)
    assert "Idempotent-Replayed" not in stranger


# --- periodic jobs serialise themselves (finding 14) ----------------------------------------------


def test_every_scheduled_job_runs_through_the_exclusive_wrapper(db):
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("sync_schedules", stdout=io.StringIO())
    schedules = Schedule.objects.filter(name__startswith="handoff:")
    assert schedules.exists()
    assert set(schedules.values_list("func", flat=True)) == {"helpdesk.locks.run_exclusive"}


CALLS: list[str] = []


def eventually(call, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while (result := call()) in (None, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


def job_for_lock_test() -> str:
    CALLS.append("ran")
    return "done"


@pytest.mark.django_db(transaction=True)
def test_a_job_another_process_is_running_is_skipped_and_runs_after_it_is_released():
    import psycopg

    CALLS.clear()
    path = "helpdesk.tests.test_http_hardening.job_for_lock_test"
    # Another session (a second worker) holds the job's lock.
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [f"job:{path}"])
        assert run_exclusive(path) is None
        assert CALLS == []
    # Closing that session (as a killed worker's would be) releases the lock, once the server
    # has noticed the disconnect.
    assert eventually(lambda: run_exclusive(path)) == "done" and CALLS == ["ran"]
    with exclusive(f"job:{path}") as acquired:
        assert acquired


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_facts_fold_skips_while_another_fold_holds_the_lock():
    import psycopg

    from analytics.facts import fold_ticket_facts
    from tickets.tests.factories import TicketFactory

    TicketFactory()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtextextended('analytics.fold_ticket_facts', 0))")
        assert fold_ticket_facts() == 0
    assert eventually(fold_ticket_facts) == 1
