"""The schedule of periodic tasks (settings.WORKER_SCHEDULE), kept by every worker at once.

Each entry runs once per slot of `every` seconds, counted from the Unix epoch (so 300 means at
:00, :05, :10 … UTC). Every worker ticks; the first to insert the slot's `ScheduledRun` row
enqueues the task, the others find the row and do nothing. A slot missed while no worker ran
is not made up: each task catches up on its own (it works from the rows, not from the clock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    name: str
    task: str
    every: int
    args: tuple = field(default_factory=tuple)

    def slot(self, now: datetime) -> datetime:
        seconds = int(now.timestamp()) // self.every * self.every
        return datetime.fromtimestamp(seconds, tz=UTC)


def entries() -> list[Entry]:
    return [
        Entry(
            name=name,
            task=spec["task"],
            every=int(spec["every"]),
            args=tuple(spec.get("args", ())),
        )
        for name, spec in settings.WORKER_SCHEDULE.items()
        if int(spec["every"]) > 0
    ]


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue every entry whose current slot has no run yet; the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for entry in entries():
        slot = entry.slot(now)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=entry.name, slot=slot)
                result = import_string(entry.task).enqueue(*entry.args)
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another worker has this slot
        enqueued.append(entry.name)
    return enqueued


def reclaim_abandoned(now: datetime | None = None) -> int:
    """Put back tasks left RUNNING longer than WORKER_TASK_LEASE seconds: their worker was
    killed or lost its host. Every shopnet task is idempotent, so running one again is safe
    even when its first worker turns out to be merely slow."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.WORKER_TASK_LEASE)
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None, run_after=now)
    if count:
        logger.warning("Put back %d abandoned task(s)", count)
    return count


def purge_finished(now: datetime | None = None) -> int:
    """Forget successful task results and scheduled runs older than WORKER_KEEP_DAYS; failed
    ones stay until an operator has seen them (the admin can delete them)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WORKER_KEEP_DAYS)
    done, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=cutoff
    ).delete()
    runs, _ = ScheduledRun.objects.filter(slot__lt=cutoff).delete()
    return done + runs
