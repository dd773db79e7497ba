"""``Idempotency-Key`` on every POST under /api/: a retried request gets the first answer again.

The first request with a key claims it (a unique row), runs, and stores its response; a retry
with the same key, caller and body gets that stored response (``Idempotent-Replayed: true``)
and nothing runs twice. A retry while the first is still running gets 409 with Retry-After; the
same key with a different body gets 422. Server errors (5xx) release the key so the client's
retry runs for real. Keys are kept for ``IDEMPOTENCY_KEY_TTL_HOURS`` (``purge_expired``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from helpdesk.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 255
# A claim older than this whose request never finished (the process died) may be taken over.
STALE_CLAIM = timedelta(minutes=2)


def _error(detail: str, code: str, status: int, **headers: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code, "fields": {HEADER: [detail]}}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _scope(request: HttpRequest, key: str) -> str:
    caller = request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not caller:
        caller = "anonymous:" + request.META.get("REMOTE_ADDR", "")
    material = "\n".join([caller, request.path, key])
    return hashlib.sha256(material.encode()).hexdigest()


def _claim(scope: str, fingerprint: str) -> tuple[IdempotentRequest | None, HttpResponse | None]:
    """Claim the key (row, None) or answer from an earlier request (None, response)."""
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(scope=scope, fingerprint=fingerprint), None
    except IntegrityError:
        pass
    with transaction.atomic():
        row = IdempotentRequest.objects.select_for_update().filter(scope=scope).first()
        if row is None:  # released between the insert and the read: claim it now
            return IdempotentRequest.objects.create(scope=scope, fingerprint=fingerprint), None
        if row.fingerprint != fingerprint:
            return None, _error(
                "This Idempotency-Key was used with a different request body.", "idempotency_key_reused", 422
            )
        if row.status_code is not None:
            response = HttpResponse(bytes(row.body), status=row.status_code, content_type=row.content_type)
            response["Idempotent-Replayed"] = "true"
            return None, response
        if timezone.now() - row.created_at < STALE_CLAIM:
            return None, _error(
                "A request with this Idempotency-Key is still being processed.",
                "idempotency_in_flight",
                409,
                **{"Retry-After": "1"},
            )
        row.created_at = timezone.now()
        row.save(update_fields=["created_at"])
        return row, None


class IdempotencyKeyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
            return _error(f"{HEADER} must be 1 to {MAX_KEY_CHARS} printable characters.", "invalid", 400)
        fingerprint = hashlib.sha256(request.body).hexdigest()
        row, answer = _claim(_scope(request, key), fingerprint)
        if answer is not None:
            return answer
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotentRequest.objects.filter(pk=row.pk).delete()
            raise
        if response.status_code >= 500 or getattr(response, "streaming", False):
            IdempotentRequest.objects.filter(pk=row.pk).delete()
            return response
        IdempotentRequest.objects.filter(pk=row.pk).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response


def purge_expired(*, now=None) -> int:
    """Delete keys past their time to live (a scheduled job); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
