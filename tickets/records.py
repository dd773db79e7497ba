"""Actions on the customer and order records integrations push in: the one home of their upserts.

The API's customer and order endpoints only validate and call these; so does anything else that
writes a customer's standing or an order (a store sync above ``tickets`` may too). Each checks the
actor's role itself, writes in one transaction and, when a customer's standing may have moved,
asks routing (by dotted job path, after commit) to re-apply the VIP rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.errors import InvalidInput
from helpdesk.queue import enqueue_on_commit
from tickets import intake, permissions
from tickets.models import Channel, Customer, Order

# Fields of a customer's standing an integration may set (VIP rules read them).
STANDING_FIELDS = ("lifetime_value", "order_count", "tags")
CUSTOMER_CHANGED_JOB = "routing.jobs.customer_changed"


@transaction.atomic
def upsert_customer(
    *, actor: AbstractBaseUser | None, email: str = "", phone: str = "", name: str = "", **standing: Any
) -> tuple[Customer, bool]:
    """Find the customer by email or phone (or create them) and set their standing
    (``lifetime_value``, ``order_count``, ``tags``). Returns ``(customer, created)``.

    Raises ``NotAllowed`` for an actor who may not write customers and ``InvalidInput`` without
    an email or a phone, or with a field that is not part of a customer's standing."""
    permissions.check_customer_writer(actor)
    if not (email or phone):
        raise InvalidInput("Give an email or a phone.", field="email")
    unknown = sorted(set(standing) - set(STANDING_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown customer field(s): {', '.join(unknown)}.", field=unknown[0])
    started = timezone.now()
    customer = intake.resolve_customer(Channel.API, intake.Sender(email=email, phone=phone, name=name))
    created = customer.created_at >= started
    changed = False
    for field, value in standing.items():
        if getattr(customer, field) != value:
            setattr(customer, field, value)
            changed = True
    if changed:
        customer.save(update_fields=[*STANDING_FIELDS, "updated_at"])
        # VIP rules read these: routing re-applies them and re-routes if the level moved.
        enqueue_on_commit(CUSTOMER_CHANGED_JOB, customer.pk)
    return customer, created


@transaction.atomic
def upsert_order(
    *, actor: AbstractBaseUser | None, external_id: str, values: Mapping[str, Any], customer_email: str = ""
) -> tuple[Order, bool]:
    """Create or update the order ``external_id`` with ``values`` (validated ``Order`` fields),
    attached to the customer behind ``customer_email`` when given. Returns ``(order, created)``.

    Raises ``NotAllowed`` for an actor who may not write orders and ``InvalidInput`` for an
    external id over 100 characters or values the database refuses."""
    permissions.check_order_writer(actor)
    if len(external_id) > 100:
        raise InvalidInput("external_id is longer than 100 characters.", field="external_id")
    fields = dict(values)
    if customer_email:
        fields["customer"] = intake.resolve_customer(Channel.EMAIL, intake.Sender(email=customer_email))
    try:
        with transaction.atomic():
            order, created = Order.objects.update_or_create(external_id=external_id, defaults=fields)
    except IntegrityError as exc:
        raise InvalidInput(f"The order could not be stored: {exc}") from exc
    if order.customer_id:
        # The customer's standing may have changed: routing re-checks the VIP rules.
        enqueue_on_commit(CUSTOMER_CHANGED_JOB, order.customer_id)
    return order, created
