"""The demo store behind ``manage.py seed_demo``: org, customers, orders, tickets and their history.

Deterministic (one seeded ``random.Random``) and idempotent: everything is looked up by a
natural key (slug, username, email, external id) before it is created, and a finished run is
recognised by the last planned message, so a second run writes nothing.

Tickets enter through ``tickets.intake.receive`` (so the intake pipeline triages and routes
them) and their history is made by ``tickets.actions``, with queued jobs run inline. Everything
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
``SHIFTED_COLUMNS``  (in ``tickets.demo_shift``, re-exported here) every table written while tickets are seeded (tickets' own, triage results,
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

from helpdesk.errors import HelpdeskError
from helpdesk.queue import jobs_inline
from tickets import actions, drafts, intake
from tickets.demo_content import ROOT_CAUSES, TEAMS, TIERS, USERS, DemoUser
from tickets.demo_plan import CustomerPlan, TicketPlan, plan_customers, plan_tickets
from tickets.demo_shift import SHIFTED_COLUMNS, Shifted, shift_history
from tickets.models import Customer, CustomerIdentity, Message, Notification, Order, RootCause, Ticket

SETUP_STEPS: list[str] = []
AFTER_INTAKE_STEPS: list[str] = []
POST_SEED_STEPS: list[str] = ["followups.demo.seed_step", "analytics.demo.seed"]
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
STORE = "Northwind Goods"
# Steps that would land closer to now than this are left for the live system to do.
HORIZON = timedelta(minutes=20)
# Tickets played before their rows are moved back in time together.
SHIFT_BATCH = 10
MANAGER = "taylor"
# Who picks a ticket up after it moved tiers by hand.
TIER_AGENTS = {"general": "alex", "specialist": "riley", "senior": "morgan"}
# The issue type an agent corrects a misread classification to.
CORRECTIONS = {
    "order_status": "delivery_problem",
    "delivery_problem": "order_status",
    "return_request": "refund_request",
    "refund_request": "return_request",
    "product_defect": "return_request",
    "billing": "refund_request",
    "complaint": "delivery_problem",
    "product_question": "policy_question",
    "policy_question": "product_question",
    "cancellation": "order_change",
    "order_change": "cancellation",
    "account": "billing",
    "other": "product_question",
}
# What agents add to an AI draft before sending it ("lightly edited").
DRAFT_EDITS = (
    "I've also added a note to your account, so whoever you speak to next knows the whole story.",
    "If anything else comes up, just reply here and it comes straight back to me.",
    "Sorry again for the trouble, and thanks for your patience.",
    "PS: I've checked the rest of your recent orders too; everything else looks fine.",
)
ESCALATE_REASON = "Needs someone who can look into the payment records; beyond what frontline can check."
DEESCALATE_REASON = "The risk is gone (customer calmed down, no legal step): a routine case for specialists."
APPROVE_NOTE = "Fine: within what we do for customers like this."
DENY_NOTE = "Not for this order: offer store credit instead."
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
    """Teams, tiers, groups, users and agent profiles, found by slug/username or created."""
    team_model, tier_model = apps.get_model("routing", "Team"), apps.get_model("routing", "Tier")
    profile_model = apps.get_model("routing", "AgentProfile")
    teams = {
        slug: team_model.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in TEAMS.items()
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


def _agent_text(text: str, plan: TicketPlan, agent) -> str:
    return plan.render(text) + f"\n\nBest,\n{agent.first_name} at {STORE}"


def _optional(action: Callable[[], object]) -> bool:
    """Run an action the story can do without; False when the live rules refused it."""
    try:
        with transaction.atomic():
            action()
    except HelpdeskError:
        return False
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
    story = _Story(plan, ticket, timeline, users=context.users, causes=causes, outcomes=outcomes)
    story.play()
    return ticket.pk, timeline


class _Story:
    """One ticket's planned history, played step by step through the actions.

    Routing's actions (approvals, escalation, classification overrides) are the ones the inbox
    calls; they are imported where used, as the inbox views do (``tickets`` does not depend on
    ``routing`` at import time).
    """

    def __init__(self, plan: TicketPlan, ticket: Ticket, timeline: Timeline, *, users, causes, outcomes):
        self.plan, self.ticket, self.timeline = plan, ticket, timeline
        self.users, self.causes, self.outcomes = users, causes, outcomes
        self.agent = users[plan.agent]
        self.clock = 0.0

    def step(self, gap: float) -> bool:
        if not self.timeline.step(self.clock + gap):
            return False
        self.clock += gap
        return True

    def play(self) -> None:
        plan, outcomes = self.plan, self.outcomes
        try:
            if not self.decide_approvals():
                outcomes["awaiting approval"] += 1
                return
            if plan.assign and self.step(plan.gaps[0]):
                self.assign()
            if plan.reply and self.step(plan.gaps[1]):
                reply = self.reply(0, commits_amount=plan.refund)
                outcomes["replied"] += 1
                if reply.delivery_status == Message.Delivery.HELD and not self.decide_approvals():
                    outcomes["held for approval"] += 1
                    return
                self.hand_over()
            if plan.follow_up and self.step(plan.gaps[2]):
                intake.receive(plan.inbound(1))
                if self.step(plan.gaps[3]):
                    self.reply(1)
            if plan.resolve and self.decide_approvals() and self.step(plan.gaps[4]):
                self.resolve()
                outcomes["resolved"] += 1
                if plan.reopen and self.step(plan.gaps[5]):
                    intake.receive(plan.inbound(2))
                    outcomes["reopened"] += 1
                    if self.step(plan.gaps[3]):
                        self.reply(2)
                        if self.decide_approvals() and self.step(plan.gaps[4]):
                            self.resolve()
                elif plan.close and self.step(plan.gaps[6]):
                    actions.close_ticket(
                        self.ticket, actor=None, actor_kind="system", reason="no reply after follow-up"
                    )
                    outcomes["closed"] += 1
        except HelpdeskError:
            # The live pipeline (routing, approvals) took the ticket somewhere this plan did not
            # expect; its history stops there, which is still a consistent history.
            outcomes["taken over by the pipeline"] += 1

    def assign(self) -> None:
        plan, ticket = self.plan, self.ticket
        ticket.refresh_from_db()
        if ticket.assignee_id is None:
            actor = self.users[MANAGER] if plan.escalated else self.agent
            actions.assign_ticket(ticket, agent=self.agent, actor=actor)
        if plan.escalated:
            actions.change_priority(ticket, priority=Ticket.Priority.URGENT, actor=self.agent, reason="risk")
            actions.add_internal_note(ticket, body=plan.render(plan.note), author=self.agent)
        if plan.override:
            self.correct_classification()

    def correct_classification(self) -> None:
        """The agent reads the ticket and corrects the AI's issue type (a human override)."""
        from routing.triage import override_classification

        self.ticket.refresh_from_db(fields=["issue_type"])
        corrected = CORRECTIONS.get(self.ticket.issue_type, "other")
        reason = f"Reads as {corrected.replace('_', ' ')}, not {self.ticket.issue_type.replace('_', ' ')}."
        if _optional(
            lambda: override_classification(
                self.ticket, actor=self.agent, issue_type=corrected, reason=reason
            )
        ):
            self.outcomes["classification corrected"] += 1

    def reply(self, k: int, *, commits_amount=None) -> Message:
        """The agent's k-th reply: from the AI draft (as it is, edited or rewritten) or not."""
        plan, ticket, agent = self.plan, self.ticket, self.agent
        ticket.refresh_from_db(fields=["ai_draft"])
        mode = plan.draft_modes[k] if ticket.ai_draft.strip() else "own"
        own = _agent_text(plan.reply_text, plan, agent)
        body = {
            "as_is": ticket.ai_draft,
            "edited": f"{ticket.ai_draft.rstrip()}\n\n{DRAFT_EDITS[plan.variant % len(DRAFT_EDITS)]}",
        }.get(mode, own)
        if mode == "discarded":
            drafts.discard_draft(ticket, actor=agent)
        similarity = drafts.draft_similarity(
            ticket, body, from_draft=mode in ("as_is", "edited", "rewritten")
        )
        return actions.reply_to_ticket(
            ticket, body=body, author=agent, commits_amount=commits_amount, draft_similarity=similarity
        )

    def hand_over(self) -> None:
        """After the first reply: frontline escalates some cases by hand, seniors send some down."""
        from routing.escalation import deescalate_ticket, escalate_ticket

        plan, ticket = self.plan, self.ticket
        if not (plan.escalate or plan.deescalate) or not self.step(plan.approval_gap):
            return
        if plan.escalate:
            moved = _optional(lambda: escalate_ticket(ticket, actor=self.agent, reason=ESCALATE_REASON))
        else:
            moved = _optional(lambda: deescalate_ticket(ticket, actor=self.agent, reason=DEESCALATE_REASON))
        if not moved:
            return
        self.outcomes["escalated by hand" if plan.escalate else "de-escalated"] += 1
        ticket.refresh_from_db()
        receiver = self.users.get(TIER_AGENTS.get(ticket.tier.slug if ticket.tier_id else "", ""))
        if receiver is not None and _optional(
            lambda: actions.assign_ticket(ticket, agent=receiver, actor=receiver)
        ):
            self.agent = receiver

    def decide_approvals(self) -> bool:
        """The manager decides the ticket's pending approvals (approves most, denies a few).

        False when approvals stay pending: the plan leaves them to the live manager, or the
        decision would lie in the future.
        """
        from routing import approvals
        from routing.models import Approval

        pending = list(
            Approval.objects.filter(ticket=self.ticket, status=Approval.Status.PENDING).order_by("pk")
        )
        if not pending:
            return True
        if self.plan.leave_pending or not self.step(self.plan.approval_gap):
            return False
        manager = self.users[MANAGER]
        for approval in pending:
            if self.plan.deny:
                approvals.deny(approval, actor=manager, note=DENY_NOTE)
                self.outcomes["approvals denied"] += 1
            else:
                approvals.approve(approval, actor=manager, note=APPROVE_NOTE)
                self.outcomes["approvals given"] += 1
        return True

    def resolve(self) -> None:
        plan = self.plan
        actions.resolve_ticket(
            self.ticket,
            actor=self.agent,
            resolution_method=plan.scenario.resolution_method,
            root_cause=self.causes[plan.scenario.root_cause],
            note=plan.render(plan.scenario.replies[0])[:500],
        )


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
