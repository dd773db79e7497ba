"""Template helpers for the inbox: SLA countdowns, labels for slugs, query strings."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# An SLA with less than this left shows amber; overdue shows red.
SLA_SOON = timedelta(hours=1)


def short_duration(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


@register.simple_tag
def sla_countdown(due: datetime | None, breached: bool = False, paused: datetime | None = None) -> str:
    """A countdown chip; ``app.js`` keeps ``data-due`` chips ticking between refreshes."""
    # Paused first: a ticket waiting on the customer has no running clock, so no due time, but it
    # does have an SLA (showing "No SLA" there was why most demo rows said so after a sweep).
    if paused is not None:
        return format_html(
            '<span class="sla sla-paused" title="Waiting on the customer since {}">Paused</span>',
            timezone.localtime(paused).strftime("%a %d %b %H:%M"),
        )
    if due is None:
        if breached:
            return mark_safe('<span class="sla sla-breach">Breached</span>')
        return mark_safe('<span class="sla sla-none">No SLA</span>')
    left = due - timezone.now()
    if left.total_seconds() < 0 or breached:
        state, text = "breach", f"{short_duration(left)} overdue"
    elif left < SLA_SOON:
        state, text = "soon", f"{short_duration(left)} left"
    else:
        state, text = "ok", f"{short_duration(left)} left"
    return format_html(
        '<time class="sla sla-{}" datetime="{}" data-due="{}" title="Due {}">{}</time>',
        state,
        due.isoformat(),
        due.isoformat(),
        timezone.localtime(due).strftime("%a %d %b %H:%M"),
        text,
    )


@register.simple_tag
def waiting_for(since: datetime | None) -> str:
    """How long the customer's last unanswered message has waited ("2h 05m"), or a dash."""
    if since is None:
        return mark_safe('<span class="muted" title="Nothing unanswered">–</span>')
    return format_html(
        '<time class="waiting" datetime="{}" title="Waiting since {}">{}</time>',
        since.isoformat(),
        timezone.localtime(since).strftime("%a %d %b %H:%M"),
        short_duration(timezone.now() - since),
    )


@register.filter
def slug_label(value: str) -> str:
    """``order_status`` -> ``Order status``."""
    return str(value or "").replace("_", " ").capitalize()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied (None drops a key); page resets."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


REMOTE_IMAGE = re.compile(r"""<img\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _drop_remote_sources(element: str, attribute: str, value: str) -> str | None:
    # A remote image is a tracking pixel until the agent asks for it: it leaks their address
    # and reading time to the sender. Local (cid:/data:) sources are not in nh3's schemes anyway.
    if element == "img" and attribute in ("src", "srcset") and not value.lower().startswith("data:"):
        return None
    return value


@register.filter
def sanitized(html: str, load_images: bool = False) -> str:
    """Customer HTML through the same nh3 allow-list intake uses (again, in case a row predates it),
    with remote images removed unless ``load_images`` (the agent clicked "Load images")."""
    import nh3
    from django.utils.safestring import mark_safe

    from tickets.intake import sanitize_html

    html = sanitize_html(html or "")
    if not load_images:
        html = nh3.clean(html, attribute_filter=_drop_remote_sources, link_rel="noopener noreferrer nofollow")
    return mark_safe(html)


@register.filter
def has_remote_images(html: str) -> bool:
    return bool(REMOTE_IMAGE.search(html or ""))


def _render_value(value, depth: int = 0) -> str:
    if depth > 4:
        return format_html("<span>{}</span>", str(value))
    if isinstance(value, dict):
        rows = format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            (
                (slug_label(k), mark_safe(_render_value(v, depth + 1)))
                for k, v in value.items()
                if v not in ("", None, [], {})
            ),
        )
        return format_html('<dl class="kv">{}</dl>', rows) if rows else ""
    if isinstance(value, list | tuple):
        items = format_html_join(
            "", "<li>{}</li>", ((mark_safe(_render_value(v, depth + 1)),) for v in value)
        )
        return format_html("<ul>{}</ul>", items) if items else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return format_html("{}", timezone.localtime(value).strftime("%d %b %Y %H:%M"))
    return format_html("<span>{}</span>", str(value))


@register.filter
def brief_value(value) -> str:
    """Render the AI brief or a routing explanation (nested dicts/lists of text), escaped."""
    from django.utils.safestring import mark_safe

    text = _render_value(value)
    return mark_safe(text if not isinstance(value, str) else format_html("<p>{}</p>", value))
