"""The admin pages of the followups app render; templates validate placeholders and preview."""

import pytest
from django.core.exceptions import ValidationError

from followups.models import FollowUpTemplate
from followups.tests.factories import (
    FollowUpTemplateFactory,
    WebhookSourceFactory,
    WebhookSubscriptionFactory,
    WidgetSiteFactory,
)
from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    "model",
    [
        "widgetsite",
        "chatsession",
        "webhooksource",
        "webhooksubscription",
        "webhookdelivery",
        "followuptemplate",
        "followup",
        "csatresponse",
    ],
)
def test_every_changelist_renders(admin_client, model):
    assert admin_client.get(f"/admin/followups/{model}/").status_code == 200


def test_the_template_page_previews_with_sample_values(admin_client):
    template = FollowUpTemplateFactory(subject="Solved, {customer_name}?")
    page = admin_client.get(f"/admin/followups/followuptemplate/{template.pk}/change/")
    assert b"Solved, Ann Lee?" in page.content


def test_the_widget_site_page_shows_the_embed_snippet(admin_client):
    site = WidgetSiteFactory()
    page = admin_client.get(f"/admin/followups/widgetsite/{site.pk}/change/")
    assert f'data-key="{site.key}"'.encode() in page.content


def test_source_and_subscription_pages_render(admin_client):
    source, subscription = WebhookSourceFactory(), WebhookSubscriptionFactory()
    assert admin_client.get(f"/admin/followups/webhooksource/{source.pk}/change/").status_code == 200
    assert (
        admin_client.get(f"/admin/followups/webhooksubscription/{subscription.pk}/change/").status_code == 200
    )


def test_a_template_with_an_unknown_placeholder_or_without_the_link_is_refused():
    template = FollowUpTemplate(subject="Hi {nickname}", body="No link here")
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert set(error.value.message_dict) == {"subject", "body"}


def test_an_admin_sends_a_scheduled_followup_now(admin_client, django_capture_on_commit_callbacks):
    from django.core import mail

    from followups import actions
    from tickets.tests.factories import TicketFactory

    followup = actions.schedule_followup(TicketFactory(resolved=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/followups/followup/", {"action": "send_now", "_selected_action": [followup.pk]}
        )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == "sent" and len(mail.outbox) == 1
