"""Every periodic job, declared once. ``manage.py sync_schedules`` writes them to django-q2.

Each app appends its jobs here with a one-line why. Nothing is scheduled by hand in the admin.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    func: str
    cron: str
    why: str

    @property
    def name(self) -> str:
        return f"handoff:{self.func}"


SCHEDULES: list[Job] = [
    Job(
        "routing.triage.jobs.retry_failed_triage",
        cron="*/5 * * * *",
        why="A ticket whose triage failed (or whose job was lost) is triaged again.",
    ),
]
