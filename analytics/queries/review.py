"""The weekly review: the week's top issue types against last week, and the open alerts."""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from analytics.models import PatternAlert, PatternAlertTicket
from routing.models import IssueType, PolicyVersion
from tickets.models import Ticket

WEEK = timedelta(days=7)


def top_issue_types(*, now: datetime | None = None, limit: int = 5) -> list[dict[str, Any]]:
    """The ``limit`` most frequent issue types of the last 7 days, with last week's count and the change."""
    now = now or timezone.now()
    week_start, last_week_start = now - WEEK, now - 2 * WEEK
    rows = (
        Ticket.objects.filter(first_message_at__gte=last_week_start, first_message_at__lt=now)
        .exclude(issue_type="")
        .values("issue_type")
        .annotate(
            this_week=Count("pk", filter=Q(first_message_at__gte=week_start)),
            last_week=Count("pk", filter=Q(first_message_at__lt=week_start)),
        )
        .filter(this_week__gt=0)
        .order_by("-this_week", "issue_type")[:limit]
    )
    names = dict(IssueType.objects.values_list("slug", "name"))
    return [
        {
            **row,
            "name": names.get(row["issue_type"], row["issue_type"].replace("_", " ").capitalize()),
            "change": row["this_week"] - row["last_week"],
            "change_share": (row["this_week"] - row["last_week"]) / row["last_week"]
            if row["last_week"]
            else None,
        }
        for row in rows
    ]


def alerts_with_tickets(queryset: QuerySet[PatternAlert] | None = None) -> QuerySet[PatternAlert]:
    """Alerts with their member tickets and revision, in three queries whatever their number."""
    queryset = PatternAlert.objects.all() if queryset is None else queryset
    return queryset.select_related("root_cause", "revision__policy", "closed_by").prefetch_related(
        Prefetch(
            "memberships",
            queryset=PatternAlertTicket.objects.select_related("ticket__customer").order_by(
                "-ticket__first_message_at"
            ),
        )
    )


def open_alerts() -> QuerySet[PatternAlert]:
    return alerts_with_tickets(PatternAlert.objects.open())


def revision_diff(version: PolicyVersion) -> list[tuple[str, str]]:
    """The unified diff of ``version`` against the version before it, as (kind, line) pairs where
    kind is "add", "remove", "hunk" or "context" (the template marks them with +/−, not colour only)."""
    previous = (
        PolicyVersion.objects.filter(policy_id=version.policy_id, number__lt=version.number)
        .order_by("-number")
        .values_list("body", flat=True)
        .first()
    ) or ""
    lines = difflib.unified_diff(
        previous.splitlines(),
        version.body.splitlines(),
        fromfile=f"v{version.number - 1}" if previous else "(none)",
        tofile=f"v{version.number}",
        lineterm="",
    )
    result = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            result.append(("hunk", line))
        elif line.startswith("+"):
            result.append(("add", line[1:]))
        elif line.startswith("-"):
            result.append(("remove", line[1:]))
        else:
            result.append(("context", line[1:]))
    return result
