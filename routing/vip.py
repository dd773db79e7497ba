"""VIP rules: lifetime value, order count or a tag give a customer a VIP level."""

from __future__ import annotations

from routing import config
from routing.models import VipLevel
from tickets.models import Customer


def level_for(customer: Customer, *, rules=None) -> VipLevel | None:
    """The highest-ranked level whose rule the customer meets (any filled condition suffices)."""
    candidates = rules if rules is not None else config.current().vip_rules
    best = None
    for rule in candidates:
        met = (
            (rule.min_lifetime_value is not None and customer.lifetime_value >= rule.min_lifetime_value)
            or (rule.min_order_count is not None and customer.order_count >= rule.min_order_count)
            or (rule.tag and rule.tag in (customer.tags or []))
        )
        if met and (best is None or rule.level.rank > best.rank):
            best = rule.level
    return best


def apply_vip_rules(customer: Customer) -> bool:
    """Set ``customer.vip_level`` from the rules; True when it changed (callers re-route then).

    A level set by hand that no rule knows is kept: rules only grant and update known levels.
    """
    level = level_for(customer)
    known = config.current().vip_levels
    if level is None and customer.vip_level and customer.vip_level not in known:
        return False
    new = level.slug if level else ""
    if customer.vip_level == new:
        return False
    customer.vip_level = new
    customer.save(update_fields=["vip_level", "updated_at"])
    return True


def vip_level(slug: str) -> VipLevel | None:
    if not slug:
        return None
    return config.current().vip_levels.get(slug)
