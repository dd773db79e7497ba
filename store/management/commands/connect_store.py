"""Create or update a store connection (the admin does the same).

python manage.py connect_store shopify example.myshopify.com --token shpat_... --webhook-secret ...
python manage.py connect_store woocommerce shop.example.com --token ck_... --secret cs_... --webhook-secret ...
python manage.py connect_store shopify demo.myshopify.com --token-env SHOPIFY_TOKEN --api-base-url http://127.0.0.1:8765
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from store import connections
from store.models import StoreConnection


class Command(BaseCommand):
    help = "Connect a Shopify or WooCommerce store (secrets stored encrypted, or read from env vars)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=StoreConnection.Kind.values)
        parser.add_argument("domain", help="example.myshopify.com or shop.example.com")
        parser.add_argument("--token", default="", help="Shopify admin API token / Woo consumer key")
        parser.add_argument("--token-env", default="", help="Read the token from this env var instead")
        parser.add_argument("--secret", default="", help="Woo consumer secret")
        parser.add_argument("--secret-env", default="")
        parser.add_argument("--webhook-secret", default="")
        parser.add_argument("--webhook-secret-env", default="")
        parser.add_argument("--api-base-url", default="", help="Point at another host (a loopback fake)")
        parser.add_argument("--name", default="")
        parser.add_argument("--order-id-prefix", default="")

    def handle(self, *args, **options) -> None:
        try:
            connection, created = connections.connect_store(
                kind=options["kind"],
                domain=options["domain"],
                name=options["name"],
                api_base_url=options["api_base_url"],
                order_id_prefix=options["order_id_prefix"],
                secrets={
                    "access_token": (options["token"], options["token_env"]),
                    "api_secret": (options["secret"], options["secret_env"]),
                    "webhook_secret": (options["webhook_secret"], options["webhook_secret_env"]),
                },
            )
        except Exception as exc:  # InvalidInput and friends: say it plainly
            raise CommandError(str(exc)) from exc
        verb = "Connected" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {connection} (id {connection.pk}). Next: manage.py sync_store --connection {connection.pk}"
            )
        )
