"""The demo store behind ``manage.py seed_demo``: org, customers, orders, tickets and their history.

Deterministic (one seeded ``random.Random``) and idempotent: everything is looked up by a
natural key (slug, username, email, external id) before it is created, and a finished run is
recognised by the last planned message, so a second run writes nothing.

Tickets enter through ``tickets.intake.receive`` (so the intake pipeline triages and routes
them) and their history is played by ``demo.story.Story`` through ``tickets.actions``
and routing's actions (approvals, escalation, overrides), with queued jobs run inline. Everything
happens "now"; afterwards each ticket's rows are moved back in time, one step at a time (the
intake, the first reply, the resolution...), by set-based UPDATEs (``shift_history``). Rows
written in the same step move by the same delta, so the event log stays consistent with the
tickets and messages, and response and resolution times come out realistic.

Integration points: the one place other apps hook into the demo
----------------------------------------------------------------
``SETUP_STEPS``      dotted paths called as ``step(context)`` once teams, tiers, agents, root
                     causes and customers exist and before the first ticket arrives (routing's
                     default workflow belongs here, so intake routes the demo tickets with it).
``AFTER_INTAKE_STEPS`` dotted paths called as ``step(ticket, context)`` right after each demo
                     ticket's first message went through intake and the pipeline, inside that
                     moment of its history (e.g. routing deciding the approvals its rules asked
                     for, as the demo manager). A ticket still awaiting approval afterwards
                     stops there and waits in the approval queue.
``POST_SEED_STEPS``  dotted paths called as ``step(context)`` after the history is written and
                     back-dated (follow-ups, CSAT answers, analytics snapshots...).
``SHIFTED_COLUMNS``  (in ``demo.shift``, re-exported here) every table written while tickets are seeded (tickets' own, triage results,
                     routing decisions, SLA clocks, follow-ups...) whose timestamps must move back
                     with their ticket; a new app writing such rows adds a ``Shifted`` line.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from demo.content import ROOT_CAUSES, USERS, DemoUser
from demo.plan import CustomerPlan, TicketPlan, plan_customers, plan_tickets
from demo.shift import SHIFTED_COLUMNS, Shifted, shift_history
from demo.story import STORE, Story
from helpdesk.queue import jobs_inline
from routing.workflow import TEAMS, TIERS
from tickets import intake
from tickets.models import Customer, CustomerIdentity, Message, Notification, Order, RootCause

SETUP_STEPS: list[str] = ["demo.store.seed_order_records"]
AFTER_INTAKE_STEPS: list[str] = []
POST_SEED_STEPS: list[str] = [
    "demo.inbox.settle_sla_clocks",
    "demo.inbox.seed_demo_reads",
    "demo.followups.seed_step",
    "demo.analytics.seed",
]
__all__ = [
    "AFTER_INTAKE_STEPS",
    "POST_SEED_STEPS",
    "SETUP_STEPS",
    "SHIFTED_COLUMNS",
    "SeedContext",
    "Shifted",
    "run",
    "shift_history",
]


SEED = 20261121
DEMO_PASSWORD = "handoff-demo"
# Steps that would land closer to now than this are left for the live system to do.
HORIZON = timedelta(minutes=20)
# Tickets played before their rows are moved back in time together.
SHIFT_BATCH = 10
# Notifications older than this count as read when the seed ends.
READ_AFTER = timedelta(days=1)


@dataclass
class SeedContext:
    """What a setup or post-seed step gets: the seeded objects and a deterministic RNG."""

    rng: random.Random
    users: dict[str, object] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)
    ticket_ids: list[int] = field(default_factory=list)
    log: Callable[[str], None] = print


@dataclass
class SeedReport:
    created: bool
    logins: list[DemoUser]
    customers: int = 0
    orders: int = 0
    tickets: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


# --- the org -----------------------------------------------------------------------------------


@transaction.atomic
def seed_org() -> dict[str, object]:
    """Teams, tiers, groups, users and agent profiles, found by slug/username or created. Teams
    and tiers are routing's default workflow (``routing.workflow``), which its migration installs."""
    team_model, tier_model = apps.get_model("routing", "Team"), apps.get_model("routing", "Tier")
    profile_model = apps.get_model("routing", "AgentProfile")
    teams = {
        slug: team_model.objects.get_or_create(slug=slug, defaults={"name": name})[0] for slug, name in TEAMS
    }
    tiers = {}
    for rank, slug, name, team, ai_may_answer, is_senior in TIERS:
        defaults = {"rank": rank, "name": name, "team": teams.get(team), "ai_may_answer": ai_may_answer}
        defaults["is_senior"] = is_senior
        tiers[slug] = tier_model.objects.get_or_create(slug=slug, defaults=defaults)[0]
    users = {}
    password = make_password(DEMO_PASSWORD)  # hashed once: the hasher is slow on purpose
    for spec in USERS:
        user, created = get_user_model().objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@{STORE.lower().replace(' ', '')}.example",
                "is_staff": spec.superuser or "manager" in spec.roles,
                "is_superuser": spec.superuser,
            },
        )
        if created:
            user.password = password
            user.save(update_fields=["password"])
        user.groups.add(*(Group.objects.get_or_create(name=role)[0] for role in spec.roles))
        if spec.team or spec.tier:
            profile_model.objects.get_or_create(
                user=user,
                defaults={
                    "team": teams.get(spec.team),
                    "tier": tiers.get(spec.tier),
                    "skills": list(spec.skills),
                    "availability": "online",
                },
            )
        users[spec.username] = user
    return users


