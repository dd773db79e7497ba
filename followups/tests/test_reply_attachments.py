"""A reply with files and Markdown reaches a real SMTP server (aiosmtpd) as text, HTML and attachments."""

import email
from email import policy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import composer
from tickets.models import Message
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_an_email_reply_carries_plain_text_html_and_the_files_as_mime_parts(
    settings, tmp_path, smtp_server, agent, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    ticket = TicketFactory(subject="Return label please")
    label = SimpleUploadedFile("label.pdf", b"%PDF-1.4 label", content_type="application/pdf")
    photo = SimpleUploadedFile("box.png", b"\x89PNG\r\n\x1a\nfake", content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        reply = composer.send_reply(
            ticket,
            text="Here is your **return label**. See [our policy](https://shop.example/returns).",
            author=agent,
            uploads=[label, photo],
        )
    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.SENT
    [envelope] = smtp_server.messages
    mail = email.message_from_bytes(envelope.content, policy=policy.default)
    assert mail.get_content_type() == "multipart/mixed"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Here is your return label. See our policy (https://shop.example/returns)." in plain
    assert "<strong>return label</strong>" in html and 'href="https://shop.example/returns"' in html
    files = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(files) == {"label.pdf", "box.png"}
    assert files["label.pdf"].get_content_type() == "application/pdf"
    assert files["label.pdf"].get_content() == b"%PDF-1.4 label"
    assert files["box.png"].get_content_type() == "image/png"
