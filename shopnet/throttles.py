"""API throttling: a rate per scope, counted per user (per client address when anonymous) in
the cache, which is Redis when configured and so shared by every daphne process.

The scope comes from the route and the method, listed here rather than on each view:

- search: the workshop search, the most expensive read;
- uploads: drawing uploads;
- stats: the district and workshop figures;
- writes: every other unsafe method.

Other reads are not throttled. The rates are `API_THROTTLE_RATES` in the settings; a scope
without a rate is not throttled. An over-rate request gets 429 with `Retry-After`; the API's
error handler (`core/api.py`) words the message in the user's language.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.utils.connection import ConnectionProxy
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

ROUTE_SCOPES = {
    ("GET", "api_workshops"): "search",
    ("POST", "api_drawings"): "uploads",
    ("GET", "api_district_stats"): "stats",
    ("GET", "api_workshop_stats"): "stats",
}


def scope_for(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    scope = ROUTE_SCOPES.get((request.method, match.url_name if match else None))
    if scope is None and request.method not in SAFE_METHODS:
        scope = "writes"
    return scope


class APIScopeThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        # The rate depends on the request; SimpleRateThrottle would look it up here.
        self.scope = None
        self.rate = None

    def allow_request(self, request, view) -> bool:
        self.scope = scope_for(request)
        # Read per request (not at import like DRF's THROTTLE_RATES), so settings apply.
        self.rate = settings.API_THROTTLE_RATES.get(self.scope) if self.scope else None
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            client = _redis_of(self.cache)
            if client is None:
                return super().allow_request(request, view)
            return self._allow_in_redis(client, request, view)
        except Exception:  # the cache (Redis) is unreachable: serve rather than fail
            # A write must still commit when Redis is down (docs/DEPLOY.md, "When Redis goes
            # away"); the limit is back when Redis is.
            logger.warning("API throttle skipped: the cache did not answer", exc_info=True)
            return True

    def get_cache_key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def _allow_in_redis(self, client, request, view) -> bool:
        """DRF's sliding window (at most `num_requests` in any `duration` seconds), kept in
        Redis as a sorted set of request times and checked and counted by one script: one
        round trip instead of a read and a write, and two requests at once cannot both take
        the last place."""
        key = self.cache.make_and_validate_key(self.get_cache_key(request, view))
        allowed, wait = _window_script(client)(
            keys=[key],
            args=[self.timer(), self.duration, self.num_requests, uuid.uuid4().hex],
            client=client,
        )
        self._wait = float(wait)
        return bool(allowed)

    def wait(self) -> float | None:
        if hasattr(self, "_wait"):
            return max(self._wait, 0.0)
        return super().wait()


# KEYS[1]: the window's sorted set; ARGV: now, duration, limit, a unique member. Returns
# {1, 0} when the request is counted, {0, seconds until a place frees} when it is refused.
WINDOW_SCRIPT = """
local now, duration, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
if redis.call('ZCARD', KEYS[1]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {0, tostring(tonumber(oldest[2]) + duration - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[1] .. ':' .. ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(duration))
return {1, '0'}
"""
_scripts: dict[str, object] = {}  # registered once per process (the script's SHA)


def _redis_of(cache):
    """The Redis client behind Django's Redis cache, or None for any other cache."""
    if isinstance(cache, ConnectionProxy):  # DRF's `cache`: django.core.cache.cache
        cache = cache._connections[cache._alias]
    if not isinstance(cache, RedisCache):
        return None
    return cache._cache.get_client(write=True)


def _window_script(client):
    script = _scripts.get("window")
    if script is None:
        script = _scripts["window"] = client.register_script(WINDOW_SCRIPT)
    return script
