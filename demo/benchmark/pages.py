"""Time every page an agent or a manager waits for, through the whole request stack, with goals.

Server time of an in-process request (``django.test.Client``: middleware, session, query,
template), p50 and p95 of ``repeat`` runs after one warm-up, with the query count of the last run,
against the goals of issue 15 (1M tickets, 3M messages). Reads only; nothing is written apart
from the benchmark users and their session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from demo.benchmark.generate import ensure_agents, ensure_tiers
from tickets.models import Ticket

HTMX_LIST = {"HX-Request": "true", "HX-Target": "inbox-list"}


@dataclass(frozen=True)
class Page:
    label: str
    who: str  # "agent" or "manager"
    url: str
    goal_ms: float
    headers: dict | None = None


@dataclass(frozen=True)
class Timing:
    page: Page
    p50: float
    p95: float
    queries: int
    status: int
    size: int

    @property
    def met(self) -> bool:
        return self.p95 < self.page.goal_ms


def pages(ticket_id: int, order_term: str) -> list[Page]:
    return [
        Page("agent list, team queue (full page)", "agent", "/tickets/", 30),
        Page("agent list fragment (HTMX)", "agent", "/tickets/?view=team", 30, HTMX_LIST),
        Page("manager list, all open (fragment)", "manager", "/tickets/?view=all", 30, HTMX_LIST),
        Page(
            "search, common word 'kettle' (fragment)", "agent", "/tickets/?view=team&q=kettle", 80, HTMX_LIST
        ),
        Page(
            f"search, order number '{order_term}' (fragment)",
            "manager",
            f"/tickets/?view=all&q={order_term}",
            80,
            HTMX_LIST,
        ),
        Page("ticket page", "agent", f"/tickets/{ticket_id}/", 50),
        Page("API ticket list (GET /api/v1/tickets/)", "manager", "/api/v1/tickets/", 30),
        Page("API ticket list, open, by team", "manager", "/api/v1/tickets/?status=open&team=frontline", 30),
        Page("dashboard (GET /analytics/)", "manager", "/analytics/", 150),
        Page("dashboard refresh (HTMX partial)", "manager", "/analytics/", 150, {"HX-Request": "true"}),
        Page("metrics page, 30 days (all metrics + series)", "manager", "/analytics/metrics/", 300),
        Page("GET /api/v1/metrics/?series=1 (30 days)", "manager", "/api/v1/metrics/?series=1", 300),
    ]


def bench_users() -> dict[str, object]:
    """An agent of the general tier's team (frontline) and a manager, created once."""
    users = get_user_model()
    agent_id = ensure_agents(ensure_tiers())[0]
    agent = users.objects.get(pk=agent_id)
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    manager, _ = users.objects.get_or_create(username="bench-manager", defaults={"first_name": "Bench"})
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    return {"agent": agent, "manager": manager}


def sample_ticket(agent) -> tuple[int, str]:
    """The agent's newest open team ticket (what an agent opens from the queue) and an order
    number from a ticket subject, for the selective search."""
    team_id = agent.agent_profile.team_id
    ticket = Ticket.objects.open().filter(team_id=team_id).order_by("-id").only("pk", "subject").first()
    if ticket is None:
        raise RuntimeError("No open ticket in the benchmark agent's team: generate data first.")
    words = [w for w in ticket.subject.split() if w.startswith("NW")]
    return ticket.pk, (words[0] if words else "refund")


def time_pages(
    *, repeat: int, only: str = "", progress: Callable[[str], object] | None = None
) -> list[Timing]:
    """Time the pages (those whose label contains ``only``, if given)."""
    users = bench_users()
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    ticket_id, order_term = sample_ticket(users["agent"])
    results = []
    for page in pages(ticket_id, order_term):
        if only and only.lower() not in page.label.lower():
            continue
        if progress:
            progress(page.label)
        client = clients[page.who]
        headers = page.headers or {}
        client.get(page.url, headers=headers)  # warm: connection, templates, caches
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(page.url, headers=headers)
            runs.append((time.perf_counter() - started) * 1000)
        # Counted on a separate run: capturing queries slows the timed ones down.
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.url, headers=headers)
        queries = len(captured)
        runs.sort()
        results.append(
            Timing(
                page=page,
                p50=runs[len(runs) // 2],
                p95=runs[min(len(runs) - 1, -(-95 * len(runs) // 100) - 1)],
                queries=queries,
                status=response.status_code,
                size=len(response.content),
            )
        )
    return results
