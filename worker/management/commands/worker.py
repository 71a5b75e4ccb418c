"""Run the background worker: queued tasks, the schedule, and the repair of abandoned tasks.

    python manage.py worker                 # one worker; run as many as you like
    python manage.py worker --no-schedule   # tasks only (another process keeps the schedule)
    python manage.py worker --batch         # run what is due now, then exit (tests, cron)

Behind it is django-tasks' database backend (django-tasks-db): tasks are rows, claimed with
SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (an exclusive transaction on SQLite), so any
number of workers on any number of hosts share one queue.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from worker import schedule

logger = logging.getLogger("worker")


class Scheduler(threading.Thread):
    """Ticks the schedule and reclaims abandoned tasks every WORKER_TICK seconds, on its own
    thread (and database connection) beside the task loop, so a long task delays neither."""

    def __init__(self) -> None:
        super().__init__(name="worker-schedule", daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.once()
            self.stopping.wait(settings.WORKER_TICK)
        connection.close()

    def once(self) -> None:
        close_old_connections()
        try:
            schedule.reclaim_abandoned()
            for name in schedule.tick():
                logger.info("Enqueued %s", name)
        except Exception:
            # The database may be restarting; the next tick tries again.
            logger.warning("Schedule tick failed", exc_info=True)


class Command(BaseCommand):
    help = "Run the background worker: queued tasks and the periodic schedule."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=None)
        parser.add_argument("--batch", action="store_true")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--no-schedule", action="store_false", dest="schedule")
        parser.add_argument("--worker-id", default=None)

    def handle(self, *, interval, batch, max_tasks, schedule, worker_id, verbosity, **options):
        logging.getLogger("django_tasks_db").setLevel(
            logging.WARNING if verbosity < 2 else logging.DEBUG
        )
        worker = Worker(
            queue_names=["*"],
            interval=settings.WORKER_INTERVAL if interval is None else interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not batch,
            max_tasks=max_tasks,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        scheduler = Scheduler()
        if batch:
            if schedule:
                scheduler.once()
            worker.run()
            return
        if schedule:
            scheduler.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            scheduler.stopping.set()
