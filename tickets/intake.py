"""One intake for every channel: ``receive(InboundMessage)``.

Every channel adapter (API, email webhook and IMAP poller, chat widget, social/review
webhooks) builds an ``InboundMessage`` and calls ``receive``. It resolves the customer,
threads the message into its conversation, stores it marked ``awaiting_pipeline`` and records
its events in one transaction, then, after commit, wakes the pipeline job named in
``settings.INTAKE_PIPELINE``: workers claim marked messages in batches and triage and route
them, so the request answers with the ticket in stage "received". It is idempotent on
(channel, external id): a retried or concurrent duplicate returns the stored message and ticket
and writes nothing.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import nh3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from helpdesk import queue
from helpdesk.errors import InvalidInput
from helpdesk.inputs import check_datetime, check_storable, safe_filename
from tickets import actions, events, snooze
from tickets.models import (
    Attachment,
    Channel,
    Customer,
    CustomerIdentity,
    Message,
    Order,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sender:
    email: str = ""
    phone: str = ""
    handle: str = ""
    name: str = ""


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    sender: Sender
    body: str = ""
    body_html: str = ""
    subject: str = ""
    external_id: str = ""
    received_at: datetime | None = None
    # The channel's conversation key (chat session id, social thread id).
    thread_key: str = ""
    # Email threading: Message-IDs from In-Reply-To and References, nearest first.
    references: Sequence[str] = ()
    # A ticket id the channel already knows (from a reply address such as support+HD-42@...).
    ticket_id: int | None = None
    order_number: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    attachments: Sequence[InboundAttachment] = ()


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    message: Message
    created: bool  # False when the message was a duplicate of one already stored
    new_ticket: bool


PHONE_DIGITS = re.compile(r"[^\d+]")
# Channel metadata is a few levels deep; deeper is refused (it is stored as jsonb and rendered).
METADATA_MAX_DEPTH = 10


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    return PHONE_DIGITS.sub("", phone.strip())


def sanitize_html(html: str) -> str:
    """Customer HTML is untrusted: keep formatting, drop scripts, styles, handlers and remote tricks."""
    return nh3.clean(html, link_rel="noopener noreferrer nofollow", url_schemes={"http", "https", "mailto"})


def html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", html)
    text = nh3.clean(text, tags=set())
    text = re.sub(r"&nbsp;", " ", text)
    text = re.sub(r"&amp;", "&", text)
    text = re.sub(r"&lt;", "<", text)
    text = re.sub(r"&gt;", ">", text)
    text = re.sub(r"&#39;|&apos;", "'", text)
    text = re.sub(r"&quot;", '"', text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def validate(inbound: InboundMessage) -> None:
    """Raise ``InvalidInput`` naming the field when ``inbound`` cannot be accepted."""
    if inbound.channel not in Channel.values:
        raise InvalidInput(
            f"Unknown channel '{inbound.channel}'; expected one of {', '.join(Channel.values)}.",
            field="channel",
        )
    if not (inbound.sender.email.strip() or inbound.sender.phone.strip() or inbound.sender.handle.strip()):
        raise InvalidInput("The sender needs an email, a phone or a handle.", field="sender")
    if not (inbound.body.strip() or inbound.body_html.strip() or inbound.attachments):
        raise InvalidInput("The message has no body.", field="body")
    limit = settings.MAX_MESSAGE_BODY_CHARS
    if len(inbound.body) > limit or len(inbound.body_html) > limit * 2:
        raise InvalidInput(f"The body is longer than {limit} characters.", field="body")
    if len(inbound.external_id) > 255:
        raise InvalidInput("external_id is longer than 255 characters.", field="external_id")
    # PostgreSQL cannot store NUL in text or jsonb: refuse here, naming the field, not in the INSERT.
    texts = {
        "body": inbound.body,
        "body_html": inbound.body_html,
        "subject": inbound.subject,
        "external_id": inbound.external_id,
        "thread_key": inbound.thread_key,
        "order_number": inbound.order_number,
        "references": list(inbound.references),
        "sender": [inbound.sender.email, inbound.sender.phone, inbound.sender.handle, inbound.sender.name],
        "attachments": [[a.filename, a.content_type] for a in inbound.attachments],
    }
    for name, value in texts.items():
        check_storable(value, field=name)
    check_storable(dict(inbound.metadata), field="metadata", max_depth=METADATA_MAX_DEPTH)
    check_datetime(inbound.received_at, field="received_at")
    for attachment in inbound.attachments:
        # Channels reduce names to a safe basename; anything else would escape the upload folder.
        if safe_filename(attachment.filename) != attachment.filename:
            raise InvalidInput(f"Unsafe attachment name {attachment.filename!r}.", field="attachments")


def _advisory_lock(*keys: str) -> None:
    """Serialise writers on the same keys until the transaction ends (sorted: no deadlocks).

    One statement for every key: the array is unnested in order, so two transactions that
    share keys take them in the same order.
    """
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(%s::text[]) AS k",
            [sorted(set(keys))],
        )


def _identity_keys(channel: str, sender: Sender) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    if sender.email.strip():
        keys.append((Channel.EMAIL, normalize_email(sender.email)))
    if sender.phone.strip():
        keys.append((Channel.SMS, normalize_phone(sender.phone)))
    if sender.handle.strip() and channel not in (Channel.EMAIL, Channel.SMS):
        keys.append((channel, sender.handle.strip()))
    return keys


def _identity_lock_keys(channel: str, sender: Sender) -> list[str]:
    return [f"identity:{c}:{h}" for c, h in _identity_keys(channel, sender)]


# The customers owning one of the sender's handles (first, lowest id first), then those with
# the sender's email or phone; with how many of the handles each owns. Plain SQL: intake runs it
# on every message, and compiling the equivalent ORM annotations cost more CPU than the query.
_CANDIDATES_SQL = """
    WITH handles AS (
        SELECT i.customer_id, count(*) AS n FROM tickets_customeridentity i
        JOIN unnest(%s::text[], %s::text[]) AS k(channel, handle)
          ON i.channel = k.channel AND i.handle = k.handle
        GROUP BY i.customer_id
    ), candidates AS (
        SELECT customer_id AS id FROM handles
        UNION SELECT id FROM tickets_customer WHERE email = %s
        UNION SELECT id FROM tickets_customer WHERE phone = %s
    )
    SELECT c.*, COALESCE(h.n, 0) AS known_handles
    FROM candidates x JOIN tickets_customer c ON c.id = x.id
    LEFT JOIN handles h ON h.customer_id = c.id
    ORDER BY h.customer_id IS NULL, c.id
    LIMIT 20