def seed_root_causes() -> dict[str, RootCause]:
    for name, description in ROOT_CAUSES.items():
        RootCause.objects.get_or_create(name=name, defaults={"description": description})
    return {cause.name: cause for cause in RootCause.objects.filter(name__in=ROOT_CAUSES)}


@transaction.atomic
def seed_customers(plans: list[CustomerPlan]) -> list[Customer]:
    """Customers with their channel identities and orders (bulk; existing emails are kept)."""
    existing = {c.email: c for c in Customer.objects.filter(email__in=[p.email for p in plans])}
    fresh = [
        Customer(
            name=p.name,
            email=p.email,
            phone=p.phone,
            lifetime_value=p.lifetime_value,
            order_count=p.order_count,
            tags=p.tags,
            locale=p.locale,
            created_at=p.created_at,
        )
        for p in plans
        if p.email not in existing
    ]
    for customer in Customer.objects.bulk_create(fresh):
        existing[customer.email] = customer
    customers = [existing[p.email] for p in plans]
    CustomerIdentity.objects.bulk_create(
        [
            CustomerIdentity(customer=customer, channel=channel, handle=handle, created_at=plan.created_at)
            for plan, customer in zip(plans, customers, strict=True)
            for channel, handle in plan.identities
        ],
        ignore_conflicts=True,
    )
    Order.objects.bulk_create(
        [
            Order(customer=customer, **order.fields())
            for plan, customer in zip(plans, customers, strict=True)
            for order in plan.orders
        ],
        ignore_conflicts=True,
    )
    return customers


# --- tickets and their history -----------------------------------------------------------------


@dataclass
class Timeline:
    """The steps of one ticket: (real time the step started, the time it should appear to be)."""

    base: datetime
    steps: list[tuple[datetime, datetime]] = field(default_factory=list)

    def step(self, offset_hours: float, *, always: bool = False) -> bool:
        """Start a step ``offset_hours`` after the first message; False if it lies in the future.

        ``always`` records the step whatever its time (the first message is never in the future).
        """
        target = self.base + timedelta(hours=offset_hours)
        if not always and target > timezone.now() - HORIZON:
            return False
        self.steps.append((timezone.now(), target))
        return True


