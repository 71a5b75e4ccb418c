from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.models import IdempotencyKey
from tests.conftest import make_user
from tests.tasks import run_tasks
from worker import schedule
from worker.models import ScheduledRun

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 1, 0, 0, 5, tzinfo=dt.UTC)


@pytest.fixture
def two_entries(settings):
    settings.WORKER_SCHEDULE = {
        "often": {"task": "worker.tasks.run_command", "args": ["check"], "every": 60},
        "daily": {"task": "worker.tasks.purge_task_results", "every": 86400},
        "off": {"task": "worker.tasks.purge_task_results", "every": 0},
    }


def test_it_enqueues_each_entry_once_per_slot_however_many_workers_tick(two_entries):
    assert sorted(schedule.tick(T0)) == ["daily", "often"]
    # Other workers tick in the same slots: nothing more.
    assert schedule.tick(T0 + dt.timedelta(seconds=30)) == []
    assert schedule.tick(T0) == []
    assert DBTaskResult.objects.count() == 2
    # The next minute's slot runs `often` again, not `daily`.
    assert schedule.tick(T0 + dt.timedelta(seconds=60)) == ["often"]
    assert list(ScheduledRun.objects.order_by("slot", "name").values_list("name", "slot")) == [
        ("daily", dt.datetime(2026, 6, 1, tzinfo=dt.UTC)),
        ("often", dt.datetime(2026, 6, 1, tzinfo=dt.UTC)),
        ("often", dt.datetime(2026, 6, 1, 0, 1, tzinfo=dt.UTC)),
    ]
    assert all(run.task_id for run in ScheduledRun.objects.all())


def test_it_puts_back_a_task_whose_worker_died_and_leaves_a_live_one(settings):
    settings.WORKER_TASK_LEASE = 600
    from worker.tasks import purge_task_results

    stale = DBTaskResult.objects.get(id=purge_task_results.enqueue().id)
    fresh = DBTaskResult.objects.get(id=purge_task_results.enqueue().id)
    now = timezone.now()
    DBTaskResult.objects.filter(pk=stale.pk).update(
        status=TaskResultStatus.RUNNING, started_at=now - dt.timedelta(seconds=601)
    )
    DBTaskResult.objects.filter(pk=fresh.pk).update(
        status=TaskResultStatus.RUNNING, started_at=now - dt.timedelta(seconds=60)
    )
    assert schedule.reclaim_abandoned(now) == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.started_at) == (TaskResultStatus.READY, None)
    assert fresh.status == TaskResultStatus.RUNNING
    assert run_tasks() == 1
    stale.refresh_from_db()
    assert stale.status == TaskResultStatus.SUCCESSFUL


def test_the_scheduled_purge_forgets_old_idempotency_keys_only(settings):
    settings.IDEMPOTENCY_KEY_DAYS = 30
    user = make_user("tapper")
    old = IdempotencyKey.objects.create(user=user, key="old", action="step.start")
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=31)
    )
    IdempotencyKey.objects.create(user=user, key="new", action="step.start")
    settings.WORKER_SCHEDULE = {
        "purge_idempotency_keys": {
            "task": "worker.tasks.run_command",
            "args": ["purge_idempotency_keys"],
            "every": 86400,
        }
    }
    assert schedule.tick() == ["purge_idempotency_keys"]
    assert run_tasks() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    result = DBTaskResult.objects.get()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert "Deleted 1 idempotency key(s)." in result.return_value


def test_the_shipped_schedule_names_commands_that_exist(settings):
    from django.core.management import get_commands

    commands = get_commands()
    for name, spec in settings.WORKER_SCHEDULE.items():
        assert spec["every"] > 0, name
        if spec["task"] == "worker.tasks.run_command":
            assert spec["args"][0] in commands, name
    assert {"make_previews", "close_postings", "warm_dashboards", "purge_idempotency_keys"} <= {
        spec.get("args", [None])[0] for spec in settings.WORKER_SCHEDULE.values()
    }


def test_purge_task_results_keeps_failures(settings):
    settings.WORKER_KEEP_DAYS = 7
    from worker.tasks import purge_task_results

    old = timezone.now() - dt.timedelta(days=8)
    ok = DBTaskResult.objects.get(id=purge_task_results.enqueue().id)
    failed = DBTaskResult.objects.get(id=purge_task_results.enqueue().id)
    DBTaskResult.objects.filter(pk=ok.pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=old
    )
    DBTaskResult.objects.filter(pk=failed.pk).update(
        status=TaskResultStatus.FAILED, finished_at=old
    )
    assert schedule.purge_finished() == 1
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [failed.pk]


@pytest.mark.django_db(transaction=True)  # the command manages its connections, like a worker
def test_worker_command_in_batch_mode_runs_what_is_due(settings):
    settings.WORKER_SCHEDULE = {}
    from worker.tasks import run_command

    run_command.enqueue("purge_idempotency_keys")
    call_command("worker", "--batch", stdout=StringIO())
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
