"""From the job log to webhook deliveries. In the change's transaction, the new events are
noted; after commit, one `plan` task for them all is enqueued (like notifications' fan-out).
Planning and sending run on the worker, never in the request."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from orders.models import ProgressEvent

logger = logging.getLogger(__name__)


def on_event(event: ProgressEvent) -> None:
    if not settings.WEBHOOKS_ENABLED:
        return
    connection = transaction.get_connection()
    pending = getattr(connection, "_webhook_events", None)
    registered = pending is not None and any(
        callback is _flush for _, callback, _ in connection.run_on_commit
    )
    if not registered:
        pending = connection._webhook_events = []
        transaction.on_commit(_flush)
    pending.append(event.pk)


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
