"""Seed django-helpdesk with the shared workload (run by compare.py in the peer's virtualenv).

    PEER_DATABASE_URL=... bench/.venv-peer/bin/python bench/peer/seed_peer.py 100000

Prints one JSON line: the API token and the ids of the tickets with four messages (follow-ups).
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")

import django  # noqa: E402

django.setup()

import workload  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402

BATCH = 5_000


def main(count: int) -> None:
    call_command("migrate", "--noinput", verbosity=0)
    User = get_user_model()
    lead, _ = User.objects.get_or_create(
        username="bench-lead", defaults={"is_staff": True, "is_superuser": True}
    )
    lead.set_password("bench-password")
    lead.is_staff = lead.is_superuser = True
    lead.save()
    queue, _ = Queue.objects.get_or_create(
        slug="support", defaults={"title": "Support", "allow_public_submission": True}
    )
    if Ticket.objects.count() < count:
        seed(count, queue, lead)
    detailed = list(
        Ticket.objects.filter(title__in=[i.subject for i in workload.items(workload.DETAILED)])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    token, _ = Token.objects.get_or_create(user=lead)
    print(
        json.dumps(
            {
                "api_token": token.key,
                "queue": queue.pk,
                "detailed": detailed,
                "tickets": Ticket.objects.count(),
            }
        )
    )


@transaction.atomic
def seed(count: int, queue, lead) -> None:
    batch = []
    done = 0
    for item in workload.items(count):
        batch.append(item)
        if len(batch) == BATCH:
            insert(batch, queue, lead)
            done += len(batch)
            print(f"peer: {done:,}/{count:,} tickets", file=sys.stderr, flush=True)
            batch = []
    if batch:
        insert(batch, queue, lead)


def insert(batch, queue, lead) -> None:
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                title=item.subject,
                queue=queue,
                submitter_email=workload.customer_email(item.customer),
                status=Ticket.OPEN_STATUS if item.is_open else Ticket.CLOSED_STATUS,
                priority=min(item.priority + 1, 5),
                description=item.bodies[0],
            )
            for item in batch
        ]
    )
    # created/modified are auto_now fields: set the workload's dates afterwards.
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE helpdesk_ticket SET created = %s, modified = %s WHERE id = %s",
            [(item.created_at, item.created_at, t.pk) for t, item in zip(tickets, batch, strict=True)],
        )
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                ticket=t,
                date=item.created_at + timedelta(minutes=30 * n),
                title="Comment",
                comment=body,
                public=True,
                user=None if n % 2 == 0 else lead,
            )
            for t, item in zip(tickets, batch, strict=True)
            for n, body in enumerate(item.bodies[1:], start=1)
        ]
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
