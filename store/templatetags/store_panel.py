"""``{% order_panel ticket %}``: the store card of the ticket page's sidebar (store.queries data)."""

from django import template

from store import queries

register = template.Library()


@register.inclusion_tag("store/order_panel.html", takes_context=True)
def order_panel(context, ticket) -> dict:
    return {
        "ticket": ticket,
        "store_panel": queries.ticket_order_panel(ticket),
        "store_error": "",
        "csrf_token": context.get("csrf_token"),
    }
