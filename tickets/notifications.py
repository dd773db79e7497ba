"""In-app notifications: the one writer of ``Notification`` rows, grouped per ticket, and the
kinds a user has muted."""

from collections.abc import Iterable
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from helpdesk.errors import InvalidInput
from tickets.models import Notification, NotificationMute, Ticket


def notify(
    recipients: Iterable[AbstractBaseUser],
    *,
    kind: str,
    text: str,
    ticket: Ticket | None = None,
    url: str = "",
) -> list[Notification]:
    """Tell each distinct recipient who has not muted ``kind``; returns the rows written.

    About a ticket, a recipient's unread notification is updated (count + 1, the newest text and
    kind on top) instead of adding a row, in one INSERT ... ON CONFLICT whatever the number of
    recipients, so two notifications at the same moment still make one row with count 2.
    """
    if ticket is not None and not url:
        url = f"/tickets/{ticket.pk}/"
    ids = list(dict.fromkeys(user.pk for user in recipients))
    if not ids:
        return []
    table, mutes = Notification._meta.db_table, NotificationMute._meta.db_table
    params: dict[str, Any] = {"ids": ids, "kind": kind, "text": text[:500], "url": url, "now": timezone.now()}
    wanted = f"""
      SELECT r.id FROM unnest(%(ids)s::bigint[]) AS r(id)
      WHERE NOT EXISTS (SELECT 1 FROM {mutes} m WHERE m.user_id = r.id AND m.kind = %(kind)s)"""
    if ticket is None:
        sql = f"""
          INSERT INTO {table} (recipient_id, kind, ticket_id, text, url, created_at, read_at, count)
          SELECT id, %(kind)s, NULL, %(text)s, %(url)s, %(now)s, NULL, 1 FROM ({wanted}) w
          RETURNING id"""
    else:
        params["ticket"] = ticket.pk
        sql = f"""
          INSERT INTO {table} (recipient_id, kind, ticket_id, text, url, created_at, read_at, count)
          SELECT id, %(kind)s, %(ticket)s, %(text)s, %(url)s, %(now)s, NULL, 1 FROM ({wanted}) w
          ON CONFLICT (recipient_id, ticket_id) WHERE read_at IS NULL AND ticket_id IS NOT NULL
          DO UPDATE SET count = {table}.count + 1, kind = EXCLUDED.kind, text = EXCLUDED.text,
                        url = EXCLUDED.url, created_at = EXCLUDED.created_at
          RETURNING id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = [row[0] for row in cursor.fetchall()]
    return list(Notification.objects.filter(pk__in=written))


@transaction.atomic
def set_muted_kinds(user: AbstractBaseUser, kinds: Iterable[str]) -> set[str]:
    """Mute exactly ``kinds`` for ``user`` (others are unmuted). Raises ``InvalidInput`` for an
    unknown kind. Returns the muted kinds."""
    kinds = set(kinds)
    unknown = kinds - set(Notification.Kind.values)
    if unknown:
        raise InvalidInput(f"Unknown notification kind {', '.join(sorted(unknown))}.", field="kinds")
    person = cast(Any, user)
    NotificationMute.objects.filter(user=person).exclude(kind__in=kinds).delete()
    NotificationMute.objects.bulk_create(
        [NotificationMute(user=person, kind=kind) for kind in kinds], ignore_conflicts=True
    )
    return kinds


def muted_kinds(user: AbstractBaseUser) -> set[str]:
    return set(NotificationMute.objects.filter(user=cast(Any, user)).values_list("kind", flat=True))
