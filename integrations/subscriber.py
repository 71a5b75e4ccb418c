"""From the job log to webhook deliveries. In the change's transaction, the new events are
noted; after commit, one `plan` task for them all is enqueued (like notifications' fan-out).
Planning and sending run on the worker, never in the request.

Most districts register no endpoint: then a change pays nothing here (whether any endpoint is
active is read at most once per `ENDPOINTS_TTL` seconds per process). A missed plan is found
by the worker's sweep."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction

from orders.events import event_ref
from orders.models import ProgressEvent

ENDPOINTS_TTL = 30.0
_any_active = {"checked": float("-inf"), "answer": False}


def any_active_endpoint() -> bool:
    """Whether some workshop has an active endpoint: read once per `ENDPOINTS_TTL` seconds."""
    now = time.monotonic()
    if now - _any_active["checked"] > ENDPOINTS_TTL:
        from .models import WebhookEndpoint

        _any_active["answer"] = WebhookEndpoint.objects.filter(is_active=True).exists()
        _any_active["checked"] = now
    return _any_active["answer"]


def endpoints_changed() -> None:
    """An endpoint was added or turned on or off in this process: read afresh next time."""
    _any_active["checked"] = float("-inf")


def endpoints_changed_signal(sender, **kwargs) -> None:
    endpoints_changed()


logger = logging.getLogger(__name__)


def on_event(event: ProgressEvent) -> None:
    if not settings.WEBHOOKS_ENABLED or not any_active_endpoint():
        return
    connection = transaction.get_connection()
    pending = getattr(connection, "_webhook_events", None)
    registered = pending is not None and any(
        callback is _flush for _, callback, _ in connection.run_on_commit
    )
    if not registered:
        pending = connection._webhook_events = []
        transaction.on_commit(_flush)
    pending.append(event_ref(event))  # its key, or [job, seq] (a floor tap's held write)


def _flush() -> None:
    connection = transaction.get_connection()
    event_ids = getattr(connection, "_webhook_events", None) or []
    connection._webhook_events = None
    if not event_ids:
        return
    from .tasks import plan  # here: tasks imports the services, which import this app's models

    try:
        plan.enqueue(event_ids)
    except Exception:
        logger.warning("Could not enqueue the webhooks of %s", event_ids, exc_info=True)
