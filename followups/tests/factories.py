"""Factories for the followups app, and the raw email fixtures in data/."""

from pathlib import Path

import factory
from django.utils import timezone

from followups.models import FollowUp, FollowUpTemplate, WebhookSource, WebhookSubscription, WidgetSite
from tickets.tests.factories import TicketFactory


class WidgetSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WidgetSite

    name = "Northwind shop"
    allowed_origins = factory.LazyFunction(lambda: ["https://shop.example.com"])


class WebhookSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSource
        django_get_or_create = ["slug"]

    slug = "trustpilot"
    name = "Trustpilot"
    channel = "review"
    secret = "source-secret"


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    name = "CRM"
    url = "http://127.0.0.1:9/hook"
    secret = "subscriber-secret"
    events = factory.LazyFunction(lambda: ["ticket.created", "ticket.resolved", "csat.received"])


class FollowUpTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpTemplate

    issue_type = ""
    language = "en"
    subject = "Is {ticket_reference} solved?"
    body = "Hi {customer_name}, all good with {subject}? Rate us: {csat_link}"


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    ticket = factory.SubFactory(TicketFactory, resolved=True)
    due_at = factory.LazyFunction(timezone.now)
    channel = factory.SelfAttribute("ticket.channel")


def raw_email(name: str, **values: str) -> bytes:
    """A message from data/<name>, with {placeholders} (ticket id, Message-IDs) filled in."""
    raw = (Path(__file__).parent / "data" / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(("{" + key + "}").encode(), value.encode())
    return raw
