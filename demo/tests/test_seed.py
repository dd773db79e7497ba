"""seed_demo: a believable store, the same every time, written once, with a consistent history."""

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Min
from django.utils import timezone

from demo import seed as demo
from demo.plan import plan_customers, plan_tickets
from routing.models import AgentProfile, Team, Tier
from tickets.models import Customer, Message, Order, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

CALLS: list[tuple[str, int]] = []


def record_setup(context: demo.SeedContext) -> None:
    CALLS.append(("setup", Ticket.objects.count()))


def record_after_intake(ticket: Ticket, context: demo.SeedContext) -> None:
    CALLS.append(("ticket", ticket.messages.count()))


def record_post_seed(context: demo.SeedContext) -> None:
    CALLS.append(("post", len(context.ticket_ids)))


@pytest.fixture
def seeding_started():
    return timezone.now()


@pytest.fixture
def seeded(monkeypatch, seeding_started):
    CALLS.clear()
    monkeypatch.setattr(demo, "SETUP_STEPS", ["demo.tests.test_seed.record_setup"])
    monkeypatch.setattr(demo, "AFTER_INTAKE_STEPS", ["demo.tests.test_seed.record_after_intake"])
    monkeypatch.setattr(demo, "POST_SEED_STEPS", ["demo.tests.test_seed.record_post_seed"])
    return demo.run(customers=12, tickets=24, log=lambda text: None)


def test_the_plan_is_the_same_for_the_same_seed_and_differs_for_another():
    def subjects(seed: int) -> list[str]:
        rng = random.Random(seed)
        customers = plan_customers(rng, 20, store="S")
        plans = plan_tickets(rng, customers, 40, agents=[u.username for u in demo.USERS], store="S")
        return [plan.inbound(0).subject + plan.customer.email for plan in plans]

    assert subjects(7) == subjects(7)
    assert subjects(7) != subjects(8)


def test_the_demo_creates_the_org_with_the_shared_slugs_and_logins(seeded):
    assert set(Team.objects.values_list("slug", flat=True)) == {
        "frontline",
        "specialists",
        "senior",
        "management",
    }
    assert list(Tier.objects.order_by("rank").values_list("slug", "team__slug")) == [
        ("ai", None),
        ("general", "frontline"),
        ("specialist", "specialists"),
        ("senior", "senior"),
        ("manager", "management"),
    ]
    profile = AgentProfile.objects.select_related("team", "tier").get(user__username="riley")
    assert (profile.team.slug, profile.tier.slug) == ("specialists", "specialist")
    morgan = profile.user.__class__.objects.get(username="morgan")
    assert morgan.check_password(demo.DEMO_PASSWORD)
    assert set(morgan.groups.values_list("name", flat=True)) == {"agent", "senior agent"}
    assert profile.user.__class__.objects.get(username="admin").is_superuser


def test_the_demo_creates_customers_orders_and_tickets_across_channels(seeded):
    assert seeded.created and seeded.tickets == 24
    assert Customer.objects.count() == 12 and Order.objects.count() == seeded.orders
    assert Ticket.objects.count() == 24
    assert Ticket.objects.values("channel").distinct().count() >= 4
    assert Ticket.objects.filter(order__isnull=False).count() == 24
    order = Order.objects.exclude(line_items=[]).first()
    assert {"sku", "name", "quantity", "price"} <= set(order.line_items[0])


def test_a_second_run_writes_nothing_and_says_so(seeded):
    counts = (Customer.objects.count(), Ticket.objects.count(), Message.objects.count())
    report = demo.run(customers=12, tickets=24, log=lambda text: None)
    assert not report.created
    assert (Customer.objects.count(), Ticket.objects.count(), Message.objects.count()) == counts


def test_the_history_is_back_dated_and_consistent(seeded):
    events = TicketEvent.objects.all()
    assert events.aggregate(first=Min("at"))["first"] < Ticket.objects.latest("created_at").created_at
    assert not Ticket.objects.filter(first_response_at__lt=F("created_at")).exists()
    assert not Ticket.objects.filter(resolved_at__lt=F("created_at")).exists()
    for ticket in Ticket.objects.prefetch_related("events"):
        kinds = [event.kind for event in ticket.events.all()]
        assert kinds[0] == "created"
        assert abs((ticket.events.all()[0].at - ticket.created_at).total_seconds()) < 1
        if ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
            assert ticket.root_cause_id and ticket.resolution_method
    replied = Ticket.objects.filter(first_response_at__isnull=False)
    assert replied.exists()
    gaps = [(t.first_response_at - t.created_at).total_seconds() for t in replied]
    assert max(gaps) > 3600  # steps are spread in time, not squeezed into the seeding second


def test_setup_steps_run_before_the_tickets_after_intake_steps_per_ticket_and_post_seed_steps_last(seeded):
    expected = [("setup", 0), *[("ticket", 1)] * 24, ("post", 24)]
    assert expected == CALLS


def test_the_command_prints_the_logins_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", "--customers", "5", "--tickets", "8", stdout=out)
    again = StringIO()
    call_command("seed_demo", "--customers", "5", "--tickets", "8", stdout=again)
    assert "Seeded 5 customers" in out.getvalue() and "handoff-demo" in out.getvalue()
    assert "nothing to do" in again.getvalue() and "morgan" in again.getvalue()
    assert Ticket.objects.count() == 8


def test_every_row_written_while_seeding_is_moved_into_the_past(seeded, seeding_started):
    """Ticket rows and what the pipeline and jobs wrote (triage, routing, SLA, follow-ups) alike."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for shifted in demo.SHIFTED_COLUMNS:
            if shifted.table not in tables:
                continue
            for column in shifted.moments:
                cursor.execute(
                    f"SELECT count(*) FROM {shifted.table} WHERE {column} >= %s", [seeding_started]
                )
                assert cursor.fetchone()[0] == 0, f"{shifted.table}.{column} was not moved back"
