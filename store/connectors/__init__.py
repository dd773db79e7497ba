"""Store connectors behind one protocol; ``backend_for(connection)`` picks one by its kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.connectors.base import StoreBackend

if TYPE_CHECKING:
    from store.models import StoreConnection

BACKENDS = {
    "shopify": "store.connectors.shopify.ShopifyBackend",
    "woocommerce": "store.connectors.woocommerce.WooCommerceBackend",
}


def backend_for(connection: StoreConnection) -> StoreBackend:
    """The connector for ``connection`` (not cached: tests point connections at loopback servers)."""
    from django.utils.module_loading import import_string

    return import_string(BACKENDS[connection.kind])(connection)
