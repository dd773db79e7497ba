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
        "analytics.jobs.detect_patterns",
        cron="0 6 * * 1",
        why="Weekly pattern review: recurring root causes, issue type + product, emerging clusters.",
    ),
    Job(
        "analytics.jobs.refresh_stage_durations",
        cron="*/5 * * * *",
        why="Keeps the dashboard's time-in-stage summary current so it answers fast at any size.",
    ),
]
