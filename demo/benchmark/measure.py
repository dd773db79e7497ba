"""Time the dashboard and the full metrics set on whatever data the database holds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from analytics import jobs
from analytics.queries import MetricContext, MetricFilters, dashboard, metrics_report, metrics_series


def measure(*, repeat: int, write: Callable[[str], object] = print, year: bool = True) -> None:
    """Time each dashboard read, the pages and the metrics; ``repeat`` runs each (median, best).

    ``year=False`` leaves out the 365-day metrics (the slowest measurements)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM tickets_ticket), (SELECT count(*) FROM tickets_message),"
            " (SELECT count(*) FROM tickets_ticketevent),"
            " (SELECT count(*) FROM tickets_ticket WHERE status IN ('open', 'pending'))"
        )
        tickets, messages, events, open_count = cursor.fetchone()
    write(f"rows: {tickets:,} tickets, {messages:,} messages, {events:,} events, {open_count:,} open")
    admin = get_user_model().objects.filter(
        is_superuser=True
    ).first() or get_user_model().objects.create_superuser("bench-admin", "bench-admin@example.org", None)
    client = Client()
    client.force_login(admin)
    context = MetricContext.load()
    month = MetricFilters.last_days(30)
    last_year = MetricFilters.last_days(365, grain="week")
    measurements: list[tuple[str, Callable[[], object]]] = [
        ("stage summary refresh (job, incremental)", jobs.refresh_stage_durations),
        ("ticket facts fold (job, incremental)", jobs.refresh_ticket_facts),
        ("dashboard: open per stage/tier/team + oldest", dashboard.open_tickets),
        ("dashboard: time in stage, 7 days (p50/p90)", dashboard.stage_times),
        ("dashboard: SLA at risk/breached", dashboard.sla_status),
        ("dashboard: agents load vs capacity", dashboard.agents_load),
        ("dashboard: approvals waiting", dashboard.approvals_waiting),
        ("dashboard page, full HTML (GET /analytics/)", lambda: _ok(client.get("/analytics/"))),
        (
            "dashboard refresh, HTMX partial",
            lambda: _ok(client.get("/analytics/", headers={"HX-Request": "true"})),
        ),
        ("metrics, 30 days + previous 30 (all 13)", lambda: metrics_report(month, context)),
        ("metrics series, 30 days daily", lambda: metrics_series(month, context)),
        (
            "GET /api/v1/metrics/ (30 days, with series)",
            lambda: _ok(client.get("/api/v1/metrics/?series=1")),
        ),
        ("metrics page, full HTML (30 days)", lambda: _ok(client.get("/analytics/metrics/"))),
    ]
    if year:
        measurements[-2:-2] = [
            ("metrics, 365 days + previous 365 (all 13)", lambda: metrics_report(last_year, context)),
            ("metrics series, 365 days weekly", lambda: metrics_series(last_year, context)),
        ]
    write(f"{'measurement':52} {'median':>10} {'best':>10}  (ms, {repeat} runs)")
    for label, func in measurements:
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            func()
            runs.append((time.perf_counter() - started) * 1000)
        write(f"{label:52} {statistics.median(runs):10.1f} {min(runs):10.1f}")
    write(f"measured at {timezone.now():%Y-%m-%d %H:%M} on {connection.settings_dict['NAME']}")


def _ok(response: Any) -> Any:
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}")
    return response
