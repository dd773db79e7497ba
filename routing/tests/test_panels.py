"""Issue 14, finding 13: panels an agent can trust (the widget's own page is in
followups/tests/test_widget.py, the approved text in test_money_gate.py)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from routing import jobs, sla_clocks
from routing.engine import route_ticket
from routing.models import Approval, SlaClock
from routing.tests.factories import TriagedTicketFactory, agent_in, tier, vip_customer
from tickets import actions
from tickets.models import Notification, Ticket
from tickets.notifications import notify
from tickets.tests.factories import RootCauseFactory, UserFactory

pytestmark = pytest.mark.usefixtures("workflow")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def routed(**fields) -> Ticket:
    ticket = TriagedTicketFactory(**{"issue_type": "account", **fields})
    route_ticket(ticket, trigger="message")
    return Ticket.objects.select_related("tier").get(pk=ticket.pk)


def test_an_approval_opened_by_a_routing_rule_does_not_say_asked_by_none(manager):
    ticket = routed(issue_type="refund_request", amount_at_stake=Decimal("250"))
    approval = Approval.objects.get(ticket=ticket)
    assert approval.requested_by is None and approval.rule is not None
    page = _client(manager).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Asked by None" not in page
    assert f"Opened by the routing rule “{approval.rule}”" in page


def test_the_approval_card_shows_the_text_approving_sends(manager):
    ticket = routed()
    author = agent_in("general", username="gen")
    actions.reply_to_ticket(
        ticket, body="We refund 300 EUR. A colleague needs to approve it first.", author=author
    )
    page = _client(manager).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Approving sends this reply" in page and "We refund 300 EUR." in page
    assert "A colleague needs to approve it first." not in page.split("Approving sends this reply")[1][:400]


def _resolve_and_sweep(ticket: Ticket) -> None:
    actions.resolve_ticket(ticket, actor=None, resolution_method="information", root_cause=RootCauseFactory())
    sla_clocks.sync_clocks(timezone.now())  # the minute sweep stops the met clocks


@pytest.mark.parametrize("start", ["general", "senior"])
def test_a_recovery_reopen_runs_on_the_recovery_sla(start):
    agent_in("senior", username="sen")
    ticket = routed()
    if start == "senior":
        actions.do_assign_ticket(ticket, agent=None, actor=None)
        Ticket.objects.filter(pk=ticket.pk).update(tier=tier("senior"), team=tier("senior").team)
    _resolve_and_sweep(ticket)
    reopened = timezone.now()
    actions.reopen_ticket(ticket, actor=None, reason="low_csat", actor_kind="customer", recovery=True)
    jobs.ticket_reopened(ticket.pk)
    ticket.refresh_from_db()
    assert ticket.tier == tier("senior")
    clock = SlaClock.objects.get(ticket=ticket, kind=SlaClock.Kind.RESOLUTION)
    assert clock.stopped_at is None and clock.started_at >= reopened
    assert ticket.resolution_due_at is not None and ticket.resolution_due_at > reopened
    page = _client(UserFactory(username="boss", roles=["manager"])).get("/tickets/", {"view": "all"})
    assert "No SLA" not in page.content.decode()


def test_a_plain_reopen_gets_a_fresh_resolution_clock_too():
    ticket = routed()
    _resolve_and_sweep(ticket)
    actions.reopen_ticket(ticket, actor=None, reason="customer wrote again")
    jobs.ticket_reopened(ticket.pk)
    ticket.refresh_from_db()
    assert ticket.resolution_due_at is not None and ticket.sla_due_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_reclassification_says_where_the_ticket_went_and_its_assignee_is_not_left_on_a_404(manager):
    """Committed for real: the re-route runs when the correction commits, inside the request."""
    holder = agent_in("general", username="holder")
    agent_in("specialist", username="spec")
    ticket = routed()
    actions.assign_ticket(ticket, agent=holder, actor=holder)
    response = _client(manager).post(
        f"/tickets/{ticket.pk}/classification/",
        {"issue_type": "refund_request", "reason": "wants money back"},
    )
    assert response.status_code == 302
    told = [str(m) for m in response.wsgi_request._messages]
    assert any("Routing moved it to Specialist" in text and "no longer assigned to" in text for text in told)
    ticket.refresh_from_db()
    assert ticket.tier == tier("specialist") and ticket.assignee != holder

    note = Notification.objects.get(recipient=holder, ticket=ticket)
    assert "moved after a classification change" in note.text
    page = _client(holder).get(f"/tickets/{ticket.pk}/")
    assert page.status_code == 200 and "is no longer in your queues" in page.content.decode()
    assert "Specialist" in page.content.decode()


def test_notifications_about_one_ticket_are_one_line_with_a_count(manager):
    ticket = routed(customer=vip_customer())
    # The VIP ticket's routing told the manager more than once (VIP rule, routing rule, level).
    rows = Notification.objects.filter(recipient=manager, ticket=ticket)
    assert rows.count() == 1 and rows.get().count >= 2
    before = rows.get().count
    notify([manager, manager], kind=Notification.Kind.SLA, text="SLA warning", ticket=ticket)
    row = rows.get()
    assert row.count == before + 1 and row.text == "SLA warning" and row.kind == Notification.Kind.SLA
    row.read_at = timezone.now()
    row.save(update_fields=["read_at"])
    notify([manager], kind=Notification.Kind.SLA, text="SLA breached", ticket=ticket)
    assert rows.count() == 2 and rows.filter(read_at__isnull=True).get().count == 1


def test_a_muted_kind_is_not_delivered_and_can_be_unmuted(manager):
    from tickets.notifications import set_muted_kinds

    ticket = routed()
    response = _client(manager).post("/tickets/notifications/mutes/", {"kinds": ["sla"]})
    assert response.status_code == 302
    assert notify([manager], kind=Notification.Kind.SLA, text="warning", ticket=ticket) == []
    assert notify([manager], kind=Notification.Kind.ESCALATION, text="up", ticket=ticket)
    set_muted_kinds(manager, [])
    assert notify([manager], kind=Notification.Kind.SLA, text="warning", ticket=ticket)
    assert _client(manager).post("/tickets/notifications/mutes/", {"kinds": ["nonsense"]}).status_code == 400
