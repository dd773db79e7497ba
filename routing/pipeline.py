"""What happens after intake commits a message: the seam between tickets and routing.

``tickets.intake`` calls ``message_received`` (by the dotted path in settings.INTAKE_PIPELINE)
after the message is committed. Exceptions here never lose the message: intake logs them and
the ticket stays marked for triage, which a job retries.
"""


def message_received(ticket_id: int, message_id: int) -> None:
    """Triage (new tickets) and re-route the ticket. Filled in by the triage and routing work."""
