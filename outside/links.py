"""The capability link's token, its address, and the rate limit on link routes.

The token is 256 bits: an HMAC-SHA256, under a key derived from SECRET_KEY, of the link's
random id (a UUID4 that never leaves the server). Only its SHA-256 is stored, as for member
invitations, and a link is found by that hash. Derived rather than drawn at random and
forgotten, so that the worker can put it in the mail and the hub can print the sheet again
without the secret resting in the task queue or the database: a copy of the database alone
opens no link. Rotating SECRET_KEY ends every link (docs/OUTSIDE_SHOPS.md).
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .models import CapabilityLink

SALT = "outside.capability-link"
# 32 bytes in URL-safe base64 without padding.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def token_for(link: CapabilityLink) -> str:
    digest = salted_hmac(SALT, link.uuid.hex, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_path(link: CapabilityLink) -> str:
    return reverse("outside_link", args=[token_for(link)])


def link_url(link: CapabilityLink) -> str:
    return settings.SITE_URL.rstrip("/") + link_path(link)


def live_link_for_token(token: str) -> CapabilityLink | None:
    """The live link the token opens, or None: unknown, altered, expired, revoked, or its
    shop joined. One query."""
    if not TOKEN_RE.match(token or ""):
        return None
    return (
        CapabilityLink.objects.live()
        .select_related("order__job", "order__buyer", "shop__workshop", "shop__link_user")
        .filter(token_hash=token_hash(token))
        .first()
    )


def over_limit(key: str, limit: int, *, window: int = 60) -> bool:
    """Count one request under `key` in the current window; True once past `limit`.
    The cache (Redis in production, shared by every daphne) keeps the counts."""
    bucket = f"outside:rate:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, timeout=window * 2):
        return limit < 1
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window * 2)
        count = 1
    return count > limit
