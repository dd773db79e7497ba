"""Signed webhooks, as pure code: HMAC-SHA256 signatures and the generic social/review payload.

A signature is ``sha256=<hex>`` of HMAC-SHA256(secret, "<timestamp>." + body), where the
timestamp is Unix seconds sent in ``X-Handoff-Timestamp``. The same scheme signs Handoff's
outbound webhooks, so one verifier works both ways (see docs/channels.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from helpdesk.errors import InvalidInput
from helpdesk.inputs import check_datetime
from tickets.intake import InboundMessage, Sender

SIGNATURE_HEADER = "X-Handoff-Signature"
TIMESTAMP_HEADER = "X-Handoff-Timestamp"


class SignatureError(Exception):
    """The request is not signed by the holder of the secret, or is too old to trust."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PayloadError(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def sign(secret: str, *, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, *, timestamp: str, signature: str, body: bytes, now: float, tolerance: int) -> None:
    """Raise ``SignatureError`` unless ``signature`` is valid and ``timestamp`` within ``tolerance``."""
    if not timestamp or not signature:
        raise SignatureError(f"Missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header.")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be Unix seconds.") from None
    if abs(now - sent_at) > tolerance:
        raise SignatureError("The timestamp is too old (or in the future): replayed or delayed request.")
    expected = sign(secret, timestamp=timestamp, body=body)
    # Constant time: the comparison leaks nothing about how much of the signature matched.
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureError("The signature does not match the body and the source's secret.")


def _text(payload: Mapping[str, Any], key: str, *, limit: int) -> str:
    value = payload.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise PayloadError(f"'{key}' must be a string.", field=key)
    return str(value).strip()[:limit]


def to_inbound(payload: Mapping[str, Any], *, source: str, source_name: str, channel: str) -> InboundMessage:
    """Map the generic payload to intake; raise ``PayloadError`` naming the bad field.

    Payload: ``{"id", "text", "author": {"id", "name", "email", "handle"}, "thread_id",
    "title", "url", "rating", "order_number", "created_at"}``; ``id``, ``text`` and
    ``author.id`` are required.
    """
    if not isinstance(payload, Mapping):
        raise PayloadError("The body must be a JSON object.", field="body")
    event_id = _text(payload, "id", limit=200)
    if not event_id:
        raise PayloadError("'id' (the platform's event or message id) is required.", field="id")
    author = payload.get("author")
    if not isinstance(author, Mapping) or not _text(author, "id", limit=200):
        raise PayloadError("'author.id' is required.", field="author.id")
    text = _text(payload, "text", limit=100_000)
    if not text:
        raise PayloadError("'text' is required.", field="text")
    rating = payload.get("rating")
    if rating is not None and (not isinstance(rating, int | float) or not 0 <= rating <= 5):
        raise PayloadError("'rating' must be a number from 0 to 5.", field="rating")
    created_at: datetime | None = None
    if payload.get("created_at"):
        created_at = parse_datetime(_text(payload, "created_at", limit=40))
        if created_at is None or created_at.tzinfo is None:
            raise PayloadError("'created_at' must be an ISO 8601 time with a zone.", field="created_at")
        try:
            check_datetime(created_at, field="created_at")
        except InvalidInput as exc:
            raise PayloadError(exc.message, field="created_at") from None
    title = _text(payload, "title", limit=300)
    return InboundMessage(
        channel=channel,
        sender=Sender(
            # Namespaced by source: the same numeric id on two platforms is two people.
            handle=f"{source}:{_text(author, 'id', limit=200)}",
            email=_text(author, "email", limit=254),
            name=_text(author, "name", limit=200) or _text(author, "handle", limit=200),
        ),
        body=text,
        subject=title or f"{source_name} {'review' if rating is not None else 'message'}",
        external_id=f"{source}:{event_id}",
        received_at=created_at,
        thread_key=f"{source}:{_text(payload, 'thread_id', limit=200)}" if payload.get("thread_id") else "",
        order_number=_text(payload, "order_number", limit=50),
        metadata={
            "source": source,
            "url": _text(payload, "url", limit=500),
            "rating": rating,
            "author_handle": _text(author, "handle", limit=200),
        },
    )
