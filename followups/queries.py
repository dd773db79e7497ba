"""Reads of the followups app: CSAT on the ticket page, the chat thread for the widget."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db.models import Q, QuerySet

from followups.models import ChatSession, CsatResponse
from tickets.models import Attachment, Channel, Message, Ticket

# A chat visitor's link to a file in their chat: signed for that file and chat, valid a week.
CHAT_ATTACHMENT_SALT = "followups.chat-attachment"
CHAT_ATTACHMENT_MAX_AGE = timedelta(days=7)


def csat_for_ticket(ticket: Ticket) -> CsatResponse | None:
    """The ticket's latest CSAT answer (score, comment, follow-up), or None. One query."""
    return (
        CsatResponse.objects.filter(ticket_id=ticket.pk)
        .select_related("followup")
        .order_by("-created_at")
        .first()
    )


def chat_thread(session: ChatSession, *, after_id: int = 0, limit: int = 100) -> QuerySet[Message]:
    """What the visitor sees: their messages and delivered replies in this chat, oldest first."""
    return (
        Message.objects.filter(
            ticket__channel=Channel.CHAT,
            ticket__thread_key=str(session.public_id),
            ticket__customer_id=session.customer_id,
            is_internal=False,
            pk__gt=after_id,
        )
        .filter(Q(direction=Message.Direction.INBOUND) | Q(delivery_status=Message.Delivery.SENT))
        .select_related("author")
        .order_by("pk")[:limit]
    )


def chat_attachment_token(session: ChatSession, attachment: Attachment) -> str:
    """The signed part of a visitor's download link for ``attachment`` in ``session``'s chat."""
    return signing.dumps([attachment.pk, str(session.public_id)], salt=CHAT_ATTACHMENT_SALT)


def chat_attachment_for_token(token: str) -> Attachment | None:
    """The file a visitor's link names, if the link is genuine, not expired, and the file is in
    a message of that chat the visitor can see (theirs, or a reply that was sent)."""
    try:
        attachment_id, public_id = signing.loads(
            token, salt=CHAT_ATTACHMENT_SALT, max_age=CHAT_ATTACHMENT_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Attachment.objects.filter(
            pk=attachment_id,
            message__ticket__channel=Channel.CHAT,
            message__ticket__thread_key=public_id,
            message__is_internal=False,
        )
        .filter(
            Q(message__direction=Message.Direction.INBOUND)
            | Q(message__delivery_status=Message.Delivery.SENT)
        )
        .first()
    )


def chat_session_for(site_key: str, token: str) -> ChatSession | None:
    return (
        ChatSession.objects.select_related("site", "customer")
        .filter(site__key=site_key, site__is_active=True, token_hash=ChatSession.hash(token))
        .first()
    )
