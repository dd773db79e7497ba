"""Jobs of the routing app (thin: load by id, call an action)."""

from tickets.models import Ticket


def ticket_reopened(ticket_id: int) -> None:
    """Re-route a reopened ticket; recovery cases go to a senior tier (filled by the routing work)."""
    Ticket.objects.filter(pk=ticket_id).exists()
