"""Withdraw pending approvals left on resolved or closed tickets (a one-off catch-up for data
from before ``routing.jobs.ticket_resolved``; safe to run again)."""

from django.core.management.base import BaseCommand

from routing.jobs import withdraw_orphaned_approvals


class Command(BaseCommand):
    help = "Withdraw pending approvals on resolved/closed tickets and discard the replies they held."

    def handle(self, *args, **options) -> None:
        count = withdraw_orphaned_approvals()
        self.stdout.write(f"Withdrew {count} pending approval(s) on resolved or closed tickets.")
