"""API-key authentication: ``Authorization: Bearer <key>``, keys stored as SHA-256 hashes."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

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
        if not raw:
            raise exceptions.AuthenticationFailed("Empty API key.")
        key = ApiKey.objects.select_related("user").filter(key_hash=ApiKey.hash(raw), is_active=True).first()
        if key is None or not key.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
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
