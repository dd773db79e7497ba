"""Outbound webhooks: fan an event out to subscriptions, post it signed, retry, replay."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from followups.models import WebhookDelivery, WebhookSubscription
from followups.models.channels import WebhookEvent
from helpdesk import outbound
from helpdesk.errors import InvalidInput
from helpdesk.queue import enqueue_on_commit
from tickets.channels import webhooks as signing
from tickets.models import TicketEvent

# The ticket event kinds that external tools can subscribe to, by their public name.
EVENT_NAMES = {
    TicketEvent.Kind.CREATED: WebhookEvent.TICKET_CREATED,
    TicketEvent.Kind.ROUTED: WebhookEvent.TICKET_ROUTED,
    TicketEvent.Kind.ESCALATED: WebhookEvent.TICKET_ESCALATED,
    TicketEvent.Kind.RESOLVED: WebhookEvent.TICKET_RESOLVED,
    TicketEvent.Kind.APPROVAL_REQUESTED: WebhookEvent.APPROVAL_REQUESTED,
    TicketEvent.Kind.APPROVAL_DECIDED: WebhookEvent.APPROVAL_DECIDED,
    TicketEvent.Kind.CSAT_RECEIVED: WebhookEvent.CSAT_RECEIVED,
    TicketEvent.Kind.SNOOZED: WebhookEvent.TICKET_SNOOZED,
    TicketEvent.Kind.UNSNOOZED: WebhookEvent.TICKET_UNSNOOZED,
}
# Seconds before attempt 2, 3, ... of a failed delivery.
RETRY_DELAYS = (30, 120, 600, 3600, 6 * 3600)


def build_payload(event: TicketEvent) -> dict:
    """The JSON body of one event (documented in docs/channels.md)."""
    ticket = event.ticket
    return {
        "id": f"evt_{event.pk}",
        "event": EVENT_NAMES[event.kind].value,
        "created_at": event.at.isoformat(),
        "data": {
            "ticket": {
                "id": ticket.pk,
                "reference": ticket.reference,
                "subject": ticket.subject,
                "status": ticket.status,
                "stage": ticket.stage,
                "priority": ticket.priority,
                "channel": ticket.channel,
                "issue_type": ticket.issue_type,
                "tier": ticket.tier.slug if ticket.tier_id else None,
                "needs_recovery": ticket.needs_recovery,
                "customer": {
                    "id": ticket.customer_id,
                    "name": ticket.customer.name,
                    "email": ticket.customer.email,
                },
                "url": f"{settings.SITE_URL}/tickets/{ticket.pk}/",
            },
            "actor_kind": event.actor_kind,
            "details": event.data,
        },
    }


@transaction.atomic
def dispatch_event(event_id: int) -> list[WebhookDelivery]:
    """Create one delivery per matching active subscription and queue them. Safe to run twice."""
    # Most installs have no subscription: answer from the small subscriptions table first rather
    # than load every event with its ticket (one job runs per subscribable event).
    if not WebhookSubscription.objects.filter(is_active=True).exists():
        return []
    event = (
        TicketEvent.objects.select_related("ticket", "ticket__customer", "ticket__tier")
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.kind not in EVENT_NAMES:
        return []
    name = EVENT_NAMES[event.kind].value
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True, events__contains=[name]))
    if not subscriptions:
        return []
    payload = build_payload(event)
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=s, event=name, event_id=payload["id"], payload=payload)
            for s in subscriptions
        ],
        ignore_conflicts=True,
    )
    deliveries = list(
        WebhookDelivery.objects.filter(
            event_id=payload["id"],
            subscription__in=subscriptions,
            replay_of__isnull=True,
            attempts=0,
            status=WebhookDelivery.Status.PENDING,
        )
    )
    for delivery in deliveries:
        enqueue_on_commit("followups.jobs.send_webhook_delivery", delivery.pk)
    return deliveries


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """(status code, response body excerpt, error) of one POST; never raises."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        # The guarded opener re-checks the address on every connection (DNS may have changed).
        with outbound.opener().open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, response.read(2000).decode(errors="replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode(errors="replace"), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, "", f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"


@transaction.atomic
def send_delivery(delivery_id: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """POST one delivery, signed; on failure schedule the next attempt with backoff, then give up.

    The row lock (SKIP LOCKED) keeps two workers from posting the same delivery at once; a
    delivered or abandoned one is left alone.
    """
    delivery = (
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("subscription")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status in (
        WebhookDelivery.Status.SUCCEEDED,
        WebhookDelivery.Status.FAILED,
    ):
        return delivery
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    code, response_body, error = _post(
        delivery.subscription.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Handoff-Webhooks/1",
            "X-Handoff-Event": delivery.event,
            "X-Handoff-Delivery": str(delivery.pk),
            signing.TIMESTAMP_HEADER: timestamp,
            signing.SIGNATURE_HEADER: signing.sign(
                delivery.subscription.secret, timestamp=timestamp, body=body
            ),
        },
    )
    now = now or timezone.now()
    delivery.attempts += 1
    delivery.response_code = code
    delivery.response_body = response_body
    if code is not None and 200 <= code < 300:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = now
        delivery.error = ""
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.error = error or f"HTTP {code}"
        delivery.next_attempt_at = None
    else:
        delivery.status = WebhookDelivery.Status.RETRYING
        delivery.error = error or f"HTTP {code}"
        delay = RETRY_DELAYS[min(delivery.attempts - 1, len(RETRY_DELAYS) - 1)]
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    delivery.save(
        update_fields=[
            "attempts",
            "response_code",
            "response_body",
            "status",
            "delivered_at",
            "error",
            "next_attempt_at",
        ]
    )
    return delivery


def retry_due_deliveries(*, now: datetime | None = None, limit: int = 200) -> int:
    """Queue every delivery whose next attempt is due (set-based; the partial index keeps it cheap)."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.RETRYING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        send_delivery(delivery_id, now=now)
    return len(due)


@transaction.atomic
def replay_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a logged delivery again as a new log row (same event id, so receivers can dedupe)."""
    replay = WebhookDelivery.objects.create(
        subscription_id=delivery.subscription_id,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        replay_of=delivery,
    )
    enqueue_on_commit("followups.jobs.send_webhook_delivery", replay.pk)
    return replay


def create_subscription(
    *, name: str, url: str, events: Sequence[str], secret: str = "", is_active: bool = True
) -> WebhookSubscription:
    """Subscribe ``url`` to ``events``; a secret is generated when none is given.

    The URL must resolve to public addresses (``helpdesk.outbound``): an integration key must
    not be able to make the server call its own network.
    """
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if not events or unknown:
        raise InvalidInput(
            f"Unknown event(s): {', '.join(unknown)}." if unknown else "Choose at least one event.",
            field="events",
        )
    outbound.check_url(url)
    subscription = WebhookSubscription(name=name, url=url, events=sorted(set(events)), is_active=is_active)
    if secret:
        subscription.secret = secret
    subscription.save()
    return subscription
