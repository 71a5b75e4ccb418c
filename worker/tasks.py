"""Tasks of the worker itself: the scheduled management commands."""

from __future__ import annotations

import io

from django.core.management import call_command
from django_tasks import task

from .retry import retrying
from .schedule import purge_finished


@task()
@retrying(attempts=3, backoff=60)
def run_command(name: str, *args: str) -> str:
    """Run one management command; its output is the task's return value (shown in the admin).
    The scheduled commands are each safe to run twice at once (docs/DEPLOY.md)."""
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()[-2000:]


@task()
def purge_task_results() -> int:
    """Forget old successful task results and scheduled runs (failed ones stay)."""
    return purge_finished()
