"""Send the follow-ups that are due now (what the every-minute schedule does), delivering inline."""

from django.core.management.base import BaseCommand
from django_q.conf import Conf

from followups import jobs


class Command(BaseCommand):
    help = "Send due follow-ups now and deliver them in this process (the console email backend prints them)."

    def handle(self, *args: object, **options: object) -> None:
        # Deliver in this process, so the email shows here even when no qcluster is running.
        Conf.SYNC = True
        handled = jobs.send_due_followups()
        self.stdout.write(f"{handled} follow-up(s) sent.")
