"""Sign-in throttling (django-axes, settings `AXES_*`) keyed on (username, client address).

Keyed on both because a small shop shares one NAT address: locking the address would lock the
whole shop out when one person mistypes, while locking the username alone would let anyone
lock a victim out from anywhere. Every login path goes through axes' authentication backend,
the admin's included; the failures are counted in the database under a row lock.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    if settings.BEHIND_PROXY:
        # The proxy appends the address it saw; anything before it came from the client.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def login_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The username as typed, compared without case or surrounding spaces."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    return (raw or "").strip().lower()
