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
        "routing.pipeline.drain",
        cron="* * * * *",
        why="Backstop: received messages whose wake-up was lost (a crashed worker) are still routed.",
    ),
    Job(
        "routing.triage.jobs.retry_failed_triage",
        cron="*/5 * * * *",
        why="A ticket whose triage failed (or whose job was lost) is triaged again.",
    ),
    Job("routing.jobs.run_sla_sweep", cron="* * * * *", why="SLA warnings and breaches act within a minute."),
    Job(
        "tickets.jobs.wake_snoozed_tickets",
        cron="* * * * *",
        why="Snoozed tickets wake within a minute of their time.",
    ),
    Job(
        "routing.jobs.rebalance_queues",
        cron="* * * * *",
        why="Queue pressure moves low-risk cases to AI and back.",
    ),
    Job(
        "routing.jobs.fill_all_teams",
        cron="* * * * *",
        why="Waiting tickets reach agents as capacity frees up.",
    ),
    Job(
        "followups.jobs.send_due_followups", cron="* * * * *", why="Follow-ups go out within a minute of due."
    ),
    Job("followups.jobs.retry_webhook_deliveries", cron="* * * * *", why="Failed webhooks retry on backoff."),
    Job("followups.jobs.poll_mailbox", cron="* * * * *", why="Email via IMAP arrives within a minute."),
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
    Job(
        "analytics.jobs.refresh_ticket_facts",
        cron="* * * * *",
        why="Folds touched tickets into the per-ticket facts the metrics aggregate, so they stay fast.",
    ),
    Job(
        "resolution.jobs.resolve_quiet_tickets",
        cron="*/15 * * * *",
        why="An AI answer the customer did not come back on resolves the ticket (AI_QUIET_HOURS).",
    ),
    Job(
        "store.jobs.run_proactive",
        cron="* * * * *",
        why="Delayed or failed shipments reach the customer before they ask (one message per order and event).",
    ),
    Job(
        "store.jobs.retry_webhooks",
        cron="*/5 * * * *",
        why="Store webhooks that arrived before their order (or whose job was lost) are processed again.",
    ),
    Job(
        "helpdesk.idempotency.purge_expired",
        cron="17 * * * *",
        why="Idempotency-Key answers are replayed for a day, then dropped.",
    ),
    Job(
        "tickets.presence.purge_stale",
        cron="23 * * * *",
        why="Presence rows stop counting after 30 s; rows older than an hour are dropped.",
    ),
]
