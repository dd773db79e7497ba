"""Who else is on a ticket: "Sam is viewing", "Sam is typing" (collision warnings before the fact).

The ticket page sends a heartbeat every few seconds (``beat``: one upsert, no event: presence is
not a change to the ticket); a row older than ``PRESENCE_TTL`` no longer counts, so closing the
tab makes the marker go away by itself. The server-side check that really stops a double answer
is in ``tickets.composer.send_reply``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from tickets.models import TicketPresence

PRESENCE_TTL = timedelta(seconds=30)
PURGE_AFTER = timedelta(hours=1)
HEARTBEAT_SECONDS = 5


@dataclass(frozen=True)
class Present:
    name: str
    typing: bool

    def __str__(self) -> str:
        return f"{self.name} is {'typing' if self.typing else 'viewing'}"


def beat(ticket_id: int, user: AbstractBaseUser, *, typing: bool) -> None:
    """Record that ``user`` has the ticket open (and whether they are typing): one upsert."""
    TicketPresence.objects.bulk_create(
        [TicketPresence(ticket_id=ticket_id, user_id=user.pk, typing=typing, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["ticket", "user"],
        update_fields=["typing", "seen_at"],
    )


def others_on(ticket_ids: Iterable[int], user: AbstractBaseUser) -> dict[int, list[Present]]:
    """For each ticket, the other people on it within the last ``PRESENCE_TTL``: one query."""
    rows = (
        TicketPresence.objects.filter(
            ticket_id__in=list(ticket_ids), seen_at__gte=timezone.now() - PRESENCE_TTL
        )
        .exclude(user_id=user.pk)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    present: dict[int, list[Present]] = defaultdict(list)
    for row in rows:
        present[row.ticket_id].append(Present(row.user.first_name or row.user.get_username(), row.typing))
    return present


def purge_stale() -> int:
    """Drop presence rows nobody refreshed for ``PURGE_AFTER`` (hourly job); returns how many."""
    deleted, _ = TicketPresence.objects.filter(seen_at__lt=timezone.now() - PURGE_AFTER).delete()
    return deleted
