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
        "followups.jobs.send_due_followups", cron="* * * * *", why="Follow-ups go out within a minute of due."
    ),
    Job("followups.jobs.retry_webhook_deliveries", cron="* * * * *", why="Failed webhooks retry on backoff."),
    Job("followups.jobs.poll_mailbox", cron="* * * * *", why="Email via IMAP arrives within a minute."),
]
