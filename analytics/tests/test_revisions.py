"""Policy/SOP revisions: a new version, linked to the alert it answers, which it closes."""

import pytest
from django.urls import reverse

from analytics.models import PatternAlert
from analytics.queries.review import revision_diff
from analytics.tests.factories import PatternAlertFactory, PolicyVersionFactory
from helpdesk.errors import IllegalTransition, InvalidInput
from routing.models import PolicyVersion
from routing.policies import revise_policy

NEW_TEXT = (
    "Late parcels: apologise and share the tracking link.\nRefund shipping after 5 days.\nOffer a 10% code."
)


@pytest.mark.django_db
def test_a_revision_becomes_the_current_version_links_and_closes_its_alert(manager):
    first = PolicyVersionFactory()
    alert = PatternAlertFactory()

    version = revise_policy(first.policy, body=NEW_TEXT, author=manager, reason="3 late parcels", alert=alert)

    alert.refresh_from_db()
    assert (version.number, version.author, version.reason) == (2, manager, "3 late parcels")
    assert first.policy.current_version == version
    assert (alert.status, alert.revision, alert.closed_by) == (PatternAlert.Status.CLOSED, version, manager)
    assert alert.closed_at is not None


@pytest.mark.django_db
def test_the_diff_shows_removed_and_added_lines():
    first = PolicyVersionFactory()
    version = revise_policy(first.policy, body=NEW_TEXT, author=None, reason="faster refunds")

    diff = revision_diff(version)
    assert ("remove", "Refund shipping after 10 days.") in diff
    assert ("add", "Refund shipping after 5 days.") in diff
    assert ("add", "Offer a 10% code.") in diff
    assert ("context", "Late parcels: apologise and share the tracking link.") in diff


@pytest.mark.django_db
def test_an_unchanged_or_empty_text_is_refused_naming_the_field():
    first = PolicyVersionFactory()
    with pytest.raises(InvalidInput) as same:
        revise_policy(first.policy, body=first.body, author=None, reason="no change")
    with pytest.raises(InvalidInput) as empty:
        revise_policy(first.policy, body="  ", author=None, reason="empty")
    assert same.value.field == empty.value.field == "body"


@pytest.mark.django_db
def test_answering_a_closed_alert_fails_and_records_no_version():
    first = PolicyVersionFactory()
    alert = PatternAlertFactory(status=PatternAlert.Status.DISMISSED, closed_at=first.created_at)
    versions = PolicyVersion.objects.count()

    with pytest.raises(IllegalTransition):
        revise_policy(first.policy, body=NEW_TEXT, author=None, reason="late", alert=alert)
    assert PolicyVersion.objects.count() == versions


@pytest.mark.django_db
def test_the_review_page_records_a_revision_and_shows_its_diff(client, manager):
    first = PolicyVersionFactory()
    alert = PatternAlertFactory()
    client.force_login(manager)

    response = client.post(
        reverse("analytics:record-revision"),
        {"policy": first.policy.pk, "body": NEW_TEXT, "reason": "Pattern: late parcels", "alert": alert.pk},
    )
    version = PolicyVersion.objects.get(policy=first.policy, number=2)
    assert response.status_code == 302
    assert response.url == reverse("analytics:revision", args=[version.pk])

    page = client.get(response.url).content.decode()
    assert "+ Refund shipping after 5 days." in page
    assert "− Refund shipping after 10 days." in page
    assert alert.title in page
    alert.refresh_from_db()
    assert alert.status == PatternAlert.Status.CLOSED


@pytest.mark.django_db
def test_the_review_page_rerenders_the_form_with_the_error(client, manager):
    first = PolicyVersionFactory()
    client.force_login(manager)
    response = client.post(
        reverse("analytics:record-revision"),
        {"policy": first.policy.pk, "body": first.body, "reason": "same"},
    )
    assert response.status_code == 200
    assert "The text is the same as the current version." in response.content.decode()
