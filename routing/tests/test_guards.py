"""AI never answers guarded tickets alone, and elsewhere only where an action rule allows."""

from decimal import Decimal

import pytest

from routing.engine import route_ticket
from routing.guards import AiNotAllowed
from routing.tests.factories import TriagedTicketFactory
from tickets import actions
from tickets.models import Message, Ticket, TicketEvent
from tickets.tests.factories import OrderFactory

pytestmark = pytest.mark.usefixtures("workflow")


def ai_reply(ticket):
    return actions.reply_to_ticket(
        ticket, body="Your parcel arrives Friday.", author=None, author_kind=Message.AuthorKind.AI
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"signals": {"legal": ["lawyer"]}},
        {"signals": {"safety": ["burn"]}},
        {"signals": {"reputation": ["tiktok"]}},
        {"signals": {"policy_exception": ["after 30 days"]}},
        {"sentiment_score": -0.9},
    ],
)
def test_ai_is_refused_on_guarded_tickets(fields):
    ticket = TriagedTicketFactory(issue_type="order_status", order=OrderFactory(), **fields)
    with pytest.raises(AiNotAllowed):
        ai_reply(ticket)
    assert not Message.objects.filter(ticket=ticket, author_kind="ai").exists()


def test_ai_may_answer_where_an_action_rule_allows_above_its_floor():
    ticket = TriagedTicketFactory(issue_type="order_status", order=OrderFactory(), triage_confidence=0.9)
    assert ai_reply(ticket).delivery_status == Message.Delivery.QUEUED


def test_ai_is_refused_below_the_confidence_floor_or_without_a_rule():
    low = TriagedTicketFactory(issue_type="order_status", order=OrderFactory(), triage_confidence=0.4)
    with pytest.raises(AiNotAllowed, match="No action rule"):
        ai_reply(low)
    uncovered = TriagedTicketFactory(issue_type="cancellation", triage_confidence=0.99)
    with pytest.raises(AiNotAllowed):
        ai_reply(uncovered)


def test_ai_may_not_start_a_return_above_the_action_rule_cap():
    ticket = TriagedTicketFactory(issue_type="return_request", amount_at_stake=Decimal("80.00"))
    with pytest.raises(AiNotAllowed):
        ai_reply(ticket)
    small = TriagedTicketFactory(issue_type="return_request", amount_at_stake=Decimal("30.00"))
    assert ai_reply(small).delivery_status == Message.Delivery.QUEUED


def test_ai_may_not_answer_at_a_human_tier():
    ticket = TriagedTicketFactory(
        issue_type="order_status", order=OrderFactory(), signals={"asks_for_human": ["a person"]}
    )
    route_ticket(ticket, trigger="message")
    Ticket.objects.filter(pk=ticket.pk).update(signals={})
    with pytest.raises(AiNotAllowed, match="tier"):
        ai_reply(Ticket.objects.get(pk=ticket.pk))


def test_ai_answering_alone_is_an_event_a_person_can_undo(agent):
    from routing.automation import answer_with_ai, take_over_from_ai

    ticket = TriagedTicketFactory(issue_type="order_status", order=OrderFactory())
    route_ticket(ticket, trigger="message")
    message = answer_with_ai(Ticket.objects.get(pk=ticket.pk))
    assert message is not None and message.author_kind == "ai"
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.AI_ACTION, data__action="answer_order_status"
    ).exists()
    assert answer_with_ai(Ticket.objects.get(pk=ticket.pk)) is None  # already answered: idempotent
    take_over_from_ai(ticket, actor=agent, reason="Customer is unhappy with the ETA")
    ticket.refresh_from_db()
    assert not ticket.handled_by_ai and ticket.tier.slug == "general"
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.AI_ACTION_REVERTED).exists()


@pytest.mark.parametrize("fields", [{"signals": {"legal": ["lawyer"]}}, {"sentiment_score": -0.9}])
def test_an_automatic_acknowledgement_is_not_refused_on_guarded_tickets(fields):
    ticket = TriagedTicketFactory(**fields)
    route_ticket(ticket, trigger="message")
    message = actions.reply_to_ticket(
        ticket,
        body="We got your message; a person will answer shortly.",
        author=None,
        author_kind=Message.AuthorKind.AI,
        is_auto=True,
    )
    assert message.delivery_status == Message.Delivery.QUEUED and message.is_auto
    # An answer (not an acknowledgement) on the same ticket is still refused.
    with pytest.raises(AiNotAllowed):
        ai_reply(ticket)
