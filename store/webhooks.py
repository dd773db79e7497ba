"""Store webhooks: verify, deduplicate, keep the raw body, answer at once; a job processes it.

``receive_webhook`` checks the HMAC over the raw bytes before anything parses them (a forged
body never reaches the JSON parser), picks the connection by the shop's domain header, and
inserts a ``WebhookReceipt`` keyed by the store's webhook id: a replay finds the row and changes
nothing. ``process_receipt`` (job, after commit) parses and upserts through ``store.upsert``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlparse

from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.errors import HelpdeskError
from helpdesk.queue import enqueue_on_commit
from store import credentials, upsert
from store.connectors import backend_for
from store.models import StoreConnection, WebhookReceipt

logger = logging.getLogger(__name__)


class WebhookRefused(HelpdeskError):
    """The webhook is not signed by a connected store."""

    code = "invalid_signature"
    status = 401


@dataclass(frozen=True)
class Received:
    receipt: WebhookReceipt | None
    duplicate: bool


def signature(secret: str, body: bytes) -> str:
    """Base64 HMAC-SHA256 of the raw body: what Shopify and WooCommerce both send."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _connection(kind: str, domain: str) -> StoreConnection:
    domain = domain.strip().lower()
    if kind == StoreConnection.Kind.WOOCOMMERCE and "://" in domain:
        domain = urlparse(domain).netloc
    connection = StoreConnection.objects.filter(
        kind=kind, shop_domain=domain.rstrip("/"), is_active=True
    ).first()
    if connection is None:
        # Same answer as a bad signature: an unknown shop learns nothing about which shops exist.
        raise WebhookRefused("The webhook signature is missing or does not match.")
    return connection


def receive_webhook(
    kind: str, *, domain: str, topic: str, webhook_id: str, signature_header: str, body: bytes
) -> Received:
    """Verify and store one webhook. Raises ``WebhookRefused`` (401) before reading the body."""
    connection = _connection(kind, domain)
    secret = credentials.secret(connection, "webhook_secret")
    expected = signature(secret, body) if secret else ""
    if (
        not secret
        or not signature_header
        or not hmac.compare_digest(expected.encode(), signature_header.strip().encode())
    ):
        raise WebhookRefused("The webhook signature is missing or does not match.")
    if not topic:
        return Received(receipt=None, duplicate=False)  # WooCommerce's creation ping: nothing to store
    webhook_id = (webhook_id or f"sha256:{hashlib.sha256(body).hexdigest()}")[:200]
    try:
        with transaction.atomic():
            receipt, created = WebhookReceipt.objects.get_or_create(
                connection=connection,
                webhook_id=webhook_id,
                defaults={"topic": topic[:100], "body": body.decode("utf-8", errors="replace")},
            )
    except IntegrityError:
        return Received(
            receipt=WebhookReceipt.objects.get(connection=connection, webhook_id=webhook_id), duplicate=True
        )
    if created:
        enqueue_on_commit("store.jobs.process_webhook", receipt.pk)
    return Received(receipt=receipt, duplicate=not created)


@transaction.atomic
def process_receipt(receipt_id: int) -> WebhookReceipt | None:
    """Parse and upsert one stored webhook; a processed (or locked) receipt is left alone."""
    receipt = (
        WebhookReceipt.objects.select_for_update(skip_locked=True)
        .select_related("connection")
        .filter(pk=receipt_id)
        .first()
    )
    if receipt is None or receipt.status == WebhookReceipt.Status.PROCESSED:
        return receipt
    try:
        with transaction.atomic():
            apply_payload(receipt.connection, receipt.topic, json.loads(receipt.body))
    except (ValueError, KeyError, TypeError, upsert.OrderNotSynced, HelpdeskError) as exc:
        receipt.status, receipt.error = (
            WebhookReceipt.Status.FAILED,
            f"{exc.__class__.__name__}: {exc}"[:2000],
        )
        receipt.save(update_fields=["status", "error"])
        logger.warning("Store webhook %s (%s) failed: %s", receipt.pk, receipt.topic, exc)
        return receipt
    receipt.status, receipt.error, receipt.processed_at = WebhookReceipt.Status.PROCESSED, "", timezone.now()
    receipt.save(update_fields=["status", "error", "processed_at"])
    return receipt


def apply_payload(connection: StoreConnection, topic: str, payload: dict) -> None:
    records = backend_for(connection).parse_webhook(topic, payload)
    if records.order is not None:
        upsert.upsert_orders(connection, [records.order])
    if records.customer is not None:
        upsert.upsert_customers(connection, [records.customer])
    if records.product is not None:
        upsert.upsert_products(connection, [records.product])
    if records.fulfillments or records.refunds or records.returns:
        order = upsert.order_for(connection, records.order_store_id)
        upsert.upsert_fulfillments(order, records.fulfillments)
        upsert.upsert_refunds(order, records.refunds)
        upsert.upsert_returns(order, records.returns)
