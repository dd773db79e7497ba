"""Email in and out, as pure code: RFC 822 bytes to ``InboundMessage``, a reply to an email.

No ORM here. Parsing uses the standard ``email`` package (``policy.default``) and tolerates
what real mail contains: RFC 2047 headers in any charset, raw 8-bit headers, wrong or missing
charsets, HTML-only bodies, attachments, auto-replies and bounce reports. Composing builds a
Django ``EmailMultiAlternatives`` (text + HTML) with threading headers.
"""

from __future__ import annotations

import email
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from django.core.mail import EmailMultiAlternatives

from helpdesk.errors import InvalidInput
from helpdesk.inputs import check_datetime, safe_filename
from tickets.intake import InboundAttachment, InboundMessage, Sender

# support+HD-42@shop.example: the ticket reference a reply address carries.
TICKET_ADDRESS = re.compile(r"\+HD-(\d+)@", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Placed above the quoted history of every outgoing email; everything below it in a reply is cut.
REPLY_MARKER = "##- Please type your reply above this line -##"
AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit|absence|"
    r"r[ée]ponse automatique|auto:|autoreply|vacation)",
    re.IGNORECASE,
)
BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.{0,200}\bwrote:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Am\b.{0,200}\bschrieb\b.{0,100}:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Le\b.{0,200}\ba écrit\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*El\b.{0,200}\bescribió:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}", re.I),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*From:\s.+$", re.IGNORECASE),
]


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    sender_email: str
    sender_name: str
    recipients: Sequence[str]
    subject: str
    text: str
    html: str
    references: Sequence[str]
    ticket_id: int | None
    date: datetime | None
    attachments: Sequence[InboundAttachment] = ()
    is_auto_reply: bool = False
    is_bounce: bool = False
    # For a bounce: the Message-ID of our message that could not be delivered.
    bounced_message_id: str = ""
    bounce_reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def _header(message: EmailMessage, name: str) -> str:
    """A header as clean text, whatever its encoding; never raises.

    RFC 2047 words in any charset are decoded by the email package. Raw 8-bit bytes (which
    ``policy.default`` turns into U+FFFD) are read from the raw header and decoded as UTF-8,
    falling back to Latin-1, which every byte sequence decodes as.
    """
    raw = next((value for key, value in message.raw_items() if key.lower() == name.lower()), None)
    if raw is None:
        return ""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        data = raw.encode("ascii", "surrogateescape")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        try:
            text = str(message.get(name, ""))
        except (ValueError, LookupError, IndexError, AttributeError):
            text = str(make_header(decode_header(raw)))
    return " ".join(_without_nul(text).split())


def _without_nul(text: str) -> str:
    # PostgreSQL text cannot hold NUL; in mail it is noise, and dropping it keeps the message.
    return text.replace("\x00", "")


