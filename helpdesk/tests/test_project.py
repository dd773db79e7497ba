"""Project-level guarantees: production settings pass the deploy checks; the API schema is clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from helpdesk.schedules import SCHEDULES

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def production_environment(**overrides: str) -> dict[str, str]:
    # conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests; a deployment never has it.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **overrides}


def test_production_settings_pass_check_deploy_without_warnings():
    env = production_environment(
        DEBUG="false",
        SECRET_KEY="x7!kP2@qL9#vR4$wT8%yU3^zA6&bC1*dE5(fG0)hJ-kM_nN+pQ=rS",
        ALLOWED_HOSTS="help.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_environment(DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="x")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_the_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/messages/" in target.read_text()


def test_every_scheduled_job_path_imports():
    from django.utils.module_loading import import_string

    for job in SCHEDULES:
        assert callable(import_string(job.func)), job.func


CALLED: list[int] = []


def record_call(value: int) -> None:
    CALLED.append(value)


def failing_job(value: int) -> None:
    raise RuntimeError("boom")


@pytest.mark.django_db
def test_jobs_inline_runs_queued_jobs_at_once_and_survives_a_failing_one(caplog):
    from django_q.models import OrmQ

    from helpdesk.queue import enqueue, jobs_inline

    CALLED.clear()
    with jobs_inline():
        enqueue("helpdesk.tests.test_project.record_call", 7)
        enqueue("helpdesk.tests.test_project.failing_job", 1)
    assert CALLED == [7]
    assert "failing_job" in caplog.text
    assert not OrmQ.objects.exists()
