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


def test_a_chat_visitor_gets_a_signed_download_link_for_a_file_the_agent_sent(
    settings, tmp_path, agent, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from django.test import Client
    from rest_framework.test import APIClient

    from followups.tests.factories import WidgetSiteFactory
    from tickets.models import Ticket

    settings.MEDIA_ROOT = tmp_path
    site = WidgetSiteFactory()
    headers = {"Origin": "https://shop.example.com"}
    api = APIClient()
    token = api.post(
        f"/api/v1/widget/{site.key}/sessions/", {"email": "ann@example.org"}, format="json", headers=headers
    ).json()["token"]
    headers["X-Chat-Token"] = token
    api.post(
        f"/api/v1/widget/{site.key}/messages/",
        {"body": "Can I have the invoice?", "client_id": "c1"},
        format="json",
        headers=headers,
    )
    ticket = Ticket.objects.get()
    invoice = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        composer.send_reply(ticket, text="Here it is.", author=agent, uploads=[invoice])
    with django_assert_max_num_queries(4):  # site, session, thread, files: not one per message
        polled = api.get(f"/api/v1/widget/{site.key}/messages/", headers=headers).json()
    [file] = polled[-1]["attachments"]
    assert file["filename"] == "invoice.pdf" and file["size"] == 16
    browser = Client()  # a plain link click: no chat token, no Origin header
    download = browser.get(file["url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 invoice"
    assert browser.get(file["url"].replace("/attachments/", "/attachments/x")).status_code == 404
