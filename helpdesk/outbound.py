"""Outbound URL policy: server-side requests go to public addresses only.

A webhook URL is checked when it is saved (``check_url``) and again on every connection: the
opener from ``opener()`` resolves the host itself and connects only to an address that passes,
so DNS that changes after the check (rebinding) or a redirect to an internal host still fails.
``OUTBOUND_ALLOW_PRIVATE_NETWORKS`` lets tests post to loopback servers.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

from helpdesk.errors import InvalidInput


class ForbiddenAddress(OSError):
    """The host resolves to an address that is not on the public internet."""


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if getattr(settings, "OUTBOUND_ALLOW_PRIVATE_NETWORKS", False):
        return not ip.is_unspecified
    return ip.is_global and not ip.is_multicast


def public_addresses(host: str, port: int) -> list[tuple]:
    """getaddrinfo results for ``host`` that may be contacted; ``ForbiddenAddress`` if none may."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"{host} does not resolve: {exc}") from None
    allowed = [info for info in infos if address_allowed(info[4][0])]
    if not allowed:
        raise ForbiddenAddress(f"{host} resolves to a private, loopback or reserved address.")
    return allowed


def check_url(url: str, *, field: str = "url") -> None:
    """Raise ``InvalidInput`` unless ``url`` is http(s) and its host resolves to allowed addresses.

    A name that does not resolve right now is accepted (DNS can be briefly down); the
    connection-time check refuses it later if it then resolves somewhere private.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("The URL must start with https:// or http:// and name a host.", field=field)
    if parts.username or parts.password:
        raise InvalidInput("The URL must not carry credentials; use the signing secret.", field=field)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        public_addresses(parts.hostname, port)
    except ForbiddenAddress as exc:
        raise InvalidInput(f"{exc} Webhooks may only target public addresses.", field=field) from None
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None
    except OSError:
        pass


def _guarded_create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **_):
    host, port = address
    last_error: OSError | None = None
    for family, socktype, proto, _name, sockaddr in public_addresses(host, port):
        sock = socket.socket(family, socktype, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    raise last_error or OSError(f"Could not connect to {host}.")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


def opener() -> urllib.request.OpenerDirector:
    """A urllib opener that connects only to allowed addresses (redirects included), no proxies."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _GuardedHTTPHandler(), _GuardedHTTPSHandler()
    )
