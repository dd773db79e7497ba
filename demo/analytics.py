"""The analytics part of ``manage.py seed_demo`` (a ``demo.seed.POST_SEED_STEPS`` entry).

Runs after the demo history is written and back-dated: folds the stage changes into the
dashboard's summary and the tickets into the metrics facts, runs pattern detection, and answers one root-cause alert with a policy
revision by the demo manager, so the weekly review shows open alerts, a closed one and a diff.
Idempotent: a second run finds the alerts and the revision already there.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from analytics import jobs
from analytics.models import PatternAlert
from routing.models import Policy
from routing.policies import revise_policy
from tickets.models import Notification, Ticket

MANAGER = "taylor"
# Detection over 8 weeks of history raises every alert at once; live, they came over those weeks
# and were read. Each operator keeps the newest few unread.
UNREAD_ALERTS = 3


def _mark_older_alerts_read() -> None:
    unread = Notification.objects.filter(kind=Notification.Kind.PATTERN, read_at__isnull=True)
    newest = Window(RowNumber(), partition_by=[F("recipient_id")], order_by=F("pk").desc())
    ranked = unread.annotate(rank=newest).values("pk", "rank")
    older = [row["pk"] for row in ranked if row["rank"] > UNREAD_ALERTS]
    Notification.objects.filter(pk__in=older).update(read_at=timezone.now())


def seed(context: Any) -> None:
    jobs.refresh_stage_durations()
    folded = jobs.refresh_ticket_facts()
    context.log(f"analytics: {folded} tickets folded into the metrics facts")
    created = jobs.detect_patterns()
    context.log(f"analytics: {created} pattern alerts raised")
    _mark_older_alerts_read()
    if PatternAlert.objects.filter(revision__isnull=False).exists():
        return
    alert = (
        PatternAlert.objects.open()
        .filter(kind=PatternAlert.Kind.ROOT_CAUSE)
        .order_by("-ticket_count")
        .first()
    )
    if alert is None:
        return
    issue_types = set(
        Ticket.objects.filter(pk__in=alert.memberships.values("ticket_id")).values_list(
            "issue_type", flat=True
        )
    )
    policy = next(
        (p for p in Policy.objects.filter(is_active=True) if issue_types & set(p.issue_types)),
        Policy.objects.filter(is_active=True).first(),
    )
    current = policy.current_version if policy else None
    if policy is None or current is None:
        return
    cause = alert.root_cause.name if alert.root_cause else alert.title
    body = (
        f"{current.body.rstrip()}\n\n"
        f"When the cause is “{cause}”: apologise first, say what happened and what we changed, "
        "and offer a proactive fix (reshipment or refund of shipping) without waiting to be asked."
    )
    revise_policy(
        policy,
        body=body,
        author=context.users.get(MANAGER),
        reason=f"Weekly review: {alert.title}.",
        alert=alert,
    )
    context.log(f"analytics: {policy} revised to answer “{alert.title}”")
