"""Reads of the followups app: CSAT on the ticket page, the chat thread for the widget."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from followups.models import ChatSession, CsatResponse
from tickets.models import Channel, Message, Ticket


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


def chat_session_for(site_key: str, token: str) -> ChatSession | None:
    return (
        ChatSession.objects.select_related("site", "customer")
        .filter(site__key=site_key, site__is_active=True, token_hash=ChatSession.hash(token))
        .first()
    )
