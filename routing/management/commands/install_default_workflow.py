"""Install (or restore) the default routing workflow of DESIGN.md. Safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from routing.workflow import install_default_workflow


class Command(BaseCommand):
    help = "Install or restore the default tiers, teams, business hours, SLA policies, rules and thresholds."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            counts = install_default_workflow()
        self.stdout.write(", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items()))
