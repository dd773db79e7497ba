"""Creating and updating store connections (the ``connect_store`` command and the admin form)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from helpdesk.errors import InvalidInput
from store import credentials
from store.models import StoreConnection


@transaction.atomic
def connect_store(
    *,
    kind: str,
    domain: str,
    secrets: Mapping[str, tuple[str, str]],
    name: str = "",
    api_base_url: str = "",
    order_id_prefix: str = "",
) -> tuple[StoreConnection, bool]:
    """Create (or update, by domain) a connection. ``secrets`` maps a secret's name to
    ``(value, env_var_name)``; a value is stored encrypted, an env var name is stored instead."""
    if kind not in StoreConnection.Kind.values:
        raise InvalidInput(f"Kind must be one of {', '.join(StoreConnection.Kind.values)}.", field="kind")
    domain = domain.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not domain or "/" in domain:
        raise InvalidInput("Give the shop's domain, e.g. example.myshopify.com.", field="domain")
    token, token_env = secrets.get("access_token", ("", ""))
    if not (token or token_env):
        raise InvalidInput(
            "Give an API token (--token) or the env var holding it (--token-env).", field="access_token"
        )
    if kind == StoreConnection.Kind.WOOCOMMERCE and not any(secrets.get("api_secret", ("", ""))):
        raise InvalidInput(
            "WooCommerce needs the consumer secret (--secret or --secret-env).", field="api_secret"
        )
    connection = StoreConnection.objects.select_for_update().filter(shop_domain=domain).first()
    created = connection is None
    connection = connection or StoreConnection(shop_domain=domain)
    connection.kind, connection.name = kind, name or connection.name or domain
    connection.api_base_url, connection.order_id_prefix = api_base_url, order_id_prefix
    for secret_name, (value, env_name) in secrets.items():
        if env_name:
            setattr(connection, f"{secret_name}_env", env_name)
            setattr(connection, f"{secret_name}_encrypted", "")
        elif value:
            setattr(connection, f"{secret_name}_env", "")
            credentials.set_secret(connection, secret_name, value)
    connection.save()
    return connection, created
