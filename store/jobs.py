"""Queue entry points for the store app (each takes ids, never objects)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from store import actions, webhooks
from store.models import WebhookReceipt
from tickets.models import TicketEvent

RETRY_LIMIT = 200


def process_webhook(receipt_id: int) -> None:
    webhooks.process_receipt(receipt_id)


def retry_webhooks() -> int:
    """Process receipts that failed (an order not synced yet) or whose job was lost."""
    stale = timezone.now() - timedelta(minutes=1)
    ids = list(
        WebhookReceipt.objects.exclude(status=WebhookReceipt.Status.PROCESSED)
        .filter(received_at__lte=stale, received_at__gte=timezone.now() - timedelta(days=3))
        .order_by("received_at")
        .values_list("pk", flat=True)[:RETRY_LIMIT]
    )
    for pk in ids:
        webhooks.process_receipt(pk)
    return len(ids)


def approval_decided(event_id: int) -> None:
    """Subscribed to APPROVAL_DECIDED: run or close the order actions the approval gated."""
    from routing.models import Approval

    event = TicketEvent.objects.filter(pk=event_id).first()
    approval_id = (event.data or {}).get("approval_id") if event else None
    approval = Approval.objects.filter(pk=approval_id).first() if approval_id else None
    if approval is not None:
        actions.settle_approval(approval)


def run_proactive() -> None:
    from store import proactive

    proactive.run_pass()
