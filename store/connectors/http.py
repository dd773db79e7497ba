"""The one HTTP path to a store: timeouts, 429 + Retry-After backoff, 5xx retries, clear errors.

Both connectors send every request through ``send``; it turns transport failures into
``StoreError`` subclasses an agent can read. ``sleep`` is module-level so the benchmark can count
waits; tests use the fake server's short Retry-After instead of patching it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import requests
from django.conf import settings

from store.connectors.base import StoreRateLimited, StoreRejected, StoreTimeout, StoreUnavailable

logger = logging.getLogger(__name__)
sleep = time.sleep


def retry_after(response: requests.Response, attempt: int) -> float:
    """Seconds to wait: the store's Retry-After when given, else exponential (0.5, 1, 2 ...)."""
    header = response.headers.get("Retry-After", "")
    try:
        wait = float(header)
    except ValueError:
        wait = 0.5 * 2**attempt
    return max(0.0, min(wait, settings.STORE_MAX_BACKOFF_SECONDS))


def send(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    json: Any = None,
    params: Mapping[str, Any] | None = None,
    auth: tuple[str, str] | None = None,
    store: str = "The store",
) -> requests.Response:
    """Send one request, retrying 429 and 5xx with backoff. Returns 2xx and 4xx responses (the
    connector reads 4xx bodies for the store's own message); raises on everything else."""
    attempts = settings.STORE_MAX_RETRIES + 1
    for attempt in range(attempts):
        try:
            response = requests.request(
                method,
                url,
                headers=dict(headers),
                json=json,
                params=params,
                auth=auth,
                timeout=settings.STORE_TIMEOUT_SECONDS,
            )
        except requests.Timeout as exc:
            # A timed-out write may or may not have happened: never retried blindly here. The
            # idempotency key makes the agent's retry safe.
            raise StoreTimeout(
                f"{store} did not answer within {settings.STORE_TIMEOUT_SECONDS:g} s; nothing was recorded. "
                "Try again: the retry is safe (same idempotency key)."
            ) from exc
        except requests.ConnectionError as exc:
            raise StoreUnavailable(f"{store} could not be reached ({exc.__class__.__name__}).") from exc
        if response.status_code == 429 or response.status_code >= 500:
            if attempt + 1 < attempts:
                wait = retry_after(response, attempt)
                logger.info("%s answered %s; retrying in %.2f s", store, response.status_code, wait)
                sleep(wait)
                continue
            if response.status_code == 429:
                raise StoreRateLimited(
                    f"{store} is rate limiting requests (429 after {attempts} tries); nothing was recorded. "
                    "Try again in a minute."
                )
            raise StoreUnavailable(f"{store} answered {response.status_code}; nothing was recorded.")
        if response.status_code in (401, 403):
            raise StoreRejected(
                f"{store} refused the credentials ({response.status_code}); check the connection's token and scopes."
            )
        return response
    raise AssertionError("unreachable")  # pragma: no cover
