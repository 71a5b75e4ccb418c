"""Sign-in throttling keyed on (username, client address).

Keyed on both because a small shop shares one NAT address: locking the address would lock the
whole shop out when one person mistypes, while locking the username alone would let anyone
lock a victim out from anywhere. The counters live in the cache (Redis when configured).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
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


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{address}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_blocked_for(username: str, address: str) -> int:
    """Seconds until this (username, address) may try again; 0 when it may now."""
    entry = cache.get(_key(username, address))
    if not entry:
        return 0
    failures, first_at = entry
    if failures < settings.LOGIN_FAILURE_LIMIT:
        return 0
    remaining = int(first_at + settings.LOGIN_FAILURE_WINDOW - time.time())
    return max(remaining, 0)


def login_failed(username: str, address: str) -> None:
    key = _key(username, address)
    now = time.time()
    failures, first_at = cache.get(key) or (0, now)
    if now - first_at > settings.LOGIN_FAILURE_WINDOW:
        failures, first_at = 0, now
    cache.set(key, (failures + 1, first_at), timeout=settings.LOGIN_FAILURE_WINDOW)


def login_succeeded(username: str, address: str) -> None:
    cache.delete(_key(username, address))
