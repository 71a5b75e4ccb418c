"""Run queued tasks inside a test, the way `manage.py worker` runs them, but without the
worker's connection housekeeping (which would close the test's transaction)."""

from __future__ import annotations

from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def _worker() -> Worker:
    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def run_tasks(limit: int = 1000) -> int:
    """Run every task that is due now (and those they enqueue), oldest first; how many ran."""
    worker = _worker()
    ran = 0
    while ran < limit:
        result = DBTaskResult.objects.ready().order_by("enqueued_at").first()
        if result is None:
            return ran
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def statuses(task_path_suffix: str = "") -> list[str]:
    return list(
        DBTaskResult.objects.filter(task_path__endswith=task_path_suffix)
        .order_by("enqueued_at")
        .values_list("status", flat=True)
    )


__all__ = ["TaskResultStatus", "run_tasks", "statuses"]
