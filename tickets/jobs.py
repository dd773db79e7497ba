"""Jobs of the tickets app: thin, idempotent. Periodic ones are in helpdesk/schedules.py."""

from __future__ import annotations

from tickets import snooze


def wake_snoozed_tickets() -> int:
    """Wake the snoozed tickets whose time has come (set-based, SKIP LOCKED); returns how many."""
    return snooze.wake_due_snoozes()
