"""Seed Handoff's database with the shared workload (run by compare.py in Handoff's virtualenv).

    DATABASE_URL=... .venv/bin/python bench/seed_handoff.py 100000

Migrates, installs the default workflow, creates the login ``bench-lead`` (a manager, password
``bench-password``) and bulk-inserts customers, tickets, their messages and the created/resolved
events, then prints one JSON line: an API key and the ids of the tickets with four messages.
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

import workload  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from rich.progress import Progress  # noqa: E402

from routing.models import Team, Tier  # noqa: E402
from tickets.api_auth import create_api_key  # noqa: E402
from tickets.models import Customer, Message, Ticket, TicketEvent  # noqa: E402
from tickets.tests.factories import UserFactory  # noqa: E402

BATCH = 5_000
ISSUE_TYPES = ["order_status", "delivery_problem", "return_request", "refund_request", "billing", "complaint"]


def main(count: int) -> None:
    call_command("migrate", "--noinput", verbosity=0)
    if not Team.objects.exists():
        from routing.workflow import install_default_workflow

        install_default_workflow()
    lead = UserFactory(username="bench-lead", roles=["manager"])
    lead.set_password("bench-password")
    lead.save(update_fields=["password"])
    Group.objects.get_or_create(name="manager")
    if Ticket.objects.count() < count:
        seed(count)
    detailed = list(
        Ticket.objects.filter(subject__in=[i.subject for i in workload.items(workload.DETAILED)])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _, key = create_api_key(f"bench-{random.randrange(10**9)}")
    print(json.dumps({"api_key": key, "detailed": detailed, "tickets": Ticket.objects.count()}))


@transaction.atomic
def seed(count: int) -> None:
    rng = random.Random(workload.SEED)
    customers = Customer.objects.bulk_create(
        [Customer(name=f"Buyer {n}", email=workload.customer_email(n)) for n in range(workload.CUSTOMERS)],
        batch_size=BATCH,
    )
    teams = list(Team.objects.all())
    tier = Tier.objects.filter(rank__gt=0).order_by("rank").first()
    batch: list[workload.Item] = []
    with Progress() as progress:
        task = progress.add_task(f"Handoff: {count:,} tickets", total=count)
        for item in workload.items(count):
            batch.append(item)
            if len(batch) == BATCH:
                insert(batch, customers, teams, tier, rng)
                progress.advance(task, len(batch))
                batch = []
        if batch:
            insert(batch, customers, teams, tier, rng)
            progress.advance(task, len(batch))


def insert(batch, customers, teams, tier, rng) -> None:
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                customer=customers[item.customer],
                subject=item.subject,
                channel="email",
                status=Ticket.Status.OPEN if item.is_open else Ticket.Status.RESOLVED,
                stage=Ticket.Stage.QUEUED if item.is_open else Ticket.Stage.RESOLVED,
                priority=item.priority,
                issue_type=rng.choice(ISSUE_TYPES),
                team=rng.choice(teams),
                tier=tier,
                first_message_at=item.created_at,
                created_at=item.created_at,
                updated_at=item.created_at,
                sla_due_at=item.created_at + timedelta(hours=24) if item.is_open else None,
                resolved_at=None if item.is_open else item.created_at + timedelta(hours=rng.randint(1, 72)),
            )
            for item in batch
        ]
    )
    messages, events = [], []
    for ticket, item in zip(tickets, batch, strict=True):
        for n, body in enumerate(item.bodies):
            inbound = n % 2 == 0
            messages.append(
                Message(
                    ticket=ticket,
                    direction=Message.Direction.INBOUND if inbound else Message.Direction.OUTBOUND,
                    author_kind=Message.AuthorKind.CUSTOMER if inbound else Message.AuthorKind.AGENT,
                    channel="email",
                    subject=item.subject if n == 0 else "",
                    body=body,
                    created_at=item.created_at + timedelta(minutes=30 * n),
                )
            )
        events.append(
            TicketEvent(
                ticket=ticket, kind=TicketEvent.Kind.CREATED, actor_kind="customer", at=item.created_at
            )
        )
        if ticket.resolved_at:
            events.append(TicketEvent(ticket=ticket, kind=TicketEvent.Kind.RESOLVED, at=ticket.resolved_at))
    Message.objects.bulk_create(messages)
    TicketEvent.objects.bulk_create(events)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