"""


def resolve_customer(channel: str, sender: Sender, *, locked: bool = False) -> Customer:
    """Find the one customer behind ``sender`` across channels, or create them.

    A handle seen before wins; otherwise a matching email or phone links the new handle to the
    existing customer. Must run inside a transaction: it takes advisory locks on the handles
    unless the caller already holds them (``locked``). One read finds both the customers owning
    a handle and those with the email or phone; a returning customer costs that read alone.
    """
    keys = _identity_keys(channel, sender)
    if not locked:
        _advisory_lock(*(f"identity:{c}:{h}" for c, h in keys))
    email, phone = normalize_email(sender.email), normalize_phone(sender.phone)
    candidates = list(
        Customer.objects.raw(
            _CANDIDATES_SQL,
            [[c for c, _ in keys], [h for _, h in keys], email or None, phone or None],
        )
    )
    known = sum(cast(Any, c).known_handles for c in candidates)  # annotated by the raw query
    customer = candidates[0] if candidates else None
    while customer is not None and customer.merged_into_id:
        customer = customer.merged_into
    if customer is None:
        customer = Customer.objects.create(name=sender.name.strip()[:200], email=email, phone=phone)
    else:
        updates = []
        if not customer.name and sender.name.strip():
            customer.name = sender.name.strip()[:200]
            updates.append("name")
        if not customer.email and email:
            customer.email = email
            updates.append("email")
        if not customer.phone and phone:
            customer.phone = phone
            updates.append("phone")
        if updates:
            customer.save(update_fields=[*updates, "updated_at"])
    if known < len(keys):
        CustomerIdentity.objects.bulk_create(
            [CustomerIdentity(customer=customer, channel=c, handle=h) for c, h in keys],
            ignore_conflicts=True,
        )
    return customer


def find_conversation(inbound: InboundMessage, customer: Customer, *, lock: bool = False) -> Ticket | None:
    """The ticket this message continues, if any (it may be resolved or closed).

    With ``lock`` the ticket row comes back locked (``SELECT ... FOR UPDATE``), in the same read.
    """
    tickets = Ticket.objects.select_for_update(of=("self",)) if lock else Ticket.objects.all()
    if inbound.ticket_id:
        ticket = tickets.filter(pk=inbound.ticket_id, customer=customer).first()
        if ticket:
            return ticket
    if inbound.references:
        ticket = (
            tickets.filter(customer=customer, messages__external_id__in=list(inbound.references)[:50])
            .order_by("-messages__created_at")
            .first()
        )
        if ticket:
            return ticket
    if inbound.thread_key:
        return (
            tickets.filter(channel=inbound.channel, thread_key=inbound.thread_key, customer=customer)
            .order_by("-created_at")
            .first()
        )
    return None


def _find_order(number: str, customer: Customer) -> Order | None:
    """The order named ``number``: the customer's own first, else any (one read)."""
    number = number.strip().lstrip("#")
    if not number:
        return None
    return (
        Order.objects.filter(Q(number=number) | Q(external_id=number))
        .annotate(own=Case(When(customer=customer, then=Value(0)), default=Value(1)))
        .order_by("own", "pk")
        .first()
    )


