"""Order actions from a ticket: approval gate, idempotency, store errors, roles."""

from decimal import Decimal

import pytest

from routing import approvals
from routing.models import Approval
from store.actions import request_order_action
from store.models import OrderAction, Refund, Return
from tickets.models import Order, TicketEvent
from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_refund_below_threshold_calls_the_store_and_records_the_refund(order_ticket, agent, fake_store):
    """A refund under the approval amount runs at once; the refund row and a reply draft follow the result."""
    action = request_order_action(
        order_ticket, kind="refund", params={"amount": "20.00", "reason": "Scratched"}, actor=agent
    )
    assert action.status == OrderAction.Status.SUCCEEDED
    assert len(fake_store.operations("Refund")) == 1
    refund = Refund.objects.get(order=order_ticket.order)
    assert (refund.amount, refund.order_action_id) == (Decimal("20.00"), action.pk)
    assert Order.objects.get(pk=order_ticket.order_id).status == Order.Status.PARTIALLY_REFUNDED
    assert "20.00 EUR" in action.result["reply_draft"] and "business days" in action.result["reply_draft"]
    assert TicketEvent.objects.filter(ticket=order_ticket, kind="order_action_succeeded").exists()


def test_refund_above_threshold_waits_for_a_manager_then_calls_the_store_once(
    order_ticket, agent, manager, fake_store, django_capture_on_commit_callbacks
):
    """Above Thresholds.approval_amount: an approval is opened, the store is untouched until a
    manager approves, then called exactly once."""
    action = request_order_action(order_ticket, kind="refund", params={"amount": "150.00"}, actor=agent)
    assert action.status == OrderAction.Status.AWAITING_APPROVAL
    assert action.approval.status == Approval.Status.PENDING
    assert fake_store.operations("Refund") == []
    assert not Refund.objects.exists()
    assert "reply_draft" not in action.result
    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(action.approval, actor=manager)
    action.refresh_from_db()
    assert action.status == OrderAction.Status.SUCCEEDED
    assert len(fake_store.operations("Refund")) == 1
    assert Refund.objects.get().amount == Decimal("150.00")


def test_denied_approval_never_calls_the_store(
    order_ticket, agent, manager, fake_store, django_capture_on_commit_callbacks
):
    action = request_order_action(order_ticket, kind="refund", params={"amount": "150.00"}, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.deny(action.approval, actor=manager, note="Outside policy")
    action.refresh_from_db()
    assert action.status == OrderAction.Status.DENIED
    assert fake_store.operations("Refund") == []
    assert not Refund.objects.exists()


def test_retried_request_refunds_once(order_ticket, agent, fake_store):
    """The same request twice (same key, or no key and the same input) is one refund."""
    first = request_order_action(
        order_ticket, kind="refund", params={"amount": "20.00"}, actor=agent, idempotency_key="k-1"
    )
    again = request_order_action(
        order_ticket, kind="refund", params={"amount": "20.00"}, actor=agent, idempotency_key="k-1"
    )
    implicit = request_order_action(order_ticket, kind="refund", params={"amount": "30.00"}, actor=agent)
    implicit_again = request_order_action(
        order_ticket, kind="refund", params={"amount": "30.00"}, actor=agent
    )
    assert first.pk == again.pk and implicit.pk == implicit_again.pk
    assert len(fake_store.operations("Refund")) == 2
    assert Refund.objects.count() == 2


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        ("user_error", "store_rejected", "exceeds the refundable amount"),
        ("429", "store_rate_limited", "rate limiting"),
        ("throttled", "store_rate_limited", "throttling"),
        ("timeout", "store_timeout", "did not answer"),
    ],
)
def test_store_error_reaches_the_agent_and_nothing_is_refunded(
    order_ticket, agent, fake_store, fault, code, words
):
    """A userError, persistent 429/THROTTLED or a timeout: the action fails with the store's words."""
    fake_store.fail_next(
        fault, times=1 if fault in ("user_error", "timeout") else 10, value=2 if fault == "timeout" else None
    )
    action = request_order_action(order_ticket, kind="refund", params={"amount": "20.00"}, actor=agent)
    assert action.status == OrderAction.Status.FAILED
    assert action.error_code == code
    assert words in action.error
    assert not Refund.objects.exists()
    assert Order.objects.get(pk=order_ticket.order_id).status == Order.Status.PAID
    assert TicketEvent.objects.filter(ticket=order_ticket, kind="order_action_failed").exists()


