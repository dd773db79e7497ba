"""Reply macros: fill a ``Macro`` body's ``{placeholders}`` for one ticket (pure, no writes)."""

from __future__ import annotations

import re
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from tickets.models import Macro, Ticket

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders_for(ticket: Ticket, *, agent: AbstractBaseUser) -> dict[str, str]:
    customer = ticket.customer
    order = ticket.order
    name = customer.name or ""
    return {
        "customer_name": name or "there",
        "customer_first_name": name.split()[0] if name.strip() else "there",
        "order_number": order.number if order else "",
        "order_status": order.get_fulfillment_status_display().lower() if order else "",
        "tracking_number": order.tracking_number if order else "",
        "tracking_url": order.tracking_url if order else "",
        "carrier": order.carrier if order else "",
        "ticket_reference": ticket.reference,
        "agent_name": cast(Any, agent).get_full_name() or agent.get_username(),
        "store_name": settings.STORE_NAME,
    }


def render_macro(macro: Macro, ticket: Ticket, *, agent: AbstractBaseUser) -> str:
    """The macro body with known placeholders filled; unknown ones stay visible as typed."""
    values = placeholders_for(ticket, agent=agent)
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), macro.body)