@transaction.atomic
def _store(inbound: InboundMessage) -> IntakeResult:
    """Store ``inbound`` in one transaction: about seven statements for a new conversation.

    The advisory locks (message id and sender handles, one statement) make a retried or
    concurrent duplicate wait for the first delivery and then find it.
    """
    message_key = [f"message:{inbound.channel}:{inbound.external_id}"] if inbound.external_id else []
    _advisory_lock(*message_key, *_identity_lock_keys(inbound.channel, inbound.sender))
    if inbound.external_id:
        existing = Message.objects.filter(channel=inbound.channel, external_id=inbound.external_id).first()
        if existing:
            return IntakeResult(ticket=existing.ticket, message=existing, created=False, new_ticket=False)

    now = timezone.now()
    received_at = min(inbound.received_at or now, now)
    customer = resolve_customer(inbound.channel, inbound.sender, locked=True)
    ticket = find_conversation(inbound, customer, lock=True)
    while ticket is not None and ticket.merged_into_id:
        # Merged (tickets.merging): the source's reply address and thread lead to the target.
        ticket = Ticket.objects.select_for_update().get(pk=ticket.merged_into_id)
    reopened = False
    pending: list[TicketEvent] = []
    if ticket is not None and not ticket.is_open:
        recent = ticket.resolved_at and now - ticket.resolved_at <= Ticket.REOPEN_WINDOW
        if recent:
            actions.reopen_ticket(ticket, actor=None, reason="customer_replied", actor_kind="customer")
            reopened = True
        else:
            ticket = None

    body_html = sanitize_html(inbound.body_html) if inbound.body_html.strip() else ""
    body = inbound.body.strip() or html_to_text(body_html)
    new_ticket = ticket is None
    if ticket is None:
        ticket = Ticket.objects.create(
            customer=customer,
            subject=(inbound.subject.strip() or body.split("\n", 1)[0])[:300],
            channel=inbound.channel,
            thread_key=inbound.thread_key[:255],
            order=_find_order(inbound.order_number, customer),
            first_message_at=received_at,
            last_customer_message_at=received_at,
            created_at=received_at,
        )
    else:
        updates = ["last_customer_message_at", "updated_at"]
        ticket.last_customer_message_at = received_at
        if ticket.order_id is None and inbound.order_number:
            ticket.order = _find_order(inbound.order_number, customer)
            updates.append("order")
        reopened_event = actions.reopen_on_customer_message(ticket, updates=updates)
        if reopened_event is not None:
            pending.append(reopened_event)

        woke = snooze.wake_on_customer_message(ticket, now=now, updates=updates)
        if woke is not None:
            pending.append(woke)
        ticket.save(update_fields=updates)

    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.INBOUND,
        author_kind=Message.AuthorKind.CUSTOMER,
        channel=inbound.channel,
        external_id=inbound.external_id[:255],
        subject=inbound.subject[:300],
        body=body,
        body_html=body_html,
        metadata=dict(inbound.metadata),
        awaiting_pipeline=True,
        created_at=received_at,
    )
    for attachment in inbound.attachments:
        from django.core.files.base import ContentFile

        record = Attachment(
            message=message,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:100],
            size=len(attachment.content),
        )
        record.file.save(
            attachment.filename[:100] or "attachment", ContentFile(attachment.content), save=False
        )
        record.save()
    for event in pending:
        event.data["message_id"] = message.pk
    if new_ticket:
        # The events name their message: the pipeline publishes them (webhook ``ticket.created``,
        # subscribed jobs) when it picks the message up, so the request queues no job for them.
        pending.insert(
            0,
            events.build(
                ticket,
                TicketEvent.Kind.CREATED,
                actor_kind="customer",
                at=received_at,
                data={"channel": ticket.channel, "message_id": message.pk},
            ),
        )
    pending.append(
        events.build(
            ticket,
            TicketEvent.Kind.MESSAGE_RECEIVED,
            actor_kind="customer",
            at=received_at,
            data={"message_id": message.pk, "channel": inbound.channel, "reopened": reopened},
        )
    )
    events.record_built(pending, defer_webhooks=True)
    return IntakeResult(ticket=ticket, message=message, created=True, new_ticket=new_ticket)


