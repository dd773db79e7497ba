"""In-app notifications: the one writer of ``Notification`` rows."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser

from tickets.models import Notification, Ticket


def notify(
    recipients: Iterable[AbstractBaseUser],
    *,
    kind: str,
    text: str,
    ticket: Ticket | None = None,
    url: str = "",
) -> list[Notification]:
    """Create one notification per distinct recipient (bulk: one query whatever their number)."""
    if ticket is not None and not url:
        url = f"/tickets/{ticket.pk}/"
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, kind=kind, ticket=ticket, text=text[:500], url=url))
    return Notification.objects.bulk_create(rows)
