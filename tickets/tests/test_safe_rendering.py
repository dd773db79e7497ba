"""Customer content cannot spy on agents or run in our origin (issue 14, findings 8 and 11)."""

import pytest
from django.core.files.base import ContentFile

from tickets.models import Attachment
from tickets.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db
PIXEL = '<p>Hello</p><img src="https://tracker.example/p.gif?u=42" alt="pixel">'


def test_remote_images_do_not_load_until_the_agent_asks(client, frontline_agent, team_ticket):
    MessageFactory(ticket=team_ticket, body="Hello", body_html=PIXEL)
    client.force_login(frontline_agent)
    page = client.get(f"/tickets/{team_ticket.pk}/")
    html = page.content.decode()
    assert "tracker.example" not in html
    assert "Load images" in html
    assert "img-src 'self' data:" in page["Content-Security-Policy"]

    loaded = client.get(f"/tickets/{team_ticket.pk}/?images=1")
    assert 'src="https://tracker.example/p.gif?u=42"' in loaded.content.decode()
    assert "https:" in loaded["Content-Security-Policy"].split("img-src")[1].split(";")[0]


def attach(ticket, name="label.pdf", content=b"%PDF-1.4 label"):
    message = MessageFactory(ticket=ticket)
    attachment = Attachment(message=message, filename=name, content_type="application/pdf", size=len(content))
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def test_an_agent_downloads_an_attachment_of_a_ticket_they_can_see(client, frontline_agent, team_ticket):
    attachment = attach(team_ticket)
    client.force_login(frontline_agent)
    page = client.get(f"/tickets/{team_ticket.pk}/").content.decode()
    url = f"/tickets/{team_ticket.pk}/attachments/{attachment.pk}/"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 label"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"


def test_an_attachment_of_another_teams_ticket_is_a_404(client, frontline_agent, team_ticket, other_ticket):
    foreign = attach(other_ticket, name="invoice.pdf")
    client.force_login(frontline_agent)
    assert client.get(f"/tickets/{other_ticket.pk}/attachments/{foreign.pk}/").status_code == 404
    # Nor through a ticket they can see, by guessing the id.
    assert client.get(f"/tickets/{team_ticket.pk}/attachments/{foreign.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, team_ticket):
    attachment = attach(team_ticket)
    response = client.get(f"/tickets/{team_ticket.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]
