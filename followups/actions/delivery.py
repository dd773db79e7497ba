"""Delivering outbound messages on their channel, exactly once, with retries that show on the ticket."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from helpdesk.locks import exclusive
from helpdesk.queue import schedule_once
from tickets import events
from tickets.channels import email as email_channel
from tickets.models import Channel, Message, TicketEvent

logger = logging.getLogger(__name__)

# Seconds before attempt 2, 3, ...: quick first retries for blips, then hours for outages.
RETRY_DELAYS = (60, 300, 1800, 7200, 21600)


class PermanentFailure(Exception):
    """Retrying cannot help (no address, recipient refused)."""


def _thread_headers(message: Message) -> tuple[str, list[str]]:
    """In-Reply-To (the customer's latest email) and References (the thread's ids, oldest first)."""
    previous = list(
        Message.objects.filter(
            ticket_id=message.ticket_id, channel=Channel.EMAIL, created_at__lte=message.created_at
        )
        .exclude(pk=message.pk)
        .exclude(external_id="")
        .order_by("-created_at", "-id")
        .values_list("external_id", "direction")[:20]
    )
    inbound = [external_id for external_id, direction in previous if direction == Message.Direction.INBOUND]
    in_reply_to = inbound[0] if inbound else (previous[0][0] if previous else "")
    return in_reply_to, [external_id for external_id, _ in reversed(previous)]


def _send_email(message: Message) -> None:
    """Send ``message`` (its Message-ID already stored) by email. Raises on failure."""
    ticket = message.ticket
    to = ticket.customer.email
    if not to:
        raise PermanentFailure("The customer has no email address.")
    in_reply_to, references = _thread_headers(message)
    context = {
        "message": message,
        "ticket": ticket,
        "store_name": settings.STORE_NAME,
        "reply_marker": email_channel.REPLY_MARKER,
        "csat_link": message.metadata.get("csat_link", ""),
        "scores": [1, 2, 3, 4, 5],
    }
    mail = email_channel.compose_email(
        to=to,
        subject=message.subject or f"Re: {ticket.subject}",
        text=render_to_string("followups/email/message.txt", context),
        html=render_to_string("followups/email/message.html", context),
        store_name=settings.STORE_NAME,
        from_address=settings.SUPPORT_EMAIL_ADDRESS,
        reply_to=email_channel.reply_address(
            mailbox=settings.SUPPORT_EMAIL_ADDRESS,
            domain=settings.SUPPORT_EMAIL_DOMAIN,
            ticket_reference=ticket.reference,
        ),
        message_id=message.external_id,
        in_reply_to=in_reply_to,
        references=references,
        automatic=bool(message.metadata.get("followup_id")),
    )
    for attachment in message.attachments.all():  # files an agent attached to the reply
        if attachment.file:
            with attachment.file.open("rb") as handle:
                mail.attach(attachment.filename, handle.read(), attachment.content_type)
    try:
        get_connection(fail_silently=False).send_messages([mail])
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(f"The mail server refused the recipient: {exc.recipients}") from exc


def _record_failure(message: Message, error: str, *, permanent: bool) -> None:
    message.delivery_attempts += 1
    will_retry = not permanent and message.delivery_attempts < settings.OUTBOUND_MAX_ATTEMPTS
    message.delivery_status = Message.Delivery.FAILED if will_retry else Message.Delivery.UNDELIVERABLE
    message.delivery_error = error[:2000]
    message.save(update_fields=["delivery_status", "delivery_error", "delivery_attempts", "external_id"])
    retry_at = None
    if will_retry:
        delay = RETRY_DELAYS[min(message.delivery_attempts - 1, len(RETRY_DELAYS) - 1)]
        retry_at = timezone.now() + timedelta(seconds=delay)
        schedule_once(settings.OUTBOUND_DELIVERY, message.pk, run_at=retry_at)
    events.record(
        message.ticket,
        TicketEvent.Kind.DELIVERY_FAILED,
        data={
            "message_id": message.pk,
            "attempt": message.delivery_attempts,
            "error": message.delivery_error[:300],
            "will_retry": will_retry,
            "retry_at": retry_at,
        },
    )


def deliver_message(message_id: int) -> Message | None:
    """Deliver an outbound message on its channel; safe to run twice and concurrently.

    An advisory lock per message (held by the worker's database session, so a killed worker
    releases it) makes a second worker wait and then see the message sent. The SMTP
    conversation happens outside any database transaction: a slow or hanging mail server holds
    no row lock and no transaction open. The Message-ID is fixed before sending and stored
    first, so a send repeated after a crash carries the same Message-ID and mail systems
    treat it as the same message. Chat becomes visible to the widget's polling; other channels
    have no outbound connector and are recorded as not deliverable. Failures are retried with
    backoff (``RETRY_DELAYS``) up to ``OUTBOUND_MAX_ATTEMPTS`` and leave a DELIVERY_FAILED event
    on the ticket each time.
    """
    with exclusive(f"deliver-message:{message_id}", wait=True):
        with transaction.atomic():
            message = _claim(message_id)
        if message is None:  # sent already, internal, held or gone: nothing to do
            return Message.objects.filter(pk=message_id).first()
        if message.delivery_status == Message.Delivery.UNDELIVERABLE:
            return message
        if message.channel == Channel.EMAIL:
            try:
                _send_email(message)
            except PermanentFailure as exc:
                with transaction.atomic():
                    _record_failure(message, str(exc), permanent=True)
                return message
            except (smtplib.SMTPException, OSError) as exc:
                logger.warning("Email for message %s failed: %s", message.pk, exc)
                with transaction.atomic():
                    _record_failure(message, f"{type(exc).__name__}: {exc}", permanent=False)
                return message
        message.delivery_status = Message.Delivery.SENT
        message.delivery_error = ""
        message.delivery_attempts += 1
        message.sent_at = timezone.now()
        message.save(update_fields=["delivery_status", "delivery_error", "delivery_attempts", "sent_at"])
        return message


def _claim(message_id: int) -> Message | None:
    """The message if it still needs sending, with its Message-ID fixed and stored; else None.

    A channel without an outbound connector is marked not deliverable here and returned.
    """
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("ticket", "ticket__customer")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.is_internal:
        return None
    if message.delivery_status not in (Message.Delivery.QUEUED, Message.Delivery.FAILED):
        return None
    if message.channel == Channel.EMAIL and not message.external_id:
        message.external_id = email_channel.message_id_for(
            message_pk=message.pk, ticket_pk=message.ticket_id, domain=settings.SUPPORT_EMAIL_DOMAIN
        )
        message.save(update_fields=["external_id"])
    elif message.channel not in (Channel.EMAIL, Channel.CHAT):
        message.delivery_status = Message.Delivery.UNDELIVERABLE
        message.delivery_error = (
            f"No outbound connector for {message.get_channel_display()}: reply on the platform."
        )
        message.save(update_fields=["delivery_status", "delivery_error"])
    return message


@transaction.atomic
def record_bounce(*, bounced_message_id: str, reason: str) -> Message | None:
    """Mark our message that a bounce report names as not deliverable (with the server's reason)."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .filter(channel=Channel.EMAIL, direction=Message.Direction.OUTBOUND, external_id=bounced_message_id)
        .first()
    )
    if message is None or message.delivery_status == Message.Delivery.UNDELIVERABLE:
        return message
    message.delivery_status = Message.Delivery.UNDELIVERABLE
    message.delivery_error = f"Bounced: {reason or 'no reason given'}"[:2000]
    message.save(update_fields=["delivery_status", "delivery_error"])
    events.record(
        message.ticket,
        TicketEvent.Kind.DELIVERY_FAILED,
        data={
            "message_id": message.pk,
            "bounce": True,
            "error": message.delivery_error[:300],
            "will_retry": False,
        },
    )
    return message
