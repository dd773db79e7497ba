"""Serve the loopback Shopify/WooCommerce fake (the demo's store; ``make run`` starts it).

python manage.py run_fake_store --port 8765 --orders 40
"""

from __future__ import annotations

import contextlib
import signal
import threading

from django.core.management.base import BaseCommand

from store.fakestore import FakeStore


class Command(BaseCommand):
    help = "Run the loopback fake store (Shopify GraphQL + WooCommerce REST shapes) until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--orders", type=int, default=40)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options) -> None:
        store = FakeStore(host=options["host"], port=options["port"])
        store.seed(orders=options["orders"], seed=options["seed"])
        store.start()
        self.stdout.write(f"Fake store on {store.url} ({len(store.orders)} orders). Ctrl-C stops it.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        store.stop()
