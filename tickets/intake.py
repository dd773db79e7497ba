"""One intake for every channel: ``receive(InboundMessage)``.

Every channel adapter (API, email webhook and IMAP poller, chat widget, social/review
webhooks) builds an ``InboundMessage`` and calls ``receive``. It resolves the customer,
threads the message into its conversation, stores it and records events in one transaction,
then, after commit, hands the ticket to the pipeline named in ``settings.INTAKE_PIPELINE``
(triage and routing). It is idempotent on (channel, external id): a retried or concurrent
duplicate returns the stored message and ticket and writes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nh3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from helpdesk.errors import InvalidInput
from helpdesk.inputs import check_datetime, check_storable, safe_filename
from tickets import events
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
    """Serialise writers on the same keys until the transaction ends (sorted: no deadlocks)."""
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _identity_keys(channel: str, sender: Sender) -> list[tuple[str, str]]:
    keys = []
    if sender.email.strip():
        keys.append((Channel.EMAIL, normalize_email(sender.email)))
    if sender.phone.strip():
        keys.append((Channel.SMS, normalize_phone(sender.phone)))
    if sender.handle.strip() and channel not in (Channel.EMAIL, Channel.SMS):
        keys.append((channel, sender.handle.strip()))
    return keys


def resolve_customer(channel: str, sender: Sender) -> Customer:
    """Find the one customer behind ``sender`` across channels, or create them.

    A handle seen before wins; otherwise a matching email or phone links the new handle to the
    existing customer. Must run inside a transaction (it takes advisory locks on the handles).
    """
    keys = _identity_keys(channel, sender)
    _advisory_lock(*(f"identity:{c}:{h}" for c, h in keys))
    match = Q()
    for identity_channel, handle in keys:
        match |= Q(channel=identity_channel, handle=handle)
    identities = list(CustomerIdentity.objects.filter(match).select_related("customer"))
    customer = min((i.customer for i in identities), key=lambda c: c.pk, default=None)
    if customer is None:
        email, phone = normalize_email(sender.email), normalize_phone(sender.phone)
        contact = Q(email=email) if email else Q()
        if phone:
            contact |= Q(phone=phone)
        if contact:
            customer = Customer.objects.filter(contact).order_by("pk").first()
    while customer is not None and customer.merged_into_id:
        customer = customer.merged_into
    if customer is None:
        customer = Customer.objects.create(
            name=sender.name.strip()[:200],
            email=normalize_email(sender.email),
            phone=normalize_phone(sender.phone),
        )
    else:
        updates = []
        if not customer.name and sender.name.strip():
            customer.name = sender.name.strip()[:200]
            updates.append("name")
        if not customer.email and sender.email.strip():
            customer.email = normalize_email(sender.email)
            updates.append("email")
        if not customer.phone and sender.phone.strip():
            customer.phone = normalize_phone(sender.phone)
            updates.append("phone")
        if updates:
            customer.save(update_fields=[*updates, "updated_at"])
    known = {(i.channel, i.handle) for i in identities}
    CustomerIdentity.objects.bulk_create(
        [CustomerIdentity(customer=customer, channel=c, handle=h) for c, h in keys if (c, h) not in known],
        ignore_conflicts=True,
    )
    return customer


def find_conversation(inbound: InboundMessage, customer: Customer) -> Ticket | None:
    """The ticket this message continues, if any (it may be resolved or closed)."""
    if inbound.ticket_id:
        ticket = Ticket.objects.filter(pk=inbound.ticket_id, customer=customer).first()
        if ticket:
            return ticket
    if inbound.references:
        referenced = (
            Message.objects.filter(external_id__in=list(inbound.references)[:50], ticket__customer=customer)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if referenced:
            return referenced.ticket
    if inbound.thread_key:
        return (
            Ticket.objects.filter(channel=inbound.channel, thread_key=inbound.thread_key, customer=customer)
            .order_by("-created_at")
            .first()
        )
    return None


def _find_order(number: str, customer: Customer) -> Order | None:
    number = number.strip().lstrip("#")
    if not number:
        return None
    orders = Order.objects.filter(Q(number=number) | Q(external_id=number))
    return orders.filter(customer=customer).first() or orders.first()


@transaction.atomic
def _store(inbound: InboundMessage) -> IntakeResult:
    if inbound.external_id:
        _advisory_lock(f"message:{inbound.channel}:{inbound.external_id}")
        existing = (
            Message.objects.filter(channel=inbound.channel, external_id=inbound.external_id)
            .select_related("ticket")
            .first()
        )
        if existing:
            return IntakeResult(ticket=existing.ticket, message=existing, created=False, new_ticket=False)

    now = timezone.now()
    received_at = min(inbound.received_at or now, now)
    customer = resolve_customer(inbound.channel, inbound.sender)
    ticket = find_conversation(inbound, customer)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk) if ticket else None
    reopened = False
    if ticket is not None and not ticket.is_open:
        recent = ticket.resolved_at and now - ticket.resolved_at <= Ticket.REOPEN_WINDOW
        if recent:
            from tickets.actions import reopen_ticket

            reopen_ticket(ticket, actor=None, reason="customer_replied", actor_kind="customer")
            reopened = True
        else:
            ticket = None

    body_html = sanitize_html(inbound.body_html) if inbound.body_html.strip() else ""
    body = inbound.body.strip() or html_to_text(body_html)
    new_ticket = ticket is None
    if new_ticket:
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
        events.record(
            ticket,
            TicketEvent.Kind.CREATED,
            actor_kind="customer",
            at=received_at,
            data={"channel": ticket.channel},
        )
    else:
        updates = ["last_customer_message_at", "updated_at"]
        ticket.last_customer_message_at = received_at
        if ticket.order_id is None and inbound.order_number:
            ticket.order = _find_order(inbound.order_number, customer)
            updates.append("order")
        if ticket.status == Ticket.Status.PENDING:
            ticket.status = Ticket.Status.OPEN
            updates.append("status")
            events.record(
                ticket,
                TicketEvent.Kind.STATUS_CHANGED,
                actor_kind="customer",
                data={"from": Ticket.Status.PENDING, "to": Ticket.Status.OPEN},
            )
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
    events.record(
        ticket,
        TicketEvent.Kind.MESSAGE_RECEIVED,
        actor_kind="customer",
        at=received_at,
        data={"message_id": message.pk, "channel": inbound.channel, "reopened": reopened},
    )
    return IntakeResult(ticket=ticket, message=message, created=True, new_ticket=new_ticket)


def run_pipeline(ticket_id: int, message_id: int) -> None:
    """Hand a committed message to triage/routing; a failure there never loses the message."""
    try:
        import_string(settings.INTAKE_PIPELINE)(ticket_id, message_id)
    except Exception:
        logger.exception(
            "Pipeline failed for ticket %s; it stays marked for triage and will be retried.", ticket_id
        )


def receive(inbound: InboundMessage) -> IntakeResult:
    """Store ``inbound`` (idempotently) and hand it on after commit. Raises ``InvalidInput``."""
    validate(inbound)
    result = _store(inbound)
    if result.created:
        transaction.on_commit(lambda: run_pipeline(result.ticket.pk, result.message.pk))
    return result
