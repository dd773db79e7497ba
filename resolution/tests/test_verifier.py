"""The verifier refuses empty, placeholder, fact-less and contradicting answers."""

from decimal import Decimal

import pytest

from resolution.context import Context
from resolution.facts import Answer, Fact
from resolution.verifier import check
from tickets.tests.factories import OrderFactory, TicketFactory

pytestmark = pytest.mark.django_db


def context(order):
    return Context(
        ticket=TicketFactory(), question="", orders=[order], policies=[], approval_amount=Decimal(100)
    )


def answer(body, order, **kwargs):
    facts = [
        Fact("order_number", f"#{order.number}", "order"),
        Fact("tracking_number", order.tracking_number, "order"),
    ]
    return Answer(flow="order_status", body=body, facts=kwargs.pop("facts", facts), **kwargs)


def test_a_grounded_answer_passes():
    order = OrderFactory(number="7001", fulfillment_status="in_transit", tracking_number="TRK1")
    assert (
        check(answer("Your order #7001 is on its way with DHL, tracking number TRK1.", order), context(order))
        == []
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "empty"),
        (
            "Your order #7001 is on its way, tracking number TRK1. I have the details here and will answer below.",
            "placeholder",
        ),
        ("Your order #7001 is on its way with {carrier}, tracking number TRK1.", "placeholder"),
        ("Your order #7001 is on its way.", "missing"),
        ("Your order #7001 was delivered, tracking number TRK1.", "record says"),
        ("Your order #7001 is on its way, tracking number TRK1. Order #9999 too.", "not one of"),
        ("Your order #7001 is on its way, tracking number TRK2 and TRK1 .", "not order #7001"),
    ],
)
def test_bad_answers_are_refused(body, problem):
    order = OrderFactory(number="7001", fulfillment_status="in_transit", tracking_number="TRK1")
    problems = check(answer(body, order), context(order))
    assert any(problem in p for p in problems), problems


def test_an_answer_without_any_fact_is_refused():
    order = OrderFactory(number="7001")
    assert check(answer("Thanks for your question.", order, facts=[]), context(order))
