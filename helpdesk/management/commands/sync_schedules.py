"""Write helpdesk/schedules.py into django-q2's Schedule table (run on every deploy)."""

from django.core.management.base import BaseCommand
from django_q.models import Schedule

from helpdesk.schedules import SCHEDULES


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules declared in helpdesk/schedules.py; delete stale ones."

    def handle(self, *args: object, **options: object) -> None:
        names = []
        for job in SCHEDULES:
            Schedule.objects.update_or_create(
                name=job.name,
                # Through run_exclusive: a job two workers could start at once runs only once.
                defaults={
                    "func": "helpdesk.locks.run_exclusive",
                    "args": repr(job.func),
                    "schedule_type": Schedule.CRON,
                    "cron": job.cron,
                    "repeats": -1,
                },
            )
            names.append(job.name)
        stale, _ = Schedule.objects.filter(name__startswith="handoff:").exclude(name__in=names).delete()
        self.stdout.write(f"{len(names)} schedules in place, {stale} stale removed.")
