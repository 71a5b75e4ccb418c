from __future__ import annotations

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.tasks import run_tasks
from worker.retry import backoff_seconds

pytestmark = pytest.mark.django_db


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n, 30) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(40, 30) == 86400


def test_a_failing_task_is_tried_again_later_until_it_gives_up():
    from worker.tasks import run_command

    run_command.enqueue("no_such_command")
    assert run_tasks() == 1  # the retry waits: it is not due yet
    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == TaskResultStatus.FAILED
    assert "CommandError" in first.exception_class_path
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs == {"args": ["no_such_command"], "kwargs": {"attempt": 2}}
    assert (retry.run_after - timezone.now()).total_seconds() > 50  # 60 s backoff
    # Due now: attempt 2 fails and schedules 3; attempt 3 is the last (attempts=3).
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_tasks()
    third = DBTaskResult.objects.order_by("-enqueued_at").first()
    DBTaskResult.objects.filter(pk=third.pk).update(run_after=timezone.now())
    run_tasks()
    assert DBTaskResult.objects.count() == 3
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.FAILED}
