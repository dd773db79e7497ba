"""API rate limits that hold across any number of web processes and machines.

DRF's stock throttles keep a list of request timestamps per client in the cache and rewrite it
on every request: at an integration's rate (thousands a minute) that is a read and a write of
tens of kilobytes per request, and two processes rewriting the same list lose each other's
entries. These count per fixed window with one atomic ``cache.incr`` instead, so with a shared
cache (``CACHE_URL=redis://...``) every web process draws from the same budget. With the
default per-process memory cache each process counts on its own (see docs/deploy.md).

Scopes (rates in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``):
``integration`` per API key (stores and channels pushing messages), ``user`` per signed-in
person (agents' browsers), ``anon`` per client address (DRF's own, for unauthenticated calls).
"""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tickets.models import ApiKey


class FixedWindowRateThrottle(SimpleRateThrottle):
    """At most ``num_requests`` per ``duration``-second window per client, one counter per window."""

    cache = cache

    def get_rate(self) -> str | None:
        # Read per request, not at import, so a settings override applies at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{ident}:{window}"
        # add() is a no-op when the key exists, so concurrent first requests do not reset it.
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # evicted between add and incr
            self.cache.add(key, 1, timeout=self.duration + 1)
            count = 1
        self.now = now
        return count <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self.window_ends - self.now)


class IntegrationRateThrottle(FixedWindowRateThrottle):
    """Requests made with an API key, counted per key."""

    scope = "integration"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class AgentRateThrottle(FixedWindowRateThrottle):
    """Requests from a signed-in person's session, counted per user (API keys have their own scope)."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiKey) or not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