def test_a_429_then_success_is_retried_with_backoff(order_ticket, agent, fake_store):
    fake_store.fail_next("429", times=2)
    action = request_order_action(order_ticket, kind="refund", params={"amount": "20.00"}, actor=agent)
    assert action.status == OrderAction.Status.SUCCEEDED
    assert len(fake_store.operations("429")) == 2


def test_retry_after_a_timeout_uses_the_same_key_and_refunds_once(order_ticket, agent, fake_store):
    """The store may have refunded before the timeout: the retry sends the same idempotency key."""
    fake_store.fail_next("timeout", value=1.5)
    failed = request_order_action(
        order_ticket, kind="refund", params={"amount": "20.00"}, actor=agent, idempotency_key="k-2"
    )
    retried = request_order_action(
        order_ticket, kind="refund", params={"amount": "20.00"}, actor=agent, idempotency_key="k-2"
    )
    assert failed.status == OrderAction.Status.FAILED and retried.status == OrderAction.Status.SUCCEEDED
    keys = {op["key"] for op in fake_store.operations("Refund")}
    assert keys == {"k-2"}
    assert Refund.objects.count() == 1


def test_refund_larger_than_what_is_left_is_refused(order_ticket, agent):
    with pytest.raises(Exception) as info:
        request_order_action(order_ticket, kind="refund", params={"amount": "999.00"}, actor=agent)
    assert info.value.field == "amount"


def test_only_support_roles_may_act(order_ticket):
    from helpdesk.errors import NotAllowed

    with pytest.raises(NotAllowed):
        request_order_action(order_ticket, kind="cancel", params={}, actor=UserFactory(username="nobody"))


def test_create_return_records_rma_and_label(order_ticket, agent):
    action = request_order_action(
        order_ticket, kind="create_return", params={"reason": "too small"}, actor=agent
    )
    assert action.status == OrderAction.Status.SUCCEEDED
    returned = Return.objects.get(order=order_ticket.order)
    assert returned.rma.endswith("-R1") and returned.label_url.endswith(".pdf")
    assert returned.label_url in action.result["reply_draft"]


def test_cancel_and_address_change(order_ticket, agent, fake_store):
    address = {"address1": "9 New Road", "city": "Hamburg", "zip": "20095", "country": "Germany"}
    moved = request_order_action(
        order_ticket, kind="update_address", params={"address": address}, actor=agent
    )
    cancelled = request_order_action(
        order_ticket, kind="cancel", params={"reason": "customer", "refund": False}, actor=agent
    )
    assert moved.status == cancelled.status == OrderAction.Status.SUCCEEDED
    node = fake_store.find_order(order_ticket.order.store_record.admin_graphql_id)
    assert node["shippingAddress"]["address1"] == "9 New Road" and node["cancelledAt"]
    assert Order.objects.get(pk=order_ticket.order_id).status == Order.Status.CANCELLED
    assert (
        order_ticket.order.store_record.__class__.objects.get(order=order_ticket.order).cancelled_by_store
        is False
    )


def test_replacement_worth_more_than_the_threshold_is_gated_too(
    order_ticket, agent, manager, fake_store, django_capture_on_commit_callbacks
):
    """A free replacement gives away goods: above the approval amount it waits like a refund."""
    action = request_order_action(order_ticket, kind="replacement", params={}, actor=agent)
    assert action.status == OrderAction.Status.AWAITING_APPROVAL
    assert fake_store.operations("Draft") == []
    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(action.approval, actor=manager)
    action.refresh_from_db()
    assert action.status == OrderAction.Status.SUCCEEDED
    assert action.result["order_name"].startswith("#R")
