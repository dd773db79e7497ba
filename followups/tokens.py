"""CSAT links: signed, expiring tokens naming one follow-up (django.core.signing).

Single use is enforced by the database (one ``CsatResponse`` per follow-up), not by the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

SALT = "followups.csat"


class TokenInvalid(Exception):
    """Tampered, truncated or not one of ours."""


class TokenExpired(Exception):
    """Genuine but older than CSAT_TOKEN_MAX_AGE_DAYS."""


@dataclass(frozen=True)
class CsatClaim:
    followup_id: int
    nonce: str


def make_token(*, followup_id: int, nonce: str) -> str:
    return signing.dumps({"f": followup_id, "n": nonce}, salt=SALT)


def read_token(token: str) -> CsatClaim:
    """The follow-up a token names; raises ``TokenExpired`` or ``TokenInvalid``."""
    max_age = timedelta(days=settings.CSAT_TOKEN_MAX_AGE_DAYS)
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenExpired() from None
    except signing.BadSignature:
        raise TokenInvalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("f"), int) or not isinstance(data.get("n"), str):
        raise TokenInvalid()
    return CsatClaim(followup_id=data["f"], nonce=data["n"])
