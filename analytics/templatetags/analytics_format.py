"""Formatting of metric values: durations, rates and changes, readable without colour."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """3 d 4 h, 5 h 20 min, 12 min, 40 s; an em dash for no value."""
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 48:
        return f"{int(hours)} h {int(minutes % 60)} min"
    return f"{int(hours // 24)} d {int(hours % 24)} h"


@register.filter
def age(value: timedelta | None) -> str:
    return duration(value.total_seconds()) if value is not None else "—"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


@register.filter
def change(current: float | None, previous: float | None) -> str:
    """The change with an arrow and a sign (▲ +2.0 / ▼ −1.5), so it reads without colour."""
    if current is None or previous is None:
        return ""
    delta = float(current) - float(previous)
    if abs(delta) < 1e-9:
        return "= no change"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {'+' if delta > 0 else '−'}{abs(delta):.4g}"


@register.filter
def get(mapping: dict, key: str):
    return mapping.get(key) if mapping else None


@register.filter
def duration_change(current: float | None, previous: float | None) -> str:
    """▲ 1 h 5 min slower / ▼ 20 min faster."""
    if current is None or previous is None:
        return ""
    delta = float(current) - float(previous)
    if abs(delta) < 1:
        return "= no change"
    return f"▲ {duration(abs(delta))} slower" if delta > 0 else f"▼ {duration(abs(delta))} faster"


@register.filter
def percent_change(current: float | None, previous: float | None) -> str:
    """▲ +2.5 points / ▼ −1.0 points."""
    if current is None or previous is None:
        return ""
    delta = (float(current) - float(previous)) * 100
    if abs(delta) < 0.05:
        return "= no change"
    return f"▲ +{delta:.1f} points" if delta > 0 else f"▼ −{abs(delta):.1f} points"
