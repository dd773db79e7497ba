"""The chat widget's messages as intake messages (pure code)."""

from __future__ import annotations

from tickets.intake import InboundMessage, Sender


def to_inbound(
    *, session_id: str, site_name: str, visitor_name: str, visitor_email: str, body: str, client_id: str
) -> InboundMessage:
    """One visitor message; the session id is the conversation key, the client id makes retries idempotent."""
    return InboundMessage(
        channel="chat",
        sender=Sender(email=visitor_email, name=visitor_name),
        body=body,
        subject=f"Chat on {site_name}",
        external_id=f"chat:{session_id}:{client_id}",
        thread_key=session_id,
        metadata={"site": site_name},
    )
