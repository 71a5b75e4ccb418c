"""The worker's side of notifications. Every task here may run twice: it sends once."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django_tasks import task

from core import realtime
from worker.retry import retrying

from . import subscriber
from .delivery import plan_deliveries, send_due_now
from .models import Notification
from .selectors import unread_counts

logger = logging.getLogger(__name__)


def _after_commit(created: list[Notification]) -> None:
    """Plan their mail and push, and ring the badge of everyone told."""
    if not created:
        return
    plan_deliveries(created)
    realtime.unread_changed(unread_counts({n.user_id for n in created}))


@task()
@retrying(attempts=5, backoff=10)
def fan_out(event_ids: list[int | list[int]]) -> int:
    """Decide and store the notifications of these events (one transaction's worth), each
    named by its key or as [job, seq] (`subscriber.events_by_id`)."""
    told = 0
    for event in subscriber.events_by_id(event_ids):
        with transaction.atomic():
            created = subscriber.fan_out_event(event)
            _after_commit(created)
        told += len(created)
    return told


@task()
def catch_up() -> int:
    """The repair sweep: fan out the events of the last day that no fan-out has read (their
    task was never enqueued, or gave up). Scheduled every minute."""
    ids = list(
        subscriber.unfanned_events(
            older_than=dt.timedelta(seconds=settings.NOTIFICATIONS_CATCH_UP_AFTER),
            within=dt.timedelta(days=1),
        )
    )
    if not ids:
        return 0
    logger.info("Catching up on %d event(s)", len(ids))
    return fan_out.call(ids)


@task()
def postings_closing() -> int:
    """Tell invited shops that have not offered that a posting closes within 24 hours."""
    told = 0
    for posting in subscriber.closing_postings():
        with transaction.atomic():
            notices = subscriber.posting_closing_notices(posting)
            created = subscriber.store(
                subscriber.decide(notices, event=None, job=posting.job, actor_id=None)
            )
            _after_commit(created)
        told += len(created)
    return told


@task()
def send_deliveries(delivery_ids: list[int]) -> int:
    """The doorbell of new deliveries: send these now (those another worker holds, or that
    are already sent, are skipped)."""
    return send_due_now(ids=delivery_ids)


@task()
def send_due() -> int:
    """Every minute: everything due (a digest at its hour, a retry after its backoff, a
    delivery whose task was lost or whose worker died)."""
    return send_due_now()
