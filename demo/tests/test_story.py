"""seed_demo tells the story of a healthy but busy support team: recent open work, a resolved
history, AI drafts used and corrected, approvals decided by the manager, old alerts read."""

import random
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from analytics.queries import MetricFilters, metrics_report
from demo import seed as demo
from demo.plan import (
    DRAFT_MODES,
    HISTORY_DAYS,
    RECENT_HOURS,
    STRAGGLER_DAYS,
    plan_customers,
    plan_tickets,
)
from routing.models import Approval
from tickets.models import Message, Notification, Ticket, TicketEvent

CLOSED = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


@pytest.fixture(scope="module")
def plans():
    rng = random.Random(demo.SEED)
    customers = plan_customers(rng, 200, store=demo.STORE)
    return plan_tickets(rng, customers, 500, agents=[u.username for u in demo.USERS], store=demo.STORE)


def test_only_recent_tickets_and_a_few_stragglers_are_planned_to_stay_open(plans):
    staying_open = [p for p in plans if not p.resolve]
    assert 45 <= len(staying_open) <= 130
    assert max(p.age_hours for p in staying_open) <= STRAGGLER_DAYS * 24
    stragglers = [p for p in staying_open if not p.recent]
    assert 0 < len(stragglers) <= len(staying_open) // 3


def test_history_spreads_over_eight_weeks_and_every_step_fits_in_the_ticket_age(plans):
    history = [p for p in plans if p.age_hours > STRAGGLER_DAYS * 24]
    assert all(p.resolve for p in history)
    assert max(p.age_hours for p in history) > (HISTORY_DAYS - 5) * 24
    weeks = {int(p.age_hours // (24 * 7)) for p in history}
    assert weeks >= set(range(2, 8))
    for p in history:
        steps = sum(p.gaps[:2]) + (sum(p.gaps[2:4]) if p.follow_up else 0) + p.gaps[4] + 3 * p.approval_gap
        assert steps < p.age_hours


def test_agents_mostly_start_from_the_ai_draft_and_correct_some_classifications(plans):
    modes = [p.draft_modes[0] for p in plans if p.reply]
    from_draft = sum(mode in ("as_is", "edited", "rewritten") for mode in modes) / len(modes)
    assert 0.6 < from_draft < 0.9 and set(modes) == set(DRAFT_MODES)
    assert 0.04 < sum(p.override for p in plans) / len(plans) < 0.09
    assert any(p.escalate for p in plans) and any(p.deescalate for p in plans)
    assert all(p.recent for p in plans if p.leave_pending)


# Transactional: intake runs triage and routing after commit, as in the real seed.
@pytest.mark.django_db(transaction=True)
def test_the_seeded_store_looks_like_a_live_queue():
    report = demo.run(customers=30, tickets=80, log=lambda text: None)
    now = timezone.now()
    open_tickets = Ticket.objects.exclude(status__in=CLOSED)
    assert report.tickets == 80 and open_tickets.exists()
    # Open work is recent; history is resolved.
    assert not open_tickets.filter(created_at__lt=now - timedelta(days=STRAGGLER_DAYS + 1)).exists()
    assert open_tickets.filter(created_at__gte=now - timedelta(hours=RECENT_HOURS)).count() * 2 > (
        open_tickets.count()
    )
    assert Ticket.objects.filter(status__in=CLOSED, created_at__lt=now - timedelta(days=30)).exists()
    # Approvals: decided by the manager before resolution; pending ones only on recent open tickets.
    assert not Approval.objects.filter(status=Approval.Status.PENDING, ticket__status__in=CLOSED).exists()
    stale = Q(ticket__created_at__lt=now - timedelta(hours=RECENT_HOURS + 1))
    assert not Approval.objects.filter(stale, status=Approval.Status.PENDING).exists()
    decided = Approval.objects.exclude(status=Approval.Status.PENDING)
    assert (
        decided.filter(status=Approval.Status.APPROVED).count()
        > decided.filter(status=Approval.Status.DENIED).count()
    )
    assert set(decided.values_list("decided_by__username", flat=True)) == {"taylor"}
    # Replies start from the AI draft with the inbox's similarity; some drafts are discarded.
    replies = Message.objects.filter(
        direction=Message.Direction.OUTBOUND, is_internal=False, author__isnull=False
    )
    similar = replies.filter(draft_similarity__isnull=False)
    assert similar.count() * 2 > replies.count()
    assert similar.filter(draft_similarity=1).exists() and similar.filter(draft_similarity__lt=0.8).exists()
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.DRAFT_DISCARDED).exists()
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.CLASSIFICATION_OVERRIDDEN).exists()
    current = metrics_report(MetricFilters.last_days(HISTORY_DAYS))["current"]
    assert current["ai_draft_acceptance_rate"]["denominator"] > 0
    assert 0 < current["ai_draft_acceptance_rate"]["value"] < 1
    assert current["human_override_rate"]["value"] > 0
    # The bell shows what is new, not two months of history.
    assert not Notification.objects.filter(
        read_at__isnull=True, created_at__lt=now - demo.READ_AFTER
    ).exists()
    assert Notification.objects.filter(read_at__isnull=False).exists()


def test_each_story_is_about_an_order_in_the_state_it_implies(plans):
    """One order is not in transit for one ticket and returned for the next: a story that needs
    another state is about another order, so the AI's answer from the records fits the words."""
    for plan in plans:
        if plan.scenario.fulfillment:
            assert plan.order.fulfillment == plan.scenario.fulfillment, (plan.n, plan.scenario.key)
    numbers = [o.number for c in {p.customer.index: p.customer for p in plans}.values() for o in c.orders]
    assert len(numbers) == len(set(numbers))
    # A returned order was placed long enough before the ticket to be delivered and refunded.
    for plan in plans:
        if plan.scenario.fulfillment == "returned":
            ticket_at = timezone.now() - timedelta(hours=plan.age_hours)
            assert plan.order.placed_at < ticket_at - timedelta(days=14)