def _message_ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def _decoded_payload(part: Any) -> bytes:
    # A non-multipart part's transfer-decoded bytes (empty when there are none).
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _part_text(part: EmailMessage) -> str:
    """A text part's content; a wrong or unknown charset degrades to replacement characters."""
    try:
        return _without_nul(part.get_content())
    except (LookupError, UnicodeDecodeError, AssertionError, KeyError):
        payload = _decoded_payload(part)
        try:
            return _without_nul(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
        except LookupError:
            return _without_nul(payload.decode("utf-8", errors="replace"))


def _is_auto_reply(message: EmailMessage, subject: str) -> bool:
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").lower() in {"auto_reply", "bulk", "junk", "list"}:
        return True
    return bool(AUTO_SUBJECT.search(subject))


def _bounce_details(message: EmailMessage, sender: str) -> tuple[bool, str, str]:
    """(is bounce, Message-ID of the original, reason) from a DSN or a mailer-daemon notice."""
    is_report = message.get_content_type() == "multipart/report" and (
        str(message.get_param("report-type", "")).lower() == "delivery-status"
    )
    if not is_report and not BOUNCE_SENDER.match(sender):
        return False, "", ""
    original, reason = "", ""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            blocks: list[Any] = list(part.get_payload()) if part.is_multipart() else []
            for block in blocks:
                status = block.get("Diagnostic-Code") or block.get("Status")
                if status:
                    reason = reason or " ".join(str(status).split())
        elif content_type in ("message/rfc822", "text/rfc822-headers") and not original:
            if content_type == "message/rfc822":
                inner: Any = next(iter(part.get_payload())) if part.is_multipart() else None
                original = _header(inner, "Message-ID") if inner is not None else ""
            else:
                original = _header(
                    email.message_from_string(_part_text(part), policy=policy.default), "Message-ID"
                )
    if not original:
        ids = _message_ids(_part_text(message) if not message.is_multipart() else "")
        original = ids[0] if ids else ""
    return True, original, reason[:500]


def _bodies(message: EmailMessage) -> tuple[str, str, list[InboundAttachment]]:
    text, html, attachments = "", "", []
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() in ("message/rfc822", "message/delivery-status"):
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        content_type = part.get_content_type()
        if disposition == "attachment" or (filename and content_type not in ("text/plain", "text/html")):
            payload = _decoded_payload(part)
            attachments.append(
                InboundAttachment(
                    filename=safe_filename(filename or ""),
                    content_type=_without_nul(content_type)[:100],
                    content=payload,
                )
            )
        elif content_type == "text/plain" and not text:
            text = _part_text(part)
        elif content_type == "text/html" and not html:
            html = _part_text(part)
    return text, html, attachments


def strip_quoted(text: str) -> str:
    """The new part of a reply: drop the quoted history, the marker and what follows it."""
    if REPLY_MARKER in text:
        text = text.split(REPLY_MARKER, 1)[0]
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        # Headers such as "On Tue, Ann wrote:" may wrap onto two lines.
        joined = " ".join(lines[index : index + 2])
        if any(p.match(line) for p in QUOTE_HEADERS) or (
            QUOTE_HEADERS[0].match(joined) and not line.startswith(">")
        ):
            break
        kept.append(line)
    while kept and (kept[-1].startswith(">") or not kept[-1].strip()):
        kept.pop()
    body = "\n".join(line for line in kept if not line.startswith(">"))
    return body.strip() or text.strip()


def strip_quoted_html(html: str) -> str:
    """Cut Gmail/Outlook quote containers and our marker from an HTML reply."""
    for marker in (
        REPLY_MARKER,
        '<div class="gmail_quote',
        "<blockquote",
        '<div id="appendonsend"',
        '<div id="divRplyFwdMsg"',
    ):
        position = html.find(marker)
        if position > 0:
            html = html[:position]
    return html


def ticket_id_from_addresses(addresses: Sequence[str]) -> int | None:
    for address in addresses:
        match = TICKET_ADDRESS.search(address)
        if match:
            return int(match.group(1))
    return None


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one RFC 822 message. Never raises on odd encodings; raises ``ValueError`` on empty input."""
    if not raw or not raw.strip():
        raise ValueError("The message is empty.")
    message = email.message_from_bytes(raw, policy=policy.default)
    sender_name, sender_email = parseaddr(_header(message, "Reply-To") or _header(message, "From"))
    from_address = parseaddr(_header(message, "From"))[1]
    recipients = [
        address
        for _, address in getaddresses(
            [_header(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")]
        )
        if address
    ]
    subject = _header(message, "Subject")
    references = list(
        dict.fromkeys(
            _message_ids(_header(message, "In-Reply-To"))
            + list(reversed(_message_ids(_header(message, "References"))))
        )
    )
    text, html, attachments = _bodies(message)
    is_bounce, bounced, reason = _bounce_details(message, from_address)
    try:
        date = parsedate_to_datetime(_header(message, "Date")) if _header(message, "Date") else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None
    try:
        check_datetime(date, field="date")
    except InvalidInput:
        date = None  # an impossible Date header is a broken clock: the message counts as received now
    message_ids = _message_ids(_header(message, "Message-ID"))
    return ParsedEmail(
        message_id=message_ids[0] if message_ids else "",
        sender_email=sender_email.strip().lower(),
        sender_name=sender_name.strip(),
        recipients=recipients,
        subject=subject,
        text=strip_quoted(text) if text else "",
        html=strip_quoted_html(html) if html else "",
        references=references,
        ticket_id=ticket_id_from_addresses(recipients),
        date=date,
        attachments=attachments,
        is_auto_reply=not is_bounce and _is_auto_reply(message, subject),
        is_bounce=is_bounce,
        bounced_message_id=bounced,
        bounce_reason=reason,
        headers={"from": from_address.lower(), "auto_submitted": _header(message, "Auto-Submitted")},
    )


def to_inbound(parsed: ParsedEmail) -> InboundMessage:
    """The intake message for a parsed customer email (not for auto-replies or bounces)."""
    return InboundMessage(
        channel="email",
        sender=Sender(email=parsed.sender_email, name=parsed.sender_name),
        subject=parsed.subject,
        body=parsed.text,
        body_html=parsed.html if not parsed.text else "",
        external_id=parsed.message_id,
        received_at=parsed.date,
        references=tuple(parsed.references),
        ticket_id=parsed.ticket_id,
        attachments=tuple(parsed.attachments),
        metadata={"email": {"message_id": parsed.message_id, "from": parsed.headers.get("from", "")}},
    )


def reply_address(*, mailbox: str, domain: str, ticket_reference: str) -> str:
    """support@shop.example + HD-42 -> support+HD-42@shop.example (the reply maps back to the ticket)."""
    local = mailbox.split("@", 1)[0].split("+", 1)[0]
    return f"{local}+{ticket_reference}@{domain}"


def message_id_for(*, message_pk: int, ticket_pk: int, domain: str) -> str:
    """Deterministic, so a retried send carries the same id and the recipient can dedupe."""
    return f"<handoff.{ticket_pk}.{message_pk}@{domain}>"


def compose_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    store_name: str,
    from_address: str,
    reply_to: str,
    message_id: str,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    automatic: bool = False,
) -> EmailMultiAlternatives:
    """A text + HTML email with threading headers; ``automatic`` marks follow-ups (RFC 3834)."""
    headers = {
        "Message-ID": message_id,
        # Asks Exchange and friends not to answer with out-of-office mails (loop prevention).
        "X-Auto-Response-Suppress": "All",
    }
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = " ".join(references)
    if automatic:
        headers["Auto-Submitted"] = "auto-generated"
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((store_name, from_address)),
        to=[to],
        reply_to=[formataddr((store_name, reply_to))],
        headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    return mail
