"""Order actions from a ticket: refund, cancel, create a return, send a replacement, change the
shipping address. The inbox sidebar, ``POST /api/v1/tickets/{id}/order-actions/`` and the AI flows
all call ``request_order_action``.

The ``OrderAction`` row is the idempotency record: one row per ``idempotency_key`` (unique), so a
retried request finds the row and never calls the store a second time once it succeeded. The
store is called with the row locked (``select_for_update``), which makes concurrent duplicates
wait and then see the outcome. Money above ``Thresholds.approval_amount`` opens a
``routing.Approval`` first; the store is called only after a person approves it
(``settle_approval``, run by the job subscribed to APPROVAL_DECIDED). A store error leaves the
action ``failed`` with the store's message and records nothing as refunded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from helpdesk.errors import IllegalTransition, InvalidInput, NotAllowed
from routing import config
from routing.approvals import request_approval
from routing.guards import approval_role_for
from routing.models import Approval
from store import replies, upsert
from store.connectors import backend_for
from store.connectors.base import ActionResult, OrderRef, StoreError
from store.models import LineItem, OrderAction, Refund, StoreOrder
from tickets import events
from tickets.models import Order, Ticket
from tickets.queries import ROLE_ADMIN, ROLE_AGENT, ROLE_INTEGRATION, ROLE_MANAGER, ROLE_SENIOR, has_role

# Ticket event kinds written by this module (strings: ``tickets`` does not name store concepts).
ORDER_ACTION_REQUESTED = events.declare(
    "order_action_requested", required=["order_action_id", "kind", "amount", "order"]
).kind
ORDER_ACTION_SUCCEEDED = events.declare(
    "order_action_succeeded", required=["order_action_id", "kind", "summary", "amount"]
).kind
ORDER_ACTION_FAILED = events.declare(
    "order_action_failed", required=["order_action_id", "kind", "error", "code"]
).kind

ACTING_ROLES = (ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN, ROLE_INTEGRATION)
CANCEL_REASONS = ("customer", "fraud", "inventory", "declined", "staff", "other")


def check_may_act(actor: AbstractBaseUser | None, kind: str) -> None:
    """Agents and above (and integrations) may act on orders; jobs pass ``actor=None``."""
    if actor is not None and not has_role(actor, *ACTING_ROLES):
        raise NotAllowed(f"Your role may not {OrderAction.Kind(kind).label.lower()} from a ticket.")


def _store_order(ticket: Ticket) -> StoreOrder:
    if ticket.order_id is None:
        raise InvalidInput("This ticket has no order; link one first.", field="order")
    record = StoreOrder.objects.filter(order_id=ticket.order_id).select_related("connection", "order").first()
    if record is None:
        raise InvalidInput("This ticket's order is not from a connected store.", field="order")
    if not record.connection.is_active:
        raise InvalidInput(f"The store connection {record.connection} is switched off.", field="order")
    return record


def refundable(order: Order) -> Decimal:
    refunded = Refund.objects.filter(
        order=order, status__in=[Refund.Status.SUCCEEDED, Refund.Status.PENDING]
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return max(order.total - refunded, Decimal("0"))


def _items(order: Order, given: Any, *, field: str) -> list[dict]:
    """The line items an action names (default: all of them), checked against the order."""
    lines = {li.store_id: li for li in LineItem.objects.filter(order=order)}
    if not given:
        return [
            {
                "line_item_store_id": li.store_id,
                "quantity": li.quantity,
                "sku": li.sku,
                "title": li.title,
                "product_store_id": li.product_store_id,
                "variant_store_id": li.variant_store_id,
                "price": str(li.price),
            }
            for li in lines.values()
        ]
    chosen = []
    for item in given:
        line = lines.get(str(item.get("line_item_store_id", "")))
        if line is None:
            raise InvalidInput(
                f"Line item {item.get('line_item_store_id')!r} is not on this order.", field=field
            )
        quantity = int(item.get("quantity") or line.quantity)
        if not 0 < quantity <= line.quantity:
            raise InvalidInput(
                f"Quantity for {line.title} must be between 1 and {line.quantity}.", field=field
            )
        chosen.append(
            {
                "line_item_store_id": line.store_id,
                "quantity": quantity,
                "sku": line.sku,
                "title": line.title,
                "product_store_id": line.product_store_id,
                "variant_store_id": line.variant_store_id,
                "price": str(line.price),
                "reason": str(item.get("reason", ""))[:100],
            }
        )
    return chosen


def _prepare(kind: str, order: Order, params: Mapping[str, Any]) -> tuple[Decimal | None, dict]:
    """Validate ``params`` for ``kind``; returns the money at stake (for the gate) and clean params."""
    if kind == OrderAction.Kind.REFUND:
        amount = params.get("amount")
        if amount is None or Decimal(str(amount)) <= 0:
            raise InvalidInput("Give the amount to refund (more than 0).", field="amount")
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        left = refundable(order)
        if amount > left:
            raise InvalidInput(
                f"At most {left} {order.currency} is left to refund on this order.", field="amount"
            )
        items = (
            _items(order, params.get("line_items"), field="line_items") if params.get("line_items") else []
        )
        return amount, {
            "reason": str(params.get("reason", ""))[:500],
            "line_items": items,
            "notify": bool(params.get("notify", True)),
        }
    if kind == OrderAction.Kind.CANCEL:
        reason = str(params.get("reason") or "customer").lower()
        if reason not in CANCEL_REASONS:
            raise InvalidInput(f"Reason must be one of {', '.join(CANCEL_REASONS)}.", field="reason")
        refund = bool(params.get("refund", True))
        clean = {
            "reason": reason,
            "refund": refund,
            "restock": bool(params.get("restock", True)),
            "notify": bool(params.get("notify", True)),
        }
        return (refundable(order) if refund else None), clean
    if kind == OrderAction.Kind.CREATE_RETURN:
        return None, {
            "items": _items(order, params.get("items"), field="items"),
            "reason": str(params.get("reason", ""))[:500],
        }
    if kind == OrderAction.Kind.REPLACEMENT:
        items = _items(order, params.get("items"), field="items")
        value = sum((Decimal(i["price"]) * i["quantity"] for i in items), Decimal("0"))
        return value, {"items": items, "note": str(params.get("note", ""))[:500]}
    if kind == OrderAction.Kind.UPDATE_ADDRESS:
        address = params.get("address") or {}
        missing = [
            name for name in ("address1", "city", "zip", "country") if not str(address.get(name, "")).strip()
        ]
        if missing:
            raise InvalidInput(f"The new address needs {', '.join(missing)}.", field="address")
        return None, {"address": {k: str(v)[:200] for k, v in address.items()}}
    raise InvalidInput(f"Unknown action {kind!r}.", field="action")


def default_key(ticket: Ticket, kind: str, params: Mapping[str, Any]) -> str:
    """Same ticket, action and input -> same key: a double click or a retried request is one action."""
    canonical = json.dumps({"ticket": ticket.pk, "kind": kind, "params": params}, sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


def request_order_action(
    ticket: Ticket,
    *,
    kind: str,
    params: Mapping[str, Any],
    actor: AbstractBaseUser | None,
    actor_kind: str | None = None,
    idempotency_key: str = "",
) -> OrderAction:
    """Ask for an order action; it runs now, or waits for an approval when money is above the
    threshold. Returns the ``OrderAction`` (``failed`` with ``error`` when the store refused).

    Raises ``NotAllowed`` (role), ``InvalidInput`` (naming the field), ``IllegalTransition``
    when the same key was used for a different ticket or action.
    """
    check_may_act(actor, kind)
    key = (idempotency_key or default_key(ticket, kind, params))[:100]
    existing = OrderAction.objects.filter(idempotency_key=key).first()
    if existing is not None:
        # A retry is answered from the first request, before re-validating (a refund that
        # succeeded leaves less to refund, which must not turn the retry into an error).
        if existing.ticket_id != ticket.pk or existing.kind != kind:
            raise IllegalTransition("This idempotency key was already used for another action.")
        return _retry(existing)
    record = _store_order(ticket)
    order = record.order
    amount, clean = _prepare(kind, order, params)
    with transaction.atomic():
        try:
            with transaction.atomic():
                action, created = OrderAction.objects.get_or_create(
                    idempotency_key=key,
                    defaults={
                        "ticket": ticket,
                        "order": order,
                        "kind": kind,
                        "amount": amount,
                        "currency": order.currency,
                        "params": clean,
                        "requested_by": actor if actor is not None and actor.is_authenticated else None,
                    },
                )
        except IntegrityError:
            action, created = OrderAction.objects.get(idempotency_key=key), False
        if action.ticket_id != ticket.pk or action.kind != kind:
            raise IllegalTransition("This idempotency key was already used for another action.")
        if not created:
            return _retry(action)
        events.record(
            ticket,
            ORDER_ACTION_REQUESTED,
            actor=actor,
            actor_kind=actor_kind,
            data={"order_action_id": action.pk, "kind": kind, "amount": amount, "order": order.number},
        )
        threshold = config.current().thresholds.approval_amount
        if amount is not None and amount > threshold:
            approval = request_approval(
                ticket,
                requested_by=actor,
                amount=amount,
                reason=f"{action.get_kind_display()} of {amount} {order.currency} on order #{order.number} "
                f"(above the approval amount {threshold}).",
                role=approval_role_for(ticket),
            )
            action.status, action.approval = OrderAction.Status.AWAITING_APPROVAL, approval
            action.save(update_fields=["status", "approval"])
            return action
    return execute_order_action(action)


def _retry(action: OrderAction) -> OrderAction:
    """A repeated request: a failed action is tried again with the same key (the store dedups it
    where it can); a pending, waiting or finished one is returned as it is."""
    return execute_order_action(action) if action.status == OrderAction.Status.FAILED else action


@transaction.atomic
def execute_order_action(action: OrderAction) -> OrderAction:
    """Call the store for ``action`` (row locked: a concurrent duplicate waits, then sees the result).

    Runs only from ``pending`` or a retryable ``failed``; other states are returned unchanged.
    """
    action = OrderAction.objects.select_for_update().get(pk=action.pk)
    if action.status not in (OrderAction.Status.PENDING, OrderAction.Status.FAILED):
        return action
    record = StoreOrder.objects.select_related("connection", "order").get(order_id=action.order_id)
    ref = OrderRef(
        store_id=record.store_id,
        number=record.order.number,
        currency=record.order.currency,
        admin_graphql_id=record.admin_graphql_id,
    )
    action.attempts += 1
    try:
        result = _call(backend_for(record.connection), action, ref)
    except StoreError as exc:
        action.status, action.error, action.error_code = OrderAction.Status.FAILED, exc.message, exc.code
        action.save(update_fields=["status", "error", "error_code", "attempts"])
        events.record(
            action.ticket,
            ORDER_ACTION_FAILED,
            actor=action.requested_by,
            data={"order_action_id": action.pk, "kind": action.kind, "error": exc.message, "code": exc.code},
        )
        return action
    _apply(action, record, result)
    action.status, action.completed_at = OrderAction.Status.SUCCEEDED, timezone.now()
    action.error, action.error_code = "", ""
    action.result = {
        **result.data,
        "summary": result.summary,
        "reply_draft": replies.draft_for(action, result),
    }
    action.save(update_fields=["status", "completed_at", "error", "error_code", "result", "attempts"])
    events.record(
        action.ticket,
        ORDER_ACTION_SUCCEEDED,
        actor=action.requested_by,
        data={
            "order_action_id": action.pk,
            "kind": action.kind,
            "summary": result.summary,
            "amount": action.amount,
        },
    )
    return action


def _call(backend, action: OrderAction, ref: OrderRef) -> ActionResult:
    p, key = action.params, action.idempotency_key
    if action.kind == OrderAction.Kind.REFUND:
        return backend.refund(
            ref,
            amount=action.amount,
            reason=p.get("reason", ""),
            line_items=p.get("line_items", []),
            notify=p.get("notify", True),
            idempotency_key=key,
        )
    if action.kind == OrderAction.Kind.CANCEL:
        return backend.cancel(
            ref,
            reason=p["reason"],
            refund=p["refund"],
            restock=p["restock"],
            notify=p["notify"],
            idempotency_key=key,
        )
    if action.kind == OrderAction.Kind.CREATE_RETURN:
        return backend.create_return(ref, items=p["items"], reason=p.get("reason", ""), idempotency_key=key)
    if action.kind == OrderAction.Kind.REPLACEMENT:
        return backend.create_replacement(ref, items=p["items"], note=p.get("note", ""), idempotency_key=key)
    return backend.update_shipping_address(ref, address=p["address"], idempotency_key=key)


def _apply(action: OrderAction, record: StoreOrder, result: ActionResult) -> None:
    """Write what the store confirmed (only after it confirmed it)."""
    order = Order.objects.select_for_update().get(pk=record.order_id)
    if result.refund is not None:
        upsert.upsert_refunds(order, [result.refund], order_action=action)
        left = refundable(order)
        order.status = Order.Status.REFUNDED if left <= 0 else Order.Status.PARTIALLY_REFUNDED
        order.save(update_fields=["status", "updated_at"])
    if result.return_ is not None:
        upsert.upsert_returns(order, [result.return_], order_action=action)
    if action.kind == OrderAction.Kind.CANCEL:
        order.status = Order.Status.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        record.cancelled_at, record.cancel_reason, record.cancelled_by_store = (
            timezone.now(),
            action.params["reason"],
            False,
        )
        record.save(update_fields=["cancelled_at", "cancel_reason", "cancelled_by_store"])
    if action.kind == OrderAction.Kind.UPDATE_ADDRESS:
        record.shipping_address = {**record.shipping_address, **action.params["address"]}
        record.save(update_fields=["shipping_address"])


def settle_approval(approval: Approval) -> list[OrderAction]:
    """Run (approved) or close (denied / withdrawn) the order actions waiting on ``approval``."""
    waiting = list(OrderAction.objects.filter(approval=approval, status=OrderAction.Status.AWAITING_APPROVAL))
    done = []
    for action in waiting:
        if approval.status == Approval.Status.APPROVED:
            updated = OrderAction.objects.filter(
                pk=action.pk, status=OrderAction.Status.AWAITING_APPROVAL
            ).update(status=OrderAction.Status.PENDING)
            if updated:
                done.append(execute_order_action(action))
        elif approval.status in (Approval.Status.DENIED, Approval.Status.WITHDRAWN):
            OrderAction.objects.filter(pk=action.pk, status=OrderAction.Status.AWAITING_APPROVAL).update(
                status=OrderAction.Status.DENIED,
                error=approval.note or f"Approval {approval.status}.",
                completed_at=timezone.now(),
            )
            action.refresh_from_db()
            done.append(action)
    return done
