"""Actions on pattern alerts: raise one (with its tickets, notifying operators), answer it with a
policy revision, dismiss it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from analytics.models import PatternAlert, PatternAlertTicket
from helpdesk.errors import IllegalTransition, InvalidInput
from routing.models import PolicyVersion
from tickets.notifications import notify
from tickets.roles import ROLE_MANAGER, users_holding


def operators() -> list[AbstractBaseUser]:
    """Managers and admins (including superusers): who hears about new alerts."""
    return list(users_holding(ROLE_MANAGER))


def raise_alert(
    *,
    kind: str,
    key: str,
    title: str,
    window_start: datetime,
    window_end: datetime,
    ticket_ids: Sequence[int],
    similarities: Mapping[int, float] | None = None,
    **fields: object,
) -> PatternAlert | None:
    """Create one alert with its member tickets and notify the operators; None if it exists already.

    Idempotent: an alert for the same ``(kind, key, window_start)`` is never created twice (the
    unique constraint settles concurrent runs), so re-running detection raises nothing new.
    """
    try:
        with transaction.atomic():
            alert = PatternAlert.objects.create(
                kind=kind,
                key=key[:200],
                title=title[:300],
                window_start=window_start,
                window_end=window_end,
                ticket_count=len(ticket_ids),
                **fields,
            )
    except IntegrityError:
        return None
    similarities = similarities or {}
    PatternAlertTicket.objects.bulk_create(
        [PatternAlertTicket(alert=alert, ticket_id=pk, similarity=similarities.get(pk)) for pk in ticket_ids],
        ignore_conflicts=True,
    )
    notify(
        operators(),
        kind="pattern",
        text=f"Pattern alert: {alert.title} ({alert.ticket_count} tickets)",
        url=reverse("analytics:review") + f"#alert-{alert.pk}",
    )
    return alert


def extend_alert(alert: PatternAlert, *, ticket_ids: Sequence[int], window_end: datetime) -> PatternAlert:
    """Add newly seen tickets to an alert that is still open (no new notification)."""
    PatternAlertTicket.objects.bulk_create(
        [PatternAlertTicket(alert=alert, ticket_id=pk) for pk in ticket_ids], ignore_conflicts=True
    )
    alert.ticket_count = PatternAlertTicket.objects.filter(alert_id=alert.pk).count()
    alert.window_end = max(alert.window_end, window_end)
    alert.save(update_fields=["ticket_count", "window_end"])
    return alert


@transaction.atomic
def answer_alert(
    alert: PatternAlert, *, revision: PolicyVersion, actor: AbstractBaseUser | None
) -> PatternAlert:
    """Link ``revision`` to ``alert`` and close it (called by ``routing.policies.revise_policy``).

    Raises ``IllegalTransition`` if the alert is no longer open.
    """
    alert = PatternAlert.objects.select_for_update().get(pk=alert.pk)
    if not alert.is_open:
        raise IllegalTransition("This alert is already closed.")
    alert.status = PatternAlert.Status.CLOSED
    alert.revision = revision
    alert.closed_at = timezone.now()
    alert.closed_by = actor if actor is not None and actor.is_authenticated else None
    alert.save(update_fields=["status", "revision", "closed_at", "closed_by"])
    return alert


@transaction.atomic
def dismiss_alert(alert: PatternAlert, *, actor: AbstractBaseUser, reason: str) -> PatternAlert:
    """Close an alert without a revision (a false positive), saying why."""
    if not reason.strip():
        raise InvalidInput("Say why the alert needs no revision.", field="reason")
    alert = PatternAlert.objects.select_for_update().get(pk=alert.pk)
    if not alert.is_open:
        raise IllegalTransition("This alert is already closed.")
    alert.status = PatternAlert.Status.DISMISSED
    alert.closed_at = timezone.now()
    alert.closed_by = actor
    alert.dismiss_reason = reason.strip()
    alert.save(update_fields=["status", "closed_at", "closed_by", "dismiss_reason"])
    return alert
