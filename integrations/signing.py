"""How a delivery is signed, and how a receiver verifies it (docs/WEBHOOKS.md).

    Shopnet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The timestamp is inside what is signed, so an old delivery cannot be replayed with a fresh
one; a receiver refuses a `t` more than TOLERANCE seconds from its clock, and processes each
`Shopnet-Delivery` id once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

TOLERANCE = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(secret: str, body: bytes, *, now: float | None = None) -> str:
    timestamp = int(now if now is not None else time.time())
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, body: bytes, value: str, *, now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        fields = dict(part.split("=", 1) for part in value.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    now = now if now is not None else time.time()
    if abs(now - timestamp) > TOLERANCE:
        return False
    return hmac.compare_digest(fields.get("v1", ""), signature(secret, timestamp, body))
