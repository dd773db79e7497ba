"""Connection secrets: read from an environment variable when one is named, else decrypted from
the database column (Fernet, key from ``STORE_CREDENTIALS_KEY`` or derived from ``SECRET_KEY``)."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from helpdesk.errors import InvalidInput
from store.models import StoreConnection

SECRETS = ("access_token", "api_secret", "webhook_secret")


def _fernet() -> Fernet:
    key = getattr(settings, "STORE_CREDENTIALS_KEY", "") or ""
    if not key:
        # A stable key per install; rotating SECRET_KEY then needs the secrets entered again.
        key = base64.urlsafe_b64encode(
            hashlib.sha256(f"store:{settings.SECRET_KEY}".encode()).digest()
        ).decode()
    return Fernet(key.encode())


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def set_secret(connection: StoreConnection, name: str, value: str) -> None:
    """Store ``value`` encrypted in ``<name>_encrypted`` (the caller saves the connection)."""
    if name not in SECRETS:
        raise ValueError(name)
    setattr(connection, f"{name}_encrypted", encrypt(value))


def secret(connection: StoreConnection, name: str) -> str:
    """The plain secret: the named env var wins over the stored ciphertext; "" when neither is set."""
    env_name = getattr(connection, f"{name}_env")
    if env_name:
        return os.environ.get(env_name, "")
    token = getattr(connection, f"{name}_encrypted")
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise InvalidInput(
            f"The stored {name.replace('_', ' ')} of {connection} cannot be decrypted (was SECRET_KEY "
            "or STORE_CREDENTIALS_KEY changed?); enter it again.",
            field=name,
        ) from exc
