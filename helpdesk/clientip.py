"""The client's address, trusting X-Forwarded-For only as far as TRUSTED_PROXY_COUNT says.

DRF's throttles read the same setting (``NUM_PROXIES``); django-axes calls :func:`client_ip`.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    # Each trusted proxy appends the address it saw; the client is the one the outermost proxy saw.
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote
