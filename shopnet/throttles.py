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

from django.conf import settings
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
            return super().allow_request(request, view)
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
