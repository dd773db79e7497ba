"""Sending an agent's reply from the composer: Markdown to safe HTML, attachments, collisions.

``send_reply`` is the one action behind the composer's "Send reply": it refuses a reply written
against a stale view of the thread (another public reply went out after the last message the
agent saw) unless the agent chose "send anyway", checks the attached files before anything is
written, renders the Markdown to sanitised HTML (the plain-text part is the Markdown made
readable), and stores the files on the outbound message in the same transaction, so delivery,
which runs after commit, always finds them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from markdown_it import MarkdownIt

from helpdesk.errors import HelpdeskError
from tickets import actions, attachments, events, permissions
from tickets.intake import sanitize_html
from tickets.models import Message, Ticket, TicketEvent

# CommonMark without raw HTML (typed tags are shown as text); single newlines stay line breaks,
# as agents expect from a plain textarea. Tables, images and the rest are not enabled.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(["image", "html_block"])

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


class ReplyCollision(HelpdeskError):
    """Another reply was sent since you opened this ticket."""

    code = "reply_collision"
    status = 409

    def __init__(self, newer: list[Message]):
        super().__init__("Another reply was sent since you opened this ticket.")
        self.newer = newer


def render_markdown(text: str) -> str:
    """The reply's Markdown as sanitised HTML (bold, italic, lists, links; nothing executable)."""
    return sanitize_html(_MARKDOWN.render(text))


def plain_text(text: str) -> str:
    """The plain-text part of an email: the Markdown with emphasis marks dropped and links spelled out."""
    text = _LINK.sub(
        lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text
    )
    return _EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)


def newer_replies(ticket: Ticket, *, last_seen_id: int | None, author: AbstractBaseUser) -> list[Message]:
    """Public replies by someone else (or the AI) stored after message ``last_seen_id``."""
    if last_seen_id is None:
        return []
    return list(
        ticket.messages.filter(
            pk__gt=last_seen_id, direction=Message.Direction.OUTBOUND, is_internal=False, is_auto=False
        )
        .exclude(author_id=author.pk)
        .select_related("author")
        .order_by("created_at", "id")
    )


@transaction.atomic
def send_reply(
    ticket: Ticket,
    *,
    text: str,
    author: AbstractBaseUser,
    last_seen_id: int | None = None,
    send_anyway: bool = False,
    uploads: Sequence[UploadedFile] = (),
    commits_amount: Decimal | None = None,
    draft_similarity: float | None = None,
) -> Message:
    """Send ``text`` (Markdown) with ``uploads`` as a reply on ``ticket``'s channel.

    Raises ``ReplyCollision`` (409) when a reply by someone else went out after ``last_seen_id``
    and ``send_anyway`` is false; ``InvalidInput`` naming the file for an attachment that is too
    big, of a type not allowed, or refused by the virus check; and whatever ``reply_to_ticket``
    raises (closed ticket, permission, approval). Sending anyway is recorded.
    """
    permissions.check_support_staff(author, "reply to customers")
    attachments.check_uploads(uploads)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    newer = newer_replies(ticket, last_seen_id=last_seen_id, author=author)
    if newer and not send_anyway:
        raise ReplyCollision(newer)
    message = actions.reply_to_ticket(
        ticket,
        body=plain_text(text),
        body_html=render_markdown(text),
        author=author,
        commits_amount=commits_amount,
        draft_similarity=draft_similarity,
    )
    if uploads:
        attachments.store_attachments(message, uploads)
    if newer:
        events.record(
            ticket,
            TicketEvent.Kind.REPLY_COLLISION_OVERRIDDEN,
            actor=author,
            data={"message_id": message.pk, "newer_message_ids": [m.pk for m in newer]},
        )
    return message


def composer_facts(thread: Sequence[Message]) -> dict:
    """What the composer template needs besides the ticket: the newest message it shows (sent
    back as ``last_seen``) and the attachment rules it states."""
    return {
        "last_seen_id": max((m.pk for m in thread), default=0),
        "attachment_max_bytes": settings.REPLY_ATTACHMENT_MAX_BYTES,
        "attachment_max_files": settings.REPLY_ATTACHMENT_MAX_FILES,
        "attachment_types": ",".join(settings.REPLY_ATTACHMENT_TYPES),
    }