def seed_ticket(
    plan: TicketPlan, *, context: SeedContext, causes: dict[str, RootCause], outcomes: dict
) -> tuple[int, Timeline] | None:
    """Receive the ticket's first message and play its planned history; None if it already exists.

    Returns the ticket id and the timeline of the steps that were played.
    """
    timeline = Timeline(base=timezone.now() - timedelta(hours=plan.age_hours))
    timeline.step(0, always=True)
    result = intake.receive(plan.inbound(0))
    if not result.created:
        return None
    ticket = result.ticket
    for path in AFTER_INTAKE_STEPS:
        import_string(path)(ticket, context)
    story = Story(plan, ticket, timeline, users=context.users, causes=causes, outcomes=outcomes)
    story.play()
    return ticket.pk, timeline


def mark_history_read(*, older_than: timedelta = READ_AFTER) -> int:
    """Notifications older than ``older_than`` were read an hour after they came (the bell shows
    what is new, not two months of history); returns how many."""
    return Notification.objects.filter(
        read_at__isnull=True, created_at__lt=timezone.now() - older_than
    ).update(read_at=F("created_at") + timedelta(hours=1))


# --- the whole run -----------------------------------------------------------------------------


def is_seeded(ticket_plans: list[TicketPlan]) -> bool:
    return Message.objects.filter(external_id=ticket_plans[-1].external_id(0)).exists()


def run(
    *,
    customers: int = 200,
    tickets: int = 500,
    seed: int = SEED,
    progress: Callable[[int], None] = lambda advance: None,
    log: Callable[[str], None] = print,
) -> SeedReport:
    """Seed the demo store; a store already seeded with the same plan is left as it is.

    ``progress`` is called with 1 after each ticket (the command drives a progress bar with it).
    """
    rng = random.Random(seed)
    customer_plans = plan_customers(rng, customers, store=STORE)
    ticket_plans = plan_tickets(rng, customer_plans, tickets, agents=[u.username for u in USERS], store=STORE)
    # Oldest first, back-dated in small batches: when the pipeline triages a ticket, the customer's
    # earlier tickets already sit at their real age (a ticket from last month is not "a minute ago",
    # which would make every returning customer look like a repeat complaint).
    ticket_plans.sort(key=lambda plan: -plan.age_hours)
    logins = list(USERS)
    if is_seeded(ticket_plans):
        return SeedReport(created=False, logins=logins)
    context = SeedContext(rng=rng, log=log)
    context.users = seed_org()
    causes = seed_root_causes()
    context.customers = seed_customers(customer_plans)
    for path in SETUP_STEPS:
        import_string(path)(context)
    outcomes = dict.fromkeys(
        [
            "replied",
            "resolved",
            "reopened",
            "closed",
            "awaiting approval",
            "held for approval",
            "taken over by the pipeline",
            "approvals given",
            "approvals denied",
            "classification corrected",
            "escalated by hand",
            "de-escalated",
            "answered by AI",
            "AI answer did not help",
            "resolved by AI",
        ],
        0,
    )
    timelines: dict[int, Timeline] = {}
    batch: dict[int, Timeline] = {}
    # Demo customers are fictional: nothing may leave by email, and nothing is left queued (the
    # post-seed steps too: a CSAT answer reopens or closes tickets, which queues jobs).
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), jobs_inline():
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")  # demo data: speed over durability
        for plan in ticket_plans:
            seeded = seed_ticket(plan, context=context, causes=causes, outcomes=outcomes)
            if seeded is not None:
                timelines[seeded[0]] = batch[seeded[0]] = seeded[1]
            if len(batch) >= SHIFT_BATCH:
                shift_history(batch)
                batch = {}
            progress(1)
        shift_history(batch)
        context.ticket_ids = sorted(timelines)
        for path in POST_SEED_STEPS:
            import_string(path)(context)
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")
    mark_history_read()
    return SeedReport(
        created=True,
        logins=logins,
        customers=len(context.customers),
        orders=sum(len(p.orders) for p in customer_plans),
        tickets=len(timelines),
        outcomes=outcomes,
    )
