"""Undoing a floor worker's last tap (orders/services/undo.py): the step, its successors'
readiness, the job's status and the rollups go back; `step.undone` says who and when; a tap
of another user, one too old, or one whose next step has started is refused."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.utils import timezone

from core.services import Refused
from orders import rollups
from orders.models import Job, JobStatus, LeadTime, ProgressEvent, Step, StepStatus
from orders.services.progress import step_done, step_hold, step_resume, step_start
from orders.services.undo import UNDO_WINDOW, step_undo
from tests.conftest import client_for
from tests.orders.conftest import add, post_job, refreshed

pytestmark = pytest.mark.django_db

S = StepStatus


@pytest.fixture
def flow(chain):
    """The hub's own turning → assembly, performed by the hub's floor staff."""
    job = post_job(chain)
    turn = add(job, chain, "L")
    assemble = add(job, chain, "ASM", after=[turn])
    return job, refreshed(turn), refreshed(assemble)


def state(job: Job) -> dict:
    """Everything an undo must put back: the steps, the job's status and the rollups."""
    return {
        "steps": sorted(
            Step.objects.filter(job=job).values_list(
                "pk", "status", "started_at", "finished_at", "good_qty", "scrap_qty", "held_from"
            )
        ),
        "job": Job.objects.get(pk=job.pk).status,
        "rollups": rollups.snapshot(),
    }


def assert_rollups_rebuild_the_same():
    """What the undo left in the rollups is what a rebuild from the log and rows gives."""
    assert rollups.snapshot() == rollups.as_snapshot(rollups.raw_rollups())


@contextmanager
def refused(code: str, job: Job):
    before, seq = state(job), Job.objects.get(pk=job.pk).last_seq
    with pytest.raises(Refused) as caught:
        yield
    assert caught.value.code == code
    assert state(job) == before
    assert Job.objects.get(pk=job.pk).last_seq == seq


def undone_event(job: Job) -> ProgressEvent:
    return ProgressEvent.objects.filter(job=job).order_by("-seq").first()


def test_it_undoes_a_start(chain, flow):
    job, turn, _assemble = flow
    before = state(job)
    step_start(step=turn, actor=chain.hub_floor)
    assert Job.objects.get(pk=job.pk).status == JobStatus.IN_PROGRESS
    step_undo(step=turn, actor=chain.hub_floor)
    assert state(job) == before  # ready again, not started, job open, no start counted
    event = undone_event(job)
    assert (event.kind, event.actor, event.step_id) == ("step.undone", chain.hub_floor, turn.pk)
    assert event.data["undone"] == "step.started"
    assert timezone.now() - event.created_at < dt.timedelta(minutes=1)
    assert_rollups_rebuild_the_same()


def test_it_undoes_a_done_and_the_next_step_waits_again(chain, flow):
    job, turn, assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    before = state(job)
    step_done(step=turn, actor=chain.hub_floor, good=90, scrap=2)
    assert refreshed(assemble).status == S.READY
    assert LeadTime.objects.filter(kind="step", object_id=turn.pk).exists()
    step_undo(step=turn, actor=chain.hub_floor)
    assert state(job) == before  # in progress, no counts; assembly planned again
    assert refreshed(assemble).status == S.PLANNED
    assert not LeadTime.objects.filter(kind="step", object_id=turn.pk).exists()
    assert undone_event(job).data["undone"] == "step.done"
    assert_rollups_rebuild_the_same()
    # Done again: counted once.
    step_done(step=turn, actor=chain.hub_floor, good=92)
    assert refreshed(assemble).status == S.READY
    assert_rollups_rebuild_the_same()


def test_undoing_the_last_done_reopens_the_job_and_its_completion_leaves_the_rollups(chain):
    job = post_job(chain)
    only = add(job, chain, "L")
    step_start(step=only, actor=chain.hub_floor)
    before = state(job)
    step_done(step=only, actor=chain.hub_floor, good=100)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    step_undo(step=only, actor=chain.hub_floor)
    assert state(job) == before
    assert not LeadTime.objects.filter(kind="job", object_id=job.pk).exists()
    assert_rollups_rebuild_the_same()
    step_done(step=only, actor=chain.hub_floor, good=100)  # completes again, counted once
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    assert_rollups_rebuild_the_same()


def test_it_undoes_a_hold_and_a_resume(chain, flow):
    job, turn, _assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    running = state(job)
    step_hold(step=turn, actor=chain.hub_floor, reason="material")
    held = state(job)
    step_undo(step=turn, actor=chain.hub_floor)
    assert state(job) == running
    step_hold(step=turn, actor=chain.hub_floor, reason="material")
    step_resume(step=turn, actor=chain.hub_floor)
    step_undo(step=turn, actor=chain.hub_floor)
    assert state(job) == held
    assert refreshed(turn).hold_reason == "material"
    assert undone_event(job).data["undone"] == "step.resumed"


def test_only_the_person_who_tapped_may_undo(chain, flow):
    job, turn, _assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    with refused("other_user", job):
        step_undo(step=turn, actor=chain.hub_owner)


def test_it_is_refused_when_too_late(chain, flow):
    job, turn, _assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    ProgressEvent.objects.filter(job=job, kind="step.started").update(
        created_at=timezone.now() - UNDO_WINDOW - dt.timedelta(seconds=1)
    )
    with refused("too_late", job):
        step_undo(step=turn, actor=chain.hub_floor)


def test_it_is_refused_once_the_next_step_has_started(chain, flow):
    job, turn, assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    step_done(step=turn, actor=chain.hub_floor, good=100)
    step_start(step=assemble, actor=chain.hub_owner)
    with refused("successor_started", job):
        step_undo(step=turn, actor=chain.hub_floor)


def test_a_tap_is_undone_once_and_an_untapped_step_has_nothing_to_undo(chain, flow):
    job, turn, assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    step_undo(step=turn, actor=chain.hub_floor)
    with refused("nothing_to_undo", job):
        step_undo(step=turn, actor=chain.hub_floor)
    with refused("nothing_to_undo", job):
        step_undo(step=assemble, actor=chain.hub_floor)


def test_the_floor_station_offers_the_undo_to_the_tapper_only_and_performs_it(chain, flow):
    job, turn, _assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    tapper = client_for(chain.hub_floor)
    page = tapper.get("/floor/").content.decode()
    assert 'id="floor-undo"' in page
    assert f"/jobs/{job.uuid}/steps/{turn.uuid}/undo/" in page
    other = client_for(chain.hub_owner).get(f"/floor/?workshop={chain.hub.uuid}")
    assert 'id="floor-undo"' not in other.content.decode()
    response = tapper.post(f"/jobs/{job.uuid}/steps/{turn.uuid}/undo/", {"next": "/floor/"})
    assert response.status_code == 302
    assert refreshed(turn).status == S.READY
    assert 'id="floor-undo"' not in tapper.get("/floor/").content.decode()


def test_the_floor_station_stops_offering_the_undo_after_the_window(chain, flow):
    job, turn, _assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    ProgressEvent.objects.filter(job=job, kind="step.started").update(
        created_at=timezone.now() - UNDO_WINDOW - dt.timedelta(seconds=1)
    )
    assert 'id="floor-undo"' not in client_for(chain.hub_floor).get("/floor/").content.decode()


def test_an_outsider_cannot_reach_the_undo(chain, flow):
    job, turn, _assemble = flow
    step_start(step=turn, actor=chain.hub_floor)
    response = client_for(chain.stranger_owner).post(f"/jobs/{job.uuid}/steps/{turn.uuid}/undo/")
    assert response.status_code == 404
    assert refreshed(turn).status == S.IN_PROGRESS
