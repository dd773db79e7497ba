"""Parsing the raw-message fixture set (tickets.channels.email): pure code, no database."""

from followups.tests.factories import raw_email
from tickets.channels import email as email_channel


def test_a_plain_message_gives_sender_subject_body_and_message_id():
    parsed = email_channel.parse_email(raw_email("plain.eml"))
    assert (parsed.sender_email, parsed.sender_name) == ("ann@example.org", "Ann Lee")
    assert parsed.subject == "Where is my parcel?"
    assert parsed.message_id == "<plain-1@mail.example.org>"
    assert "order 10001 has not arrived" in parsed.text
    assert not parsed.is_auto_reply and not parsed.is_bounce


def test_an_html_only_message_keeps_the_html_for_intake_to_sanitise():
    parsed = email_channel.parse_email(raw_email("html_only.eml"))
    assert parsed.text == ""
    assert "<b>broken</b>" in parsed.html
    inbound = email_channel.to_inbound(parsed)
    assert inbound.body_html == parsed.html


def test_a_multipart_message_yields_its_text_and_the_attachment_bytes():
    parsed = email_channel.parse_email(raw_email("multipart_attachment.eml"))
    assert parsed.text.startswith("Hi, the box was crushed.")
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content_type) == ("box.png", "image/png")
    assert attachment.content.startswith(b"\x89PNG") and len(attachment.content) == 8 + 1024


def test_a_reply_loses_its_quoted_history_and_carries_its_ticket_and_references():
    raw = raw_email("reply_quoted.eml", ticket_id="42", in_reply_to="<handoff.42.7@example.com>")
    parsed = email_channel.parse_email(raw)
    assert parsed.text == "Thanks, it arrived today!"
    assert parsed.ticket_id == 42
    assert parsed.references[0] == "<handoff.42.7@example.com>"
    assert "<plain-1@mail.example.org>" in parsed.references


def test_an_out_of_office_reply_is_recognised_as_automatic():
    parsed = email_channel.parse_email(raw_email("auto_reply.eml"))
    assert parsed.is_auto_reply and not parsed.is_bounce


def test_a_bounce_report_names_the_original_message_and_the_reason():
    parsed = email_channel.parse_email(raw_email("bounce.eml", bounced_id="<handoff.5.9@example.com>"))
    assert parsed.is_bounce
    assert parsed.bounced_message_id == "<handoff.5.9@example.com>"
    assert "550 5.1.1" in parsed.bounce_reason


def test_non_utf8_headers_decode_whether_encoded_words_or_raw_latin1_bytes():
    parsed = email_channel.parse_email(raw_email("non_utf8_headers.eml"))
    assert parsed.sender_name == "Jürgen Müller"
    assert parsed.subject == "Rücksendung für Bestellung 10002"
    assert parsed.text == "Ich möchte die Bestellung zurücksenden. Grüße"


def test_quoted_history_markers_of_common_clients_are_cut():
    outlook = "Yes please.\n\n-----Original Message-----\nFrom: Support\nSent: Monday"
    german = "Danke!\n\nAm 20.11.2026 um 10:00 schrieb Support <s@example.com>:\n> alt"
    marker = f"New text\n{email_channel.REPLY_MARKER}\nold"
    assert email_channel.strip_quoted(outlook) == "Yes please."
    assert email_channel.strip_quoted(german) == "Danke!"
    assert email_channel.strip_quoted(marker) == "New text"


def test_a_reply_address_carries_the_ticket_reference_and_parses_back():
    address = email_channel.reply_address(
        mailbox="support@shop.example", domain="shop.example", ticket_reference="HD-42"
    )
    assert address == "support+HD-42@shop.example"
    assert email_channel.ticket_id_from_addresses([address]) == 42
