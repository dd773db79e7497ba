"""``Idempotency-Key`` on every POST under /api/: a retried request gets the first answer again.

A keyed request runs in one database transaction together with the stored answer: the work
and its record commit together or not at all. A retry with the same key, caller and body gets
the stored answer (``Idempotent-Replayed: true``) and nothing runs twice; a retry that arrives
while the first is still running waits for it (a transaction-scoped advisory lock on the key)
and then gets its answer. The same key with another body gets 422. A 5xx answer is rolled back
and not stored, so the client's retry runs for real. Answers are kept for
``IDEMPOTENCY_KEY_TTL_HOURS`` (``purge_expired``, scheduled).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from helpdesk.middleware import database_unavailable
from helpdesk.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 255


def _error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, "fields": {HEADER: [detail]}}, status=status)


def _scope(request: HttpRequest, key: str) -> str:
    caller = request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not caller:
        caller = "anonymous:" + request.META.get("REMOTE_ADDR", "")
    material = "\n".join([caller, request.path, key])
    return hashlib.sha256(material.encode()).hexdigest()


def _replay(row: IdempotentRequest, fingerprint: str) -> HttpResponse:
    if row.fingerprint != fingerprint:
        return _error(
            "This Idempotency-Key was used with a different request body.", "idempotency_key_reused", 422
        )
    response = HttpResponse(bytes(row.body), status=row.status_code, content_type=row.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


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
        scope = _scope(request, key)
        try:
            return self._run_once(request, scope, fingerprint)
        except (OperationalError, InterfaceError):
            # Nothing was committed (the work and its record share the transaction): retry-safe.
            return database_unavailable(request)

    def _run_once(self, request: HttpRequest, scope: str, fingerprint: str) -> HttpResponse:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [scope])
            row = IdempotentRequest.objects.filter(scope=scope).first()
            if row is not None:
                return _replay(row, fingerprint)
            response = self.get_response(request)
            if response.status_code >= 500 or getattr(response, "streaming", False):
                transaction.set_rollback(True)
                return response
            IdempotentRequest.objects.create(
                scope=scope,
                fingerprint=fingerprint,
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content,
            )
        return response


def purge_expired(*, now=None) -> int:
    """Delete answers past their time to live (a scheduled job); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
