"""One pass of proactive outreach (the schedule runs it every minute).

python manage.py run_proactive
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from store import proactive


class Command(BaseCommand):
    help = "Match store events against the proactive rules and send what is due (never twice)."

    def handle(self, *args, **options) -> None:
        result = proactive.run_pass()
        self.stdout.write(
            f"Matched {result.matched} new order events; sent {result.sent}, skipped {result.skipped}, "
            f"waiting for quiet hours {result.deferred}."
        )
