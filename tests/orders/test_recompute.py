"""A step change is one recompute (readiness, the job's status, the schedule) from one step
graph, with exactly the events it should have and only the writes that move something."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.dag import StepGraph
from orders.models import Job, ProgressEvent, Step
from orders.services import progress
from orders.services.jobs import job_copy, step_change, step_insert
from orders.services.progress import (
    recompute,
    step_cancel,
    step_done,
    step_hold,
    step_resume,
    step_start,
)
from workshops.models import Process

from .conftest import add, post_job

pytestmark = pytest.mark.django_db

# A Wednesday, 10:00 in Tokyo: inside every shop's working hours.
STILL = dt.datetime(2027, 1, 13, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def spy(monkeypatch):
    """Counts the schedule projections (one per recompute) and the step graphs read."""
    counts = {"projections": 0, "graphs": 0}
    project, load = progress.project_job, StepGraph.load.__func__

    def counting_project(*args, **kwargs):
        counts["projections"] += 1
        return project(*args, **kwargs)

    def counting_load(cls, *args, **kwargs):
        counts["graphs"] += 1
        return load(cls, *args, **kwargs)

    monkeypatch.setattr(progress, "project_job", counting_project)
    monkeypatch.setattr(StepGraph, "load", classmethod(counting_load))
    return counts


def events_after(job: Job, seq: int) -> list[str]:
    return list(
        ProgressEvent.objects.filter(job=job, seq__gt=seq)
        .order_by("seq")
        .values_list("kind", flat=True)
    )


def last_seq(job: Job) -> int:
    return Job.objects.values_list("last_seq", flat=True).get(pk=job.pk)


def in_house(chain) -> tuple[Job, Step, Step]:
    """Turning then inspection, both at the hub."""
    job = post_job(chain)
    turn = add(job, chain, "L", 2)
    inspect = add(job, chain, "INS", 1, after=[turn])
    return job, turn, inspect


def test_a_done_that_frees_the_next_step_is_one_recompute_and_two_events(chain, spy):
    job, turn, inspect = in_house(chain)
    step_start(step=turn, actor=chain.hub_floor)
    seq = last_seq(job)
    spy.update(projections=0, graphs=0)
    step_done(step=turn, actor=chain.hub_floor, good=100)
    assert spy == {"projections": 1, "graphs": 1}
    assert events_after(job, seq) == ["step.done", "step.ready"]
    inspect.refresh_from_db()
    assert inspect.status == "ready"


def test_the_last_done_completes_the_job_once(chain, spy):
    job, turn, inspect = in_house(chain)
    step_start(step=turn, actor=chain.hub_floor)
    step_done(step=turn, actor=chain.hub_floor, good=100)
    step_start(step=inspect, actor=chain.hub_floor)
    seq = last_seq(job)
    spy.update(projections=0, graphs=0)
    step_done(step=inspect, actor=chain.hub_floor, good=100)
    assert spy == {"projections": 1, "graphs": 1}
    assert events_after(job, seq) == ["step.done", "job.completed"]
    assert Job.objects.get(pk=job.pk).status == "done"


@pytest.mark.parametrize(
    ("action", "kind"),
    [("start", "step.started"), ("hold", "step.held"), ("cancel", "step.cancelled")],
)
def test_each_step_change_is_one_recompute_and_its_one_event(chain, spy, action, kind):
    job, turn, _inspect = in_house(chain)
    seq = last_seq(job)
    spy.update(projections=0, graphs=0)
    if action == "start":
        step_start(step=turn, actor=chain.hub_floor)
    elif action == "hold":
        step_hold(step=turn, actor=chain.hub_floor, reason="material")
    else:
        step_cancel(step=turn, actor=chain.hub_owner)
    assert spy == {"projections": 1, "graphs": 1}
    # A cancelled turning step frees inspection, which waited only for it.
    expected = [kind, "step.ready"] if action == "cancel" else [kind]
    assert events_after(job, seq) == expected


def test_a_resume_with_a_key_is_one_recompute_and_a_retry_none(chain, spy):
    job, turn, _inspect = in_house(chain)
    step_start(step=turn, actor=chain.hub_floor)
    step_hold(step=turn, actor=chain.hub_floor, reason="material")
    seq = last_seq(job)
    spy.update(projections=0, graphs=0)
    step_resume(step=turn, actor=chain.hub_floor, idempotency_key="resume-1")
    step_resume(step=turn, actor=chain.hub_floor, idempotency_key="resume-1")
    assert spy == {"projections": 1, "graphs": 1}
    assert events_after(job, seq) == ["step.resumed"]


def test_inserting_a_step_between_two_is_one_recompute(chain, spy):
    """Insert deburring between turning and inspection: added, linked before inspection, and
    inspection no longer waits for turning directly; one recompute for all of it."""
    job, turn, inspect = in_house(chain)
    seq = last_seq(job)
    spy.update(projections=0, graphs=0)
    step = step_insert(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code="ASM"),
        planned_hours=1,
        after=[turn],
        before=[inspect],
    )
    assert spy == {"projections": 1, "graphs": 1}
    assert events_after(job, seq) == ["step.added", "step.linked", "step.unlinked"]
    assert list(inspect.predecessors.all()) == [step]
    assert list(step.predecessors.all()) == [turn]


def test_changing_a_step_and_what_it_waits_for_is_one_recompute(chain, spy):
    job, _turn, inspect = in_house(chain)
    extra = add(job, chain, "ASM", 1)
    seq = last_seq(job)
    spy.update(projections=0, graphs=0)
    step_change(
        step=inspect,
        actor=chain.hub_owner,
        data={"planned_hours": 3},
        predecessors=[extra],
    )
    assert spy == {"projections": 1, "graphs": 1}
    assert events_after(job, seq) == ["step.updated", "step.linked", "step.unlinked"]
    assert list(inspect.predecessors.all()) == [extra]


def test_a_change_that_changes_nothing_recomputes_nothing(chain, spy):
    job, turn, inspect = in_house(chain)
    seq = last_seq(job)
    spy.update(projections=0, graphs=0)
    step_change(step=inspect, actor=chain.hub_owner, data={"planned_hours": 1}, predecessors=[turn])
    assert spy == {"projections": 0, "graphs": 0}
    assert events_after(job, seq) == []


def test_copying_a_job_is_one_recompute(chain, spy):
    job, _turn, _inspect = in_house(chain)
    spy.update(projections=0, graphs=0)
    copy = job_copy(job=job, actor=chain.hub_owner, due_date=job.due_date)
    assert spy == {"projections": 1, "graphs": 1}
    assert events_after(copy, 0) == ["job.posted", "job.copied", "step.ready"]


def test_a_recompute_with_nothing_moved_writes_nothing(chain, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: STILL)
    job, turn, _inspect = in_house(chain)
    step_start(step=turn, actor=chain.hub_floor)
    job = Job.objects.get(pk=job.pk)
    with CaptureQueriesContext(connection) as queries:
        recompute(job)
    writes = [q["sql"] for q in queries if not q["sql"].startswith("SELECT")]
    assert writes == []
    # The graph, the links and the orders: nothing else is read.
    assert len(queries) == 3, [q["sql"] for q in queries]