# Seconds between two pipeline wake-ups from one process. A burst of requests queues a few
# drain jobs per second, not one per message; the wake-up a request skips is sent by a timer at
# the end of the interval, so every message is followed by a wake-up sent after its commit.
KICK_INTERVAL = 0.25
_kick_lock = threading.Lock()
_last_kick = 0.0
_trailing: threading.Timer | None = None


def _send_kick() -> None:
    try:
        queue.enqueue(settings.INTAKE_PIPELINE)
    except Exception:
        # The message is committed and marked; the scheduled drain picks it up.
        logger.exception("Could not wake the intake pipeline")


def _trailing_kick() -> None:
    global _last_kick, _trailing
    with _kick_lock:
        _last_kick, _trailing = time.monotonic(), None
    try:
        _send_kick()
    finally:
        connection.close()  # the timer thread's own connection (ORM broker)


def kick_pipeline() -> None:
    """Wake the pipeline workers (the job in ``settings.INTAKE_PIPELINE``), at most once per
    ``KICK_INTERVAL`` per process, with a trailing wake-up for the messages in between.
    Inline (tests, seeding) every call runs the drain at once."""
    global _last_kick, _trailing
    if queue.runs_inline():
        _send_kick()
        return
    with _kick_lock:
        now = time.monotonic()
        wait = _last_kick + KICK_INTERVAL - now
        if wait <= 0:
            _last_kick = now
        elif _trailing is None:
            _trailing = threading.Timer(wait, _trailing_kick)
            _trailing.daemon = True
            _trailing.start()
            return
        else:
            return
    _send_kick()


def receive(inbound: InboundMessage) -> IntakeResult:
    """Store ``inbound`` (idempotently) and wake the pipeline after commit. Raises ``InvalidInput``.

    The ticket comes back in stage "received": triage, routing and the AI flows run in the
    pipeline workers (``settings.INTAKE_PIPELINE``), which claim the message in a batch.
    """
    validate(inbound)
    result = _store(inbound)
    if result.created:
        transaction.on_commit(kick_pipeline)
    return result
