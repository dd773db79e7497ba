"""Project-wide tables: the replay store behind the ``Idempotency-Key`` header."""

from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """One POST under /api/ with an ``Idempotency-Key``: its outcome, replayed to a retry.

    ``scope`` hashes the caller's credentials, the path and the key, so two clients never share
    a key. ``fingerprint`` hashes the body: the same key with another body is refused.
    """

    scope = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.scope[:12]}… → {self.status_code or 'in flight'}"
