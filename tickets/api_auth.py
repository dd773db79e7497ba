"""API-key authentication: ``Authorization: Bearer <key>``, keys stored as SHA-256 hashes."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tickets.models import ApiKey
from tickets.queries import ROLE_INTEGRATION

KEY_PREFIX = "hk_"


@transaction.atomic
def create_api_key(name: str) -> tuple[ApiKey, str]:
    """Create a key and the service user it acts as; return the key row and the raw key (shown once)."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    user, _ = get_user_model().objects.get_or_create(
        username=f"integration:{name}"[:150], defaults={"is_active": True, "first_name": name[:150]}
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=ROLE_INTEGRATION)[0])
    key = ApiKey.objects.create(name=name, prefix=raw[:10], key_hash=ApiKey.hash(raw), user=user)
    return key, raw


class ApiKeyFailureThrottle(SimpleRateThrottle):
    """Counts wrong API keys per client address (``api_key_failure`` rate); over it, every key is refused.

    Only failures are counted, so a busy integration with a good key is never slowed down.
    """

    scope = "api_key_failure"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _recent(self, request) -> list[float]:
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        return [at for at in self.cache.get(self.key, []) if at > self.now - self.duration]

    def check(self, request) -> None:
        if self.rate is None:
            return
        self.history = self._recent(request)
        if len(self.history) >= self.num_requests:
            raise exceptions.Throttled(self.wait(), detail="Too many invalid API keys from this address.")

    def record_failure(self, request) -> None:
        if self.rate is None:
            return
        recent = self._recent(request)
        self.cache.set(self.key, [self.now, *recent], self.duration)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():  # auth schemes are case-insensitive (RFC 9110)
            return None
        raw = raw.strip()
        throttle = ApiKeyFailureThrottle()
        throttle.check(request)
        if not raw:
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed("Empty API key.")
        key = (
            ApiKey.objects.select_related("user")
            # The key user's roles come with the key: the permission checks of the request
            # (``queries.has_role``) need no query of their own.
            .annotate(role_names=ArraySubquery(Group.objects.filter(user=OuterRef("user_id")).values("name")))
            .filter(key_hash=ApiKey.hash(raw), is_active=True)
            .first()
        )
        if key is None or not key.user.is_active:
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        key.user._role_names = set(key.role_names)
        # One write per minute at most: the timestamp is for admins, not for accounting.
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.user, key

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tickets.api_auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `manage.py create_api_key`.",
        }
