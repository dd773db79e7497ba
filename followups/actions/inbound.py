"""Customer messages from the channels followups runs: email, the chat widget, signed webhooks.

Each path ends in ``tickets.intake.receive``. ``receive_customer_message`` adds one rule on
top: a reply to a follow-up that says the problem is not solved reopens the ticket for service
recovery before intake appends the message.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.utils import timezone

from followups.actions.delivery import record_bounce
from followups.models import FollowUp, WebhookSource
from followups.replies import says_unsolved
from helpdesk import inputs
from helpdesk.errors import InvalidInput, NotAllowed
from tickets import actions as ticket_actions
from tickets import intake
from tickets.channels import email as email_channel
from tickets.channels import webhooks as webhook_channel
from tickets.models import Channel, CustomerIdentity, Message, Ticket

DEADLOCK_DETECTED = "40P01"


@dataclass(frozen=True)
class EmailOutcome:
    accepted: bool
    reason: str = ""
    result: intake.IntakeResult | None = None


class UnknownSource(InvalidInput):
    """No active webhook source has this name."""

    code = "unknown_source"
    status = 404


class SignatureRejected(NotAllowed):
    """The webhook signature is missing, wrong or too old."""

    code = "bad_signature"
    status = 401


def _answered_followup_ticket(inbound: intake.InboundMessage) -> Ticket | None:
    """The resolved or closed ticket whose follow-up this message answers, if it is the same customer's."""
    ids = list(inbound.references)[:50]
    followup = None
    if inbound.ticket_id:
        followup = FollowUp.objects.filter(ticket_id=inbound.ticket_id, status=FollowUp.Status.SENT).first()
    if followup is None and ids:
        followup = FollowUp.objects.filter(message__external_id__in=ids, status=FollowUp.Status.SENT).first()
    if followup is None and inbound.thread_key:
        followup = (
            FollowUp.objects.filter(
                ticket__channel=inbound.channel,
                ticket__thread_key=inbound.thread_key,
                status=FollowUp.Status.SENT,
            )
            .order_by("-sent_at")
            .first()
        )
    if followup is None:
        return None
    ticket = Ticket.objects.select_related("customer").get(pk=followup.ticket_id)
    if ticket.is_open or not ticket.resolved_at or timezone.now() - ticket.resolved_at > Ticket.REOPEN_WINDOW:
        return None
    sender = intake.normalize_email(inbound.sender.email)
    same_customer = bool(sender) and (
        ticket.customer.email == sender
        or CustomerIdentity.objects.filter(
            customer_id=ticket.customer_id, channel=Channel.EMAIL, handle=sender
        ).exists()
    )
    return ticket if same_customer else None


def receive_customer_message(inbound: intake.InboundMessage) -> intake.IntakeResult:
    """``intake.receive`` plus the follow-up rule: "not solved" reopens with the recovery flag.

    The recovery reopen locks the ticket before intake takes its own locks, so a concurrent
    delivery for the same customer can deadlock; PostgreSQL aborts one side and it is retried
    once here (the message is idempotent on its external id).
    """
    for attempt in range(2):
        try:
            return _receive_customer_message(inbound)
        except OperationalError as exc:
            if attempt or getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _receive_customer_message(inbound: intake.InboundMessage) -> intake.IntakeResult:
    intake.validate(inbound)
    duplicate = (
        bool(inbound.external_id)
        and Message.objects.filter(channel=inbound.channel, external_id=inbound.external_id).exists()
    )
    if not duplicate:
        ticket = _answered_followup_ticket(inbound)
        if ticket is not None and says_unsolved(inbound.body or intake.html_to_text(inbound.body_html)):
            ticket_actions.reopen_ticket(
                ticket, actor=None, reason="followup_reply_unsolved", actor_kind="customer", recovery=True
            )
    return intake.receive(inbound)


def _is_own_address(address: str) -> bool:
    local, _, domain = address.partition("@")
    own_local, _, own_domain = settings.SUPPORT_EMAIL_ADDRESS.lower().partition("@")
    return domain in {own_domain, settings.SUPPORT_EMAIL_DOMAIN.lower()} and local.split("+")[0] == own_local


def _looping(address: str) -> bool:
    """Count this sender's mail per clock hour in the cache; above the limit it is a loop.

    The cache, not the message table: stored messages carry their Date header as time, and a
    looping autoresponder's dates cannot be trusted.
    """
    key = f"inbound-email:{hashlib.sha256(address.encode()).hexdigest()[:32]}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.INBOUND_EMAIL_LOOP_LIMIT


def receive_email(raw: bytes) -> EmailOutcome:
    """Turn one raw RFC 822 message into a ticket message, or say why it was not.

    Bounces mark the message they name as not deliverable; auto-replies, mail from our own
    address and a sender above the hourly loop limit are dropped (mail loops stop here).
    A message without a Message-ID gets one from its content hash, so redelivery is harmless.
    """
    try:
        parsed = email_channel.parse_email(raw)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="body") from None
    if parsed.is_bounce:
        if parsed.bounced_message_id:
            record_bounce(bounced_message_id=parsed.bounced_message_id, reason=parsed.bounce_reason)
        return EmailOutcome(accepted=False, reason="bounce")
    if parsed.is_auto_reply:
        return EmailOutcome(accepted=False, reason="auto_reply")
    if not parsed.sender_email or "@" not in parsed.sender_email:
        raise InvalidInput("The message has no sender address.", field="from")
    if _is_own_address(parsed.sender_email) or _looping(parsed.sender_email):
        return EmailOutcome(accepted=False, reason="loop")
    if not parsed.message_id:
        parsed = replace(
            parsed, message_id=f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@handoff.invalid>"
        )
    result = receive_customer_message(email_channel.to_inbound(parsed))
    return EmailOutcome(accepted=True, result=result)


def receive_webhook(source_slug: str, *, body: bytes, timestamp: str, signature: str) -> intake.IntakeResult:
    """Verify a signed social/review event and hand it to intake; a replayed event id is harmless.

    The signature is checked on the raw bytes before anything parses them, so an anonymous
    caller cannot make the server decode hostile JSON. Raises ``SignatureRejected`` (401) for a
    bad, missing or stale signature and ``InvalidInput`` naming the field for a payload that
    does not fit.
    """
    source = WebhookSource.objects.filter(slug=source_slug, is_active=True).first()
    if source is None:
        raise UnknownSource(f"No active webhook source '{source_slug}'.", field="source")
    try:
        webhook_channel.verify(
            source.secret,
            timestamp=timestamp,
            signature=signature,
            body=body,
            now=time.time(),
            tolerance=settings.WEBHOOK_TOLERANCE_SECONDS,
        )
    except webhook_channel.SignatureError as exc:
        raise SignatureRejected(exc.reason) from None
    payload = inputs.loads(body or b"null", field="body")
    try:
        inbound = webhook_channel.to_inbound(
            payload, source=source.slug, source_name=source.name, channel=source.channel
        )
    except webhook_channel.PayloadError as exc:
        raise InvalidInput(str(exc), field=exc.field) from None
    return receive_customer_message(inbound)
