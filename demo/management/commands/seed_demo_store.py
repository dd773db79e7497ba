"""Connect the demo to the loopback fake store and open tickets about its orders (after seed_demo).

python manage.py seed_demo_store --api-base-url http://127.0.0.1:8765
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from demo import store as demo
from store.connectors.base import StoreError, StoreUnavailable

# run.sh starts the fake store alongside: give it a few seconds to listen.
WAIT_SECONDS = 15


class Command(BaseCommand):
    help = (
        "Connect the demo store (run_fake_store must be running), backfill it, open tickets about its orders."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--api-base-url", default="http://127.0.0.1:8765")

    def handle(self, *args, api_base_url: str, **options) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            while True:
                try:
                    demo.seed(api_base_url, log=self.stdout.write)
                    return
                except StoreUnavailable:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
        except StoreError as exc:
            raise CommandError(f"{exc.message} Is `manage.py run_fake_store` running?") from exc
