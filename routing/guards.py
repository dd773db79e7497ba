"""Guardrails asked before an outbound reply leaves (settings.REPLY_POLICY).

The routing work adds approval gates and the AI guardrails here; until a rule applies,
replies by people are sent.
"""

from tickets.actions import OutboundReply, ReplyDecision


def check_reply(reply: OutboundReply) -> str:
    """Return ``ReplyDecision.SEND`` or ``ReplyDecision.HOLD``; raise ``NotAllowed`` to refuse."""
    return ReplyDecision.SEND
