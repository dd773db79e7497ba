"""The chat widget's visitor side: start a conversation, send a message, be seen."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from followups.actions.inbound import receive_customer_message
from followups.models import ChatSession, WidgetSite
from helpdesk.errors import InvalidInput
from tickets import intake
from tickets.channels import chat as chat_channel
from tickets.models import Channel

SEEN_WRITE_INTERVAL = timedelta(seconds=30)


@transaction.atomic
def start_chat(site: WidgetSite, *, name: str, email: str) -> tuple[ChatSession, str]:
    """Open a chat session for a visitor; returns it and the raw token (shown once, stored hashed).

    The visitor's email resolves to the one customer record, so a later email from the same
    address joins the same customer.
    """
    email = intake.normalize_email(email)
    if not email or "@" not in email:
        raise InvalidInput("Enter your email address.", field="email")
    customer = intake.resolve_customer(Channel.CHAT, intake.Sender(email=email, name=name.strip()))
    token = secrets.token_urlsafe(32)
    session = ChatSession.objects.create(
        site=site,
        token_hash=ChatSession.hash(token),
        customer=customer,
        visitor_name=name.strip()[:200],
        visitor_email=email,
    )
    return session, token


def post_chat_message(session: ChatSession, *, body: str, client_id: str) -> intake.IntakeResult:
    """A visitor message into the chat ticket; ``client_id`` makes a resent message a no-op."""
    if not body.strip():
        raise InvalidInput("The message is empty.", field="body")
    if len(body) > 5000:
        raise InvalidInput("The message is longer than 5000 characters.", field="body")
    if not client_id or len(client_id) > 64:
        raise InvalidInput("client_id is required (up to 64 characters).", field="client_id")
    mark_seen(session)
    return receive_customer_message(
        chat_channel.to_inbound(
            session_id=str(session.public_id),
            site_name=session.site.name,
            visitor_name=session.visitor_name,
            visitor_email=session.visitor_email,
            body=body.strip(),
            client_id=client_id,
        )
    )


def mark_seen(session: ChatSession) -> None:
    """Record that the visitor is here (at most one write per 30 s per session)."""
    now = timezone.now()
    if now - session.last_seen_at >= SEEN_WRITE_INTERVAL:
        ChatSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        session.last_seen_at = now
