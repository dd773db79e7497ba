"""The composer: macros that act, tags, Markdown replies, attachments, presence and collisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from helpdesk.errors import InvalidInput, NotAllowed
from tickets import composer, macros, presence, tagging
from tickets.models import Attachment, Macro, Message, Ticket, TicketEvent, TicketPresence
from tickets.tests.factories import MessageFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def refuse_eicar(upload) -> str | None:
    """The test scanner: refuses files carrying the EICAR test marker."""
    return "EICAR test signature found" if b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in upload.read() else None


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_SCANNER = "tickets.tests.test_composer.refuse_eicar"


@pytest.fixture
def waiting_macro(org):
    return Macro.objects.create(
        name="Waiting on carrier",
        body="Hi {customer_first_name}, we asked the carrier about {ticket_reference}.",
        set_status=Ticket.Status.PENDING,
        set_priority=Ticket.Priority.HIGH,
        add_tags=["carrier-trace"],
        remove_tags=["new"],
        followup_hours=24,
    )


def pdf(name="label.pdf", size=2000, content=None):
    return SimpleUploadedFile(name, content or b"%PDF-1.4 " + b"x" * size, content_type="application/pdf")


# --- macros ------------------------------------------------------------------------------------


def test_preview_lists_every_change_and_writes_nothing(frontline_agent, team_ticket, waiting_macro):
    team_ticket.tags = ["new"]
    team_ticket.save(update_fields=["tags"])
    preview = macros.preview_macro(waiting_macro, team_ticket, actor=frontline_agent)
    assert preview.changes == [
        "Status: Open → Pending customer",
        "Priority: Normal → High",
        "Add tag carrier-trace",
        "Remove tag new",
        "Back to open in 24 h if the customer has not answered by then",
    ]
    assert f"about HD-{team_ticket.pk}." in preview.text and not preview.problems
    assert not TicketEvent.objects.filter(ticket=team_ticket, kind=TicketEvent.Kind.MACRO_APPLIED).exists()


def test_preview_endpoint_shows_the_changes_in_the_composer(
    client, frontline_agent, team_ticket, waiting_macro
):
    client.force_login(frontline_agent)
    response = client.get(reverse("tickets:macro-preview", args=[team_ticket.pk, waiting_macro.pk]), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="composer"' in body and 'hx-swap-oob="true"' in body
    assert "Priority: Normal → High" in body and "Apply macro" in body


def test_applying_a_macro_changes_the_ticket_records_events_and_fills_the_reply(
    client, frontline_agent, team_ticket, waiting_macro, django_capture_on_commit_callbacks
):
    team_ticket.tags = ["new", "vip"]
    team_ticket.save(update_fields=["tags"])
    client.force_login(frontline_agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:macro-apply", args=[team_ticket.pk, waiting_macro.pk]), **HTMX
        )
    assert response.status_code == 200
    team_ticket.refresh_from_db()
    assert team_ticket.status == Ticket.Status.PENDING and team_ticket.priority == Ticket.Priority.HIGH
    assert team_ticket.tags == ["vip", "carrier-trace"]
    kinds = list(team_ticket.events.values_list("kind", flat=True))
    for kind in ("priority_changed", "status_changed", "tags_edited", "macro_applied"):
        assert kind in kinds
    applied = team_ticket.events.get(kind=TicketEvent.Kind.MACRO_APPLIED)
    assert applied.actor == frontline_agent and applied.data["macro_name"] == "Waiting on carrier"
    assert "we asked the carrier about" in response.content.decode().split('id="reply-body"')[1]
    from django_q.models import Schedule

    assert Schedule.objects.filter(func="tickets.macros.follow_up").count() == 1


def test_an_agent_may_not_apply_a_macro_that_assigns_someone_else_and_nothing_changes(
    client, frontline_agent, senior_agent, team_ticket
):
    macro = Macro.objects.create(
        name="To Sam", body="Passing you on.", add_tags=["handover"], assign_agent=senior_agent
    )
    preview = macros.preview_macro(macro, team_ticket, actor=frontline_agent)
    assert preview.problems == ["Only senior agents, managers and admins assign tickets to others."]
    with pytest.raises(NotAllowed):
        macros.apply_macro(macro, team_ticket, actor=frontline_agent)
    client.force_login(frontline_agent)
    response = client.post(reverse("tickets:macro-apply", args=[team_ticket.pk, macro.pk]), **HTMX)
    assert response.status_code == 403
    team_ticket.refresh_from_db()
    assert team_ticket.assignee is None and team_ticket.tags == []
    assert not team_ticket.events.filter(kind=TicketEvent.Kind.MACRO_APPLIED).exists()


def test_a_macro_moves_the_ticket_to_a_tier(senior_agent, team_ticket, org):
    macro = Macro.objects.create(
        name="Specialists", body="A specialist will help.", assign_tier=org["specialist"]
    )
    ticket, _ = macros.apply_macro(macro, team_ticket, actor=senior_agent)
    assert ticket.tier == org["specialist"] and ticket.team == org["other_team"]
    assert ticket.events.filter(kind=TicketEvent.Kind.ESCALATED).exists()


def test_the_macro_follow_up_reopens_an_unanswered_ticket_once(frontline_agent, team_ticket, waiting_macro):
    ticket, _ = macros.apply_macro(waiting_macro, team_ticket, actor=frontline_agent)
    event = ticket.events.get(kind=TicketEvent.Kind.MACRO_APPLIED)
    macros.follow_up(ticket.pk, event.pk)
    macros.follow_up(ticket.pk, event.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.events.filter(kind=TicketEvent.Kind.MACRO_FOLLOWUP_DUE).count() == 1


def test_the_macro_follow_up_leaves_a_ticket_the_customer_answered(
    frontline_agent, team_ticket, waiting_macro
):
    ticket, _ = macros.apply_macro(waiting_macro, team_ticket, actor=frontline_agent)
    event = ticket.events.get(kind=TicketEvent.Kind.MACRO_APPLIED)
    MessageFactory(ticket=ticket, created_at=timezone.now() + timedelta(seconds=1))
    macros.follow_up(ticket.pk, event.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.PENDING


def test_managers_create_macros_in_the_inbox_and_agents_may_not(client, frontline_agent, manager, org):
    client.force_login(frontline_agent)
    assert client.get(reverse("tickets:macro-new")).status_code == 403
    assert client.get(reverse("tickets:macros")).status_code == 200
    client.force_login(manager)
    response = client.post(
        reverse("tickets:macro-new"),
        {"name": "Refund done", "body": "Refunded.", "set_status": "pending", "add_tags": "Refund Done, vip"},
    )
    assert response.status_code == 302
    macro = Macro.objects.get(name="Refund done")
    assert (
        macro.add_tags == ["refund-done", "vip"]
        and macro.set_status == "pending"
        and macro.is_active is False
    )
    response = client.post(
        reverse("tickets:macro-edit", args=[macro.pk]),
        {"name": "Refund done", "body": "Refunded.", "add_tags": "x", "remove_tags": "x", "is_active": "on"},
    )
    assert (
        response.status_code == 200 and "A tag cannot be both added and removed." in response.content.decode()
    )


# --- tags ----------------------------------------------------------------------------------------


def test_tag_editor_adds_and_removes_with_one_event_each(client, frontline_agent, team_ticket):
    client.force_login(frontline_agent)
    url = reverse("tickets:tags", args=[team_ticket.pk])
    client.post(url, {"add": "Damaged box, refund"}, **HTMX)
    client.post(url, {"remove": "refund"}, **HTMX)
    team_ticket.refresh_from_db()
    assert team_ticket.tags == ["damaged-box"]
    edits = list(team_ticket.events.filter(kind=TicketEvent.Kind.TAGS_EDITED).values_list("data", flat=True))
    assert [e["added"] for e in edits] == [["damaged-box", "refund"], []]
    assert [e["removed"] for e in edits] == [[], ["refund"]]


def test_a_bad_tag_is_refused_by_name(frontline_agent, team_ticket):
    with pytest.raises(InvalidInput, match="“<b>” is not a valid tag"):
        tagging.edit_ticket_tags(team_ticket, add=["<b>"], actor=frontline_agent)


# --- rich text -----------------------------------------------------------------------------------


def test_markdown_becomes_safe_html_and_readable_plain_text():
    text = (
        "**Good news**, it *shipped*.\n\n- tracking: [DHL](https://dhl.example/1)\n- box 2\n\n"
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3))'
    )
    html = composer.render_markdown(text)
    assert "<strong>Good news</strong>" in html and "<em>shipped</em>" in html
    assert (
        "<ul>" in html
        and '<a href="https://dhl.example/1" rel="noopener noreferrer nofollow">DHL</a>' in html
    )
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # typed HTML is shown as text
    plain = composer.plain_text(text)
    assert plain.startswith("Good news, it shipped.") and "- tracking: DHL (https://dhl.example/1)" in plain


def test_a_sent_reply_stores_sanitised_html_and_the_page_never_runs_it(client, frontline_agent, team_ticket):
    client.force_login(frontline_agent)
    client.post(
        reverse("tickets:reply", args=[team_ticket.pk]),
        {"body": "Hello **Ann** <script>alert('x')</script>", "last_seen": 0},
        **HTMX,
    )
    reply = Message.objects.get(ticket=team_ticket, direction="outbound")
    assert "<strong>Ann</strong>" in reply.body_html and "<script" not in reply.body_html
    assert reply.body == "Hello Ann <script>alert('x')</script>"
    page = client.get(reverse("tickets:detail", args=[team_ticket.pk])).content.decode()
    assert "<script>alert('x')</script>" not in page


# --- attachments ---------------------------------------------------------------------------------


def post_reply(client, ticket, files, **extra):
    return client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "See attached.", "attachments": files, **extra},
        **HTMX,
    )


def test_an_attachment_is_stored_on_the_reply_and_downloadable(client, frontline_agent, team_ticket):
    client.force_login(frontline_agent)
    response = post_reply(client, team_ticket, [pdf("return label.pdf")])
    assert response.status_code == 200 and "Reply sent." in response.content.decode()
    [attachment] = Attachment.objects.filter(message__ticket=team_ticket)
    assert attachment.filename == "return_label.pdf" and attachment.content_type == "application/pdf"
    assert attachment.message.direction == "outbound" and attachment.size == 2009
    page = client.get(reverse("tickets:detail", args=[team_ticket.pk])).content.decode()
    link = reverse("tickets:attachment", args=[team_ticket.pk, attachment.pk])
    assert f'href="{link}"' in page
    download = client.get(link)
    assert b"".join(download.streaming_content).startswith(b"%PDF-1.4")


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (lambda: pdf("huge.pdf", size=3000), "huge.pdf is 2.9\xa0KB; the limit is 2.0\xa0KB."),
        (
            lambda: SimpleUploadedFile("run.exe", b"MZ", content_type="application/x-msdownload"),
            "run.exe is of type application/x-msdownload, which cannot be sent",
        ),
        (
            lambda: SimpleUploadedFile("invoice.html", b"<script>", content_type="application/pdf"),
            "invoice.html is of type text/html, which cannot be sent",
        ),
        (
            lambda: SimpleUploadedFile("notes.txt", EICAR, content_type="text/plain"),
            "notes.txt was refused by the virus check: EICAR test signature found",
        ),
    ],
    ids=["too-big", "type", "type-by-name", "virus"],
)
def test_a_refused_attachment_names_the_file_and_nothing_is_sent(
    client, settings, frontline_agent, team_ticket, upload, error
):
    settings.REPLY_ATTACHMENT_MAX_BYTES = 2048
    client.force_login(frontline_agent)
    response = post_reply(client, team_ticket, [upload()])
    assert error in response.content.decode()
    assert not Message.objects.filter(ticket=team_ticket, direction="outbound").exists()
    assert not Attachment.objects.exists()


# --- collisions and presence --------------------------------------------------------------------


def test_a_stale_send_is_refused_with_409_and_the_newer_reply_then_sent_anyway(
    client, frontline_agent, senior_agent, team_ticket
):
    seen = team_ticket.messages.latest("id").pk
    composer.send_reply(team_ticket, text="Sam here: it ships today.", author=senior_agent)
    client.force_login(frontline_agent)
    url = reverse("tickets:reply", args=[team_ticket.pk])
    response = client.post(url, {"body": "Fran: it ships tomorrow.", "last_seen": seen}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 409
    assert (
        "Another reply was sent since you opened this ticket" in body and "Sam here: it ships today." in body
    )
    assert "Fran: it ships tomorrow." in body and 'name="send_anyway" value="1"' in body
    assert team_ticket.messages.filter(direction="outbound").count() == 1

    client.post(url, {"body": "Fran: it ships tomorrow.", "last_seen": seen, "send_anyway": "1"}, **HTMX)
    assert team_ticket.messages.filter(direction="outbound").count() == 2
    override = team_ticket.events.get(kind=TicketEvent.Kind.REPLY_COLLISION_OVERRIDDEN)
    assert override.actor == frontline_agent and len(override.data["newer_message_ids"]) == 1


def test_my_own_earlier_reply_and_internal_notes_are_no_collision(frontline_agent, senior_agent, team_ticket):
    seen = team_ticket.messages.latest("id").pk
    composer.send_reply(team_ticket, text="First part.", author=frontline_agent)
    MessageFactory(ticket=team_ticket, direction="outbound", author=senior_agent, is_internal=True)
    composer.send_reply(team_ticket, text="Second part.", author=frontline_agent, last_seen_id=seen)


def test_heartbeat_is_one_upsert_and_others_see_viewing_then_typing_until_it_expires(
    client, frontline_agent, team_ticket, org, django_assert_num_queries
):
    from routing.models import AgentProfile

    colleague = UserFactory(username="kim", first_name="Kim", roles=["agent"])
    AgentProfile.objects.create(user=colleague, team=org["frontline"], tier=org["general"])
    presence.beat(team_ticket.pk, frontline_agent, typing=False)
    with django_assert_num_queries(1):
        presence.beat(team_ticket.pk, frontline_agent, typing=True)
    assert TicketPresence.objects.count() == 1
    assert [str(p) for p in presence.others_on([team_ticket.pk], colleague)[team_ticket.pk]] == [
        "Fran is typing"
    ]
    client.force_login(colleague)
    answer = client.post(reverse("tickets:presence", args=[team_ticket.pk]), {"typing": "0"}, **HTMX)
    assert "Fran is typing" in answer.content.decode()
    TicketPresence.objects.filter(user=frontline_agent).update(seen_at=timezone.now() - timedelta(seconds=31))
    assert presence.others_on([team_ticket.pk], colleague) == {}
    TicketPresence.objects.filter(user=frontline_agent).update(seen_at=timezone.now() - timedelta(hours=2))
    assert presence.purge_stale() == 1 and TicketPresence.objects.filter(user=colleague).exists()


def test_the_inbox_presence_list_answers_only_for_visible_tickets(
    client, frontline_agent, senior_agent, team_ticket, other_ticket
):
    viewer = UserFactory(username="kim", first_name="Kim", roles=["agent"])
    presence.beat(team_ticket.pk, viewer, typing=False)
    presence.beat(other_ticket.pk, viewer, typing=True)
    client.force_login(frontline_agent)
    answer = client.get(reverse("tickets:presence-list"), {"ids": f"{team_ticket.pk},{other_ticket.pk},x"})
    assert answer.json() == {str(team_ticket.pk): ["Kim is viewing"]}
    inbox = client.get(reverse("tickets:inbox")).content.decode()
    assert f'data-presence-ticket="{team_ticket.pk}"' in inbox
