"""Proactive outreach: tell the customer about a store problem before they ask.

One pass (``run_pass``; ``manage.py run_proactive``; scheduled every minute):

1. ``match``: for each active ``ProactiveRule``, one set-based ``INSERT ... SELECT ... ON CONFLICT
   DO NOTHING`` adds a ``ProactiveMessage`` per (order, event) that matches. The unique
   (order, event_key) makes a second sweep, an overlapping worker or a replayed webhook a no-op.
2. ``send_due``: due rows are locked with ``SKIP LOCKED``; opted-out customers are skipped,
   quiet hours (in the customer's time zone) push ``send_after`` to their end, and the rest
   become a ticket tagged ``proactive`` with one outbound message on the customer's last
   channel. A customer reply threads into that ticket like any reply.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from store.models import ProactiveMessage, ProactiveRule, StoreCustomer
from tickets import actions, events
from tickets.models import Channel, Message, Ticket, TicketEvent

PROACTIVE_TAG = "proactive"
PROACTIVE_SENT = events.declare("proactive_sent", required=["rule", "event_key", "order"]).kind
# Events older than this when a rule first sees them are history, not news.
FRESH_DAYS = 14
BATCH = 200

_ACTIVE_SHIPMENT = ("confirmed", "label_printed", "in_transit", "pending")

# Each trigger: the SELECT of (order_id, event_key) for matching orders. %(rule)s, %(days)s,
# %(fresh)s and %(now)s are bound parameters.
_MATCH_SQL = {
    ProactiveRule.Trigger.FULFILLMENT_DELAYED: """
        SELECT f.order_id, 'fulfillment_delayed:fulfillment:' || f.id
        FROM store_fulfillment f JOIN tickets_order o ON o.id = f.order_id
        WHERE f.status = 'delayed' AND o.customer_id IS NOT NULL
          AND COALESCE(f.last_scan_at, f.shipped_at, %(now)s) >= %(fresh)s""",
    ProactiveRule.Trigger.FULFILLMENT_FAILED: """
        SELECT f.order_id, 'fulfillment_failed:fulfillment:' || f.id
        FROM store_fulfillment f JOIN tickets_order o ON o.id = f.order_id
        WHERE f.status = 'failure' AND o.customer_id IS NOT NULL
          AND COALESCE(f.last_scan_at, f.shipped_at, %(now)s) >= %(fresh)s""",
    ProactiveRule.Trigger.NO_CARRIER_SCAN: """
        SELECT f.order_id, 'no_carrier_scan:fulfillment:' || f.id
        FROM store_fulfillment f JOIN tickets_order o ON o.id = f.order_id
        WHERE f.status IN ('confirmed', 'label_printed', 'in_transit', 'pending') AND o.customer_id IS NOT NULL
          AND COALESCE(f.last_scan_at, f.shipped_at) < %(now)s - make_interval(days => %(days)s)
          AND COALESCE(f.last_scan_at, f.shipped_at) >= %(fresh)s - make_interval(days => %(days)s)""",
    ProactiveRule.Trigger.ORDER_CANCELLED: """
        SELECT s.order_id, 'order_cancelled:order:' || s.order_id
        FROM store_storeorder s JOIN tickets_order o ON o.id = s.order_id
        WHERE s.cancelled_by_store AND o.customer_id IS NOT NULL AND s.cancelled_at >= %(fresh)s""",
    ProactiveRule.Trigger.PRODUCT_RECALLED: """
        SELECT DISTINCT li.order_id, 'product_recalled:product:' || p.id
        FROM store_lineitem li JOIN store_product p ON p.id = li.product_id
        JOIN tickets_order o ON o.id = li.order_id
        WHERE p.recalled AND o.customer_id IS NOT NULL
          AND o.placed_at >= %(now)s - make_interval(days => %(days)s)""",
}


@dataclass
class PassResult:
    matched: int = 0
    sent: int = 0
    skipped: int = 0
    deferred: int = 0


def match(rule: ProactiveRule, *, now: datetime) -> int:
    """Insert one scheduled message per new (order, event) matching ``rule``; returns how many."""
    sql = f"""
        INSERT INTO store_proactivemessage
            (rule_id, order_id, event_key, status, skip_reason, send_after, created_at)
        SELECT %(rule)s, matched.order_id, matched.event_key, 'scheduled', '', %(now)s, %(now)s
        FROM ({_MATCH_SQL[rule.trigger]}) AS matched(order_id, event_key)
        ON CONFLICT (order_id, event_key) DO NOTHING"""
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"rule": rule.pk, "days": rule.days, "now": now, "fresh": now - timedelta(days=FRESH_DAYS)}
        )
        return cursor.rowcount


def _zone(customer_id: int) -> zoneinfo.ZoneInfo:
    name = (
        StoreCustomer.objects.filter(customer_id=customer_id)
        .exclude(timezone="")
        .values_list("timezone", flat=True)
        .first()
    )
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def quiet_until(rule: ProactiveRule, now: datetime, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """When the quiet hours around ``now`` end (None when ``now`` is not inside them)."""
    start, end = rule.quiet_hours_start, rule.quiet_hours_end
    if start == end:
        return None
    local = now.astimezone(zone)
    hour = local.hour
    inside = (start <= hour < end) if start < end else (hour >= start or hour < end)
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=zone)


def _last_channel(ticket_channel: str | None, customer) -> str | None:
    if ticket_channel and ticket_channel not in (Channel.API, Channel.REVIEW, Channel.SOCIAL):
        return ticket_channel
    if customer.email:
        return Channel.EMAIL
    if customer.phone:
        return Channel.SMS
    return None


def render(rule: ProactiveRule, message: ProactiveMessage) -> tuple[str, str]:
    order, customer = message.order, message.order.customer
    templates = {t.language: t for t in rule.templates.all()}
    language = (customer.locale or "en").split("-")[0].lower()
    template = templates.get(language) or templates.get("en") or next(iter(templates.values()), None)
    fulfillment = order.fulfillments.exclude(status="cancelled").order_by("-shipped_at").first()
    product = ""
    if message.event_key.startswith("product_recalled:"):
        product = (
            order.store_line_items.filter(product__recalled=True).values_list("title", flat=True).first()
            or ""
        )
    values = {
        "customer_first_name": (customer.name.split() or ["there"])[0],
        "order_number": order.number,
        "carrier": fulfillment.carrier if fulfillment else order.carrier,
        "tracking_number": fulfillment.tracking_number if fulfillment else order.tracking_number,
        "tracking_url": fulfillment.tracking_url if fulfillment else order.tracking_url,
        "product_title": product,
        "store_name": getattr(settings, "STORE_NAME", "our store"),
    }
    if template is None:
        return (
            f"About your order #{order.number}",
            f"Hi {values['customer_first_name']}, an update about order #{order.number}.",
        )

    class _Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.subject.format_map(_Keep(values)), template.body.format_map(_Keep(values))


def _send(message: ProactiveMessage, now: datetime) -> str:
    """Deliver one due message (row locked by the caller). Returns "sent", "skipped" or "deferred"."""
    order = message.order
    customer = order.customer
    if (
        customer is None
        or StoreCustomer.objects.filter(customer=customer, outreach_opt_out=True).exists()
        or (PROACTIVE_TAG + "-opt-out" in customer.tags)
    ):
        message.status, message.skip_reason = (
            ProactiveMessage.Status.SKIPPED,
            "customer opted out of proactive messages",
        )
        message.save(update_fields=["status", "skip_reason"])
        return "skipped"
    until = quiet_until(message.rule, now, _zone(customer.pk))
    if until is not None:
        message.send_after = until
        message.save(update_fields=["send_after"])
        return "deferred"
    last = (
        Ticket.objects.filter(customer=customer)
        .order_by("-created_at")
        .values_list("channel", flat=True)
        .first()
    )
    channel = _last_channel(last, customer)
    if channel is None:
        message.status, message.skip_reason = (
            ProactiveMessage.Status.SKIPPED,
            "no channel reaches the customer",
        )
        message.save(update_fields=["status", "skip_reason"])
        return "skipped"
    subject, body = render(message.rule, message)
    ticket = Ticket.objects.create(
        customer=customer,
        subject=subject[:300],
        channel=channel,
        order=order,
        tags=[PROACTIVE_TAG],
        stage=Ticket.Stage.AWAITING_CUSTOMER,
        triage_status=Ticket.TriageStatus.DONE,
        first_message_at=now,
    )
    events.record(
        ticket,
        TicketEvent.Kind.CREATED,
        actor_kind="system",
        data={"channel": channel, "proactive": True, "rule": message.rule.name},
    )
    # Not an answer to anything: marked automatic so it never counts as a first response.
    actions.reply_to_ticket(
        ticket, body=body, author=None, author_kind=Message.AuthorKind.SYSTEM, is_auto=True, set_pending=True
    )
    events.record(
        ticket,
        PROACTIVE_SENT,
        actor_kind="system",
        data={"rule": message.rule.name, "event_key": message.event_key, "order": order.number},
    )
    message.status, message.ticket, message.sent_at = ProactiveMessage.Status.SENT, ticket, now
    message.save(update_fields=["status", "ticket", "sent_at"])
    return "sent"


def send_due(*, now: datetime) -> PassResult:
    result = PassResult()
    while True:
        with transaction.atomic():
            due = list(
                ProactiveMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=ProactiveMessage.Status.SCHEDULED, send_after__lte=now)
                .select_related("rule", "order", "order__customer")
                .order_by("send_after", "id")[:BATCH]
            )
            for message in due:
                outcome = _send(message, now)
                setattr(result, outcome, getattr(result, outcome) + 1)
        if len(due) < BATCH:
            return result


def run_pass(*, now: datetime | None = None) -> PassResult:
    """Match every active rule, then send what is due. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    matched = 0
    for rule in ProactiveRule.objects.filter(is_active=True):
        with transaction.atomic():
            matched += match(rule, now=now)
    result = send_due(now=now)
    result.matched = matched
    return result
