"""Polling an IMAP mailbox with the standard library's imaplib (settings IMAP_*).

A message is flagged \\Seen only after it was handled, so a crash means it is fetched again;
intake is idempotent on the Message-ID, so that is harmless.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
from collections.abc import Callable

from django.conf import settings

from helpdesk.errors import HelpdeskError

logger = logging.getLogger(__name__)

MAX_PER_POLL = 100


def _connect() -> imaplib.IMAP4:
    if settings.IMAP_USE_SSL:
        return imaplib.IMAP4_SSL(settings.IMAP_HOST, settings.IMAP_PORT, timeout=30)
    return imaplib.IMAP4(settings.IMAP_HOST, settings.IMAP_PORT, timeout=30)


def poll(*, handle: Callable[[bytes], object]) -> int:
    """Hand every unseen message (up to 100 per run) to ``handle``; return how many were handled."""
    if not settings.IMAP_HOST:
        return 0
    handled = 0
    client = _connect()
    try:
        client.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
        client.select(settings.IMAP_FOLDER)
        _, data = client.uid("SEARCH", "UNSEEN")
        uids = [uid.decode() for uid in (data[0] or b"").split()[:MAX_PER_POLL]]
        for uid in uids:
            _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
            if raw is None:
                continue
            try:
                handle(raw)
            except HelpdeskError as exc:
                # Unparseable mail would come back forever: mark it seen and log it.
                logger.warning("IMAP message %s refused: %s", uid, exc.message)
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            handled += 1
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return handled
