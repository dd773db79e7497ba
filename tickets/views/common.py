"""Responses shared by the inbox views: success/error after an action, safe "next" redirects."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from helpdesk.errors import HelpdeskError
from helpdesk.http import HtmxHttpRequest


def safe_next(request: HtmxHttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def form_error_text(form) -> str:
    """One readable line naming each invalid field, for the flash area and non-HTMX pages."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields and form.fields[field].label else field
        text = " ".join(errors)
        parts.append(text if field == "__all__" else f"{str(label).capitalize()}: {text}")
    return " ".join(parts)


def error_text(error: HelpdeskError) -> str:
    return error.message


def flash(request: HtmxHttpRequest, text: str, *, level: str = "success", status: int = 200) -> HttpResponse:
    """Only the flash area (out-of-band), for HTMX requests that have nothing else to update."""
    return render(request, "base.html#flash-oob", {"flash_text": text, "flash_level": level}, status=status)


def done(request: HtmxHttpRequest, text: str, *, to: str) -> HttpResponse:
    """Non-HTMX success: message + redirect (POST/redirect/GET), so a reload never re-posts."""
    messages.success(request, text)
    return redirect(to)
