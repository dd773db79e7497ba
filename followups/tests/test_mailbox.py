"""The IMAP poller against a small IMAP4rev1 server on loopback (the commands imaplib sends)."""

import socketserver
import threading

import pytest

from followups import jobs
from followups.tests.factories import raw_email
from tickets.models import Ticket


class Mailbox:
    def __init__(self, messages: dict[int, bytes]) -> None:
        self.messages = messages
        self.seen: set[int] = set()


def imap_handler(mailbox: Mailbox):
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, *lines: bytes) -> None:
            self.wfile.write(b"".join(line + b"\r\n" for line in lines))

        def handle(self) -> None:
            self.reply(b"* OK IMAP4rev1 loopback ready")
            while line := self.rfile.readline():
                tag, _, command = line.strip().partition(b" ")
                verb = command.split(b" ", 2)
                name = verb[0].upper()
                if name == b"CAPABILITY":
                    self.reply(b"* CAPABILITY IMAP4rev1", tag + b" OK done")
                elif name in (b"LOGIN", b"NOOP"):
                    self.reply(tag + b" OK logged in")
                elif name == b"SELECT":
                    self.reply(f"* {len(mailbox.messages)} EXISTS".encode(), tag + b" OK [READ-WRITE] done")
                elif name == b"UID" and verb[1].upper() == b"SEARCH":
                    unseen = b" ".join(
                        str(uid).encode() for uid in mailbox.messages if uid not in mailbox.seen
                    )
                    self.reply(b"* SEARCH " + unseen, tag + b" OK done")
                elif name == b"UID" and verb[1].upper() == b"FETCH":
                    uid = int(verb[2].split(b" ")[0])
                    body = mailbox.messages[uid]
                    self.wfile.write(
                        f"* {uid} FETCH (UID {uid} BODY[] {{{len(body)}}}\r\n".encode() + body + b")\r\n"
                    )
                    self.reply(tag + b" OK done")
                elif name == b"UID" and verb[1].upper() == b"STORE":
                    uid = int(verb[2].split(b" ")[0])
                    mailbox.seen.add(uid)
                    self.reply(f"* {uid} FETCH (FLAGS (\\Seen))".encode(), tag + b" OK done")
                elif name == b"LOGOUT":
                    self.reply(b"* BYE", tag + b" OK bye")
                    return
                else:
                    self.reply(tag + b" BAD unknown")

    return Handler


@pytest.fixture
def imap_server(settings):
    mailbox = Mailbox(
        {1: raw_email("plain.eml"), 2: raw_email("auto_reply.eml"), 3: raw_email("html_only.eml")}
    )
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), imap_handler(mailbox))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.IMAP_HOST, settings.IMAP_PORT = "127.0.0.1", server.server_address[1]
    settings.IMAP_USE_SSL, settings.IMAP_USER, settings.IMAP_PASSWORD = False, "support", "secret"
    yield mailbox
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_polling_turns_unseen_mail_into_tickets_and_marks_it_seen(imap_server):
    assert jobs.poll_mailbox() == 3
    assert imap_server.seen == {1, 2, 3}
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Broken mug", "Where is my parcel?"]
    assert jobs.poll_mailbox() == 0


@pytest.mark.django_db
def test_without_an_imap_host_polling_does_nothing(settings):
    settings.IMAP_HOST = ""
    assert jobs.poll_mailbox() == 0
