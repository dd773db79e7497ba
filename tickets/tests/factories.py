"""Factories for the tickets app; other apps import these."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from tickets.models import Channel, Customer, CustomerIdentity, Message, Order, RootCause, Ticket, TicketEvent


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("password")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    lifetime_value = Decimal("120.00")
    order_count = 2

    class Params:
        vip = factory.Trait(lifetime_value=Decimal("5000.00"), order_count=40, vip_level="gold", tags=["vip"])


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerIdentity

    customer = factory.SubFactory(CustomerFactory)
    channel = Channel.EMAIL
    handle = factory.LazyAttribute(lambda i: i.customer.email)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    external_id = factory.Sequence(lambda n: f"shop-{n}")
    number = factory.Sequence(lambda n: f"{10000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    total = Decimal("59.90")
    currency = "EUR"
    fulfillment_status = Order.Fulfillment.SHIPPED
    carrier = "DHL"
    tracking_number = factory.Sequence(lambda n: f"JJD{n:010d}")


class RootCauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RootCause
        django_get_or_create = ["name"]

    name = "Carrier delay"


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Faker("sentence", nb_words=6)
    channel = Channel.EMAIL
    first_message_at = factory.LazyFunction(timezone.now)
    created_at = factory.SelfAttribute("first_message_at")

    class Params:
        resolved = factory.Trait(
            status=Ticket.Status.RESOLVED,
            stage=Ticket.Stage.RESOLVED,
            resolved_at=factory.LazyFunction(timezone.now),
            root_cause=factory.SubFactory(RootCauseFactory),
            resolution_method=Ticket.ResolutionMethod.AGENT_REPLY,
        )
        closed = factory.Trait(
            status=Ticket.Status.CLOSED,
            stage=Ticket.Stage.CLOSED,
            closed_at=factory.LazyFunction(timezone.now),
            resolved_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def with_message(self, create, extracted, **kwargs):
        if create and extracted is not False:
            MessageFactory(
                ticket=self, body=extracted if isinstance(extracted, str) else "Where is my order?"
            )


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory, with_message=False)
    direction = Message.Direction.INBOUND
    author_kind = Message.AuthorKind.CUSTOMER
    channel = factory.SelfAttribute("ticket.channel")
    body = "Where is my order?"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketEvent

    ticket = factory.SubFactory(TicketFactory)
    kind = TicketEvent.Kind.CREATED


def org_team(slug: str):
    """The routing team ``slug`` (routing's migration installs the default ones; flushes remove them)."""
    from routing.models import Team

    return Team.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def org_tier(slug: str, *, rank: int, team_slug: str | None = None):
    """The routing tier ``slug`` at ``rank``, served by ``team_slug``."""
    from routing.models import Tier

    team = org_team(team_slug) if team_slug else None
    tier, _ = Tier.objects.update_or_create(
        slug=slug, defaults={"rank": rank, "team": team, "name": slug.title()}
    )
    return tier
