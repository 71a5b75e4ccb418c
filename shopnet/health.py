"""`GET /healthz`: 200 when this process can serve pages and sockets, 503 otherwise.

A load balancer takes a process out of rotation on 503, so every path a user depends on is
checked: the database, Redis (when configured), and the streams' database thread. That thread
serves every socket's handshake and re-checks (orders/livepath.py); when it is wedged, pages
still answer while no socket can open, which only this check sees.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from orders import livepath


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    checks = {"database": database_answers()}
    if settings.REDIS_URL:
        checks["redis"] = redis_answers()
    checks["websocket"] = not livepath.stalled(settings.WEBSOCKET_STALL_SECONDS)
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:
        return False


def redis_answers() -> bool:

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False
