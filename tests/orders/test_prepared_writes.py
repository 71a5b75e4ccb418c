"""The prepared writes (core/prepared.py: `save_fields`, `insert`, `add_to`) write what the ORM
writes, on SQLite and PostgreSQL alike, and leave a model with receivers to the ORM."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.prepared import add_to, insert, save_fields
from orders.models import Job, ProgressEvent, Step, StepDayStat, StepStatus

pytestmark = pytest.mark.django_db


def _row(model, pk) -> dict:
    return {k: v for k, v in vars(model.objects.get(pk=pk)).items() if k != "_state"}


def test_save_fields_writes_what_save_with_update_fields_writes(routed_job):
    _job, steps, _ = routed_job
    ours, theirs = Step.objects.get(pk=steps["L"].pk), Step.objects.get(pk=steps["G"].pk)
    finished = timezone.now().replace(microsecond=123456)
    for step in (ours, theirs):
        step.status, step.good_qty, step.scrap_qty = StepStatus.DONE, 7, 2
        step.scrap_cause, step.finished_at, step.title = "", finished, "not written"
    names = ["status", "good_qty", "scrap_qty", "scrap_cause", "finished_at"]
    with CaptureQueriesContext(connection) as ran:
        save_fields(ours, names)
    assert len(ran.captured_queries) == 1
    theirs.save(update_fields=names)
    mine, orm = _row(Step, ours.pk), _row(Step, theirs.pk)
    assert {n: mine[n] for n in names} == {n: orm[n] for n in names}
    assert mine["finished_at"] == finished
    # A field not named is not written, as with update_fields.
    assert mine["title"] == orm["title"] != "not written"


def test_save_fields_runs_the_fields_pre_save_as_save_does(routed_job):
    job = Job.objects.get(pk=routed_job[0].pk)
    before = job.updated_at
    job.status = job.status
    save_fields(job, ["status", "updated_at"])  # auto_now: the field sets it
    assert job.updated_at > before
    assert Job.objects.get(pk=job.pk).updated_at == job.updated_at


def test_save_fields_on_a_row_that_is_gone_says_so(routed_job):
    step = Step.objects.get(pk=routed_job[1]["L"].pk)
    Step.objects.filter(pk=step.pk).update(title="x")
    step.pk = -1
    with pytest.raises(Step.DoesNotExist):
        save_fields(step, ["title"])


def test_a_model_with_a_receiver_is_saved_by_the_orm(routed_job):
    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append(kwargs.get("update_fields"))

    signals.post_save.connect(receiver, sender=Step, dispatch_uid="test-prepared-writes")
    try:
        step = Step.objects.get(pk=routed_job[1]["L"].pk)
        step.title = "heard"
        save_fields(step, ["title"])
        insert(ProgressEvent(job=routed_job[0], seq=10_000, kind="step.held", data={"reason": "x"}))
    finally:
        signals.post_save.disconnect(dispatch_uid="test-prepared-writes", sender=Step)
    assert heard == [frozenset({"title"})]
    assert Step.objects.get(pk=step.pk).title == "heard"


def test_insert_writes_the_row_create_writes_and_returns_its_key(routed_job, chain):
    job, steps, _ = routed_job
    values = {
        "job": job,
        "seq": 9_000,
        "kind": "step.held",
        "actor": chain.hub_owner,
        "workshop": chain.hub,
        "step": steps["L"],
        "data": {"reason": "material", "note": "材料待ち", "n": [1, 2]},
    }
    with CaptureQueriesContext(connection) as ran:
        mine = insert(ProgressEvent(**values))
    assert len(ran.captured_queries) == 1
    theirs = ProgressEvent.objects.create(**dict(values, seq=9_001))
    assert mine.pk and mine._state.adding is False and mine._state.db == "default"
    a, b = _row(ProgressEvent, mine.pk), _row(ProgressEvent, theirs.pk)
    assert {k: v for k, v in a.items() if k not in ("id", "seq", "created_at")} == {
        k: v for k, v in b.items() if k not in ("id", "seq", "created_at")
    }
    assert a["created_at"] is not None and a["created_at"] <= b["created_at"]


def test_add_to_creates_the_row_then_adds_to_it(chain):
    keys = {"day": dt.date(2027, 1, 13), "workshop_id": chain.hub.pk, "process_id": 1}
    from workshops.models import Process

    keys["process_id"] = Process.objects.first().pk
    with CaptureQueriesContext(connection) as ran:
        add_to(StepDayStat, keys, {"steps_done": 1, "good_qty": 10})
    assert len(ran.captured_queries) == 1
    add_to(StepDayStat, keys, {"steps_done": 1, "scrap_qty": 3})
    row = StepDayStat.objects.get(**keys)
    assert (row.steps_started, row.steps_done, row.good_qty, row.scrap_qty) == (0, 2, 10, 3)
    assert StepDayStat.objects.filter(**keys).count() == 1
