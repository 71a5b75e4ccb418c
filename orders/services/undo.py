"""Undo a floor worker's last tap, for a short time (「取り消す」).

A tap on the floor station (start, done, hold, resume) can be taken back by the person who
made it, within UNDO_WINDOW, while nothing has moved after it: no later event on the step
(the readiness the tap itself caused aside), no successor started, no parts shipped on. The
tap is read from the event log, so the step needs no field of its own: the undo finds the
step's last event, checks it, puts the step back as it was before the tap, reverses the
rollups the tap added, demotes successors that were made ready by it, recomputes the job and
appends `step.undone` (who, when, which tap).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import Refused, idempotent
from workshops.access import require_member
from workshops.models import User, Workshop

from .. import rollups
from ..dag import StepGraph
from ..events import append_event, defer_seq, locked_job
from ..joborders import keep_orders
from ..models import ENDED_JOB_STATES, HandOff, Job, JobStatus, ProgressEvent, Step, StepStatus
from .progress import recompute

S = StepStatus

UNDO_WINDOW = dt.timedelta(minutes=2)

# The taps that can be undone, and the state each leaves the step in (checked before undoing:
# a step that is no longer where the tap left it has moved on).
UNDOABLE = {
    "step.started": {S.IN_PROGRESS},
    "step.done": {S.DONE},
    "step.held": {S.ON_HOLD},
    "step.resumed": {S.IN_PROGRESS, S.PLANNED, S.READY},
}
# Events a tap causes by itself, in its own transaction, which do not count as a later move.
CAUSED = ("step.ready", "job.completed")


def _last_event(step: Step) -> ProgressEvent | None:
    return (
        ProgressEvent.objects.filter(step=step)
        .exclude(kind__in=CAUSED)
        .order_by("-seq")
        .select_related("actor")
        .first()
    )


def _successors_moved(successors: list[Step]) -> bool:
    for successor in successors:
        if successor.started_at is not None or successor.status in (S.IN_PROGRESS, S.DONE):
            return True
        if successor.status == S.ON_HOLD and successor.held_from == S.IN_PROGRESS:
            return True
    return False


def undo_problem(
    *, step: Step, actor: User | None, event: ProgressEvent | None, successors: list[Step], now
) -> Refused | None:
    """Why this tap cannot be undone now, or None. Read-only: the floor station shows the
    button from the same rule the service applies."""
    if event is None or event.kind not in UNDOABLE:
        return Refused(_("There is no tap to undo on this step."), code="nothing_to_undo")
    if actor is None or event.actor_id != actor.pk:
        return Refused(_("Only the person who tapped can undo it."), code="other_user")
    if now - event.created_at > UNDO_WINDOW:
        return Refused(
            _("It is too late to undo this tap: ask the manager to correct the step."),
            code="too_late",
        )
    if step.job.status in (JobStatus.CLOSED, JobStatus.CANCELLED):
        return Refused(_("The job has ended."), code="job_ended")
    if step.status not in UNDOABLE[event.kind]:
        return Refused(_("The step has moved on since this tap."), code="moved_on")
    if _successors_moved(successors):
        return Refused(
            _("The next step has started since: the tap can no longer be undone."),
            code="successor_started",
        )
    if event.kind == "step.done" and HandOff.objects.filter(from_step=step).exists():
        return Refused(
            _("Parts from this step were shipped since: the tap can no longer be undone."),
            code="parts_shipped",
        )
    return None


def undoable_tap(*, user: User, workshop: Workshop, now=None) -> ProgressEvent | None:
    """The user's last tap at `workshop` that may still be undone (for the floor station's
    「取り消す」), or None. One query without a recent tap; with one, its step's last event and
    its successors (and, after a done, whether parts left): 3 or 4 whatever the queue."""
    now = now or timezone.now()
    event = (
        ProgressEvent.objects.filter(
            actor=user,
            step__workshop=workshop,
            kind__in=UNDOABLE,
            created_at__gte=now - UNDO_WINDOW,
        )
        .select_related("step__process", "step__job")
        .order_by("-created_at", "-pk")
        .first()
    )
    if event is None:
        return None
    step = event.step
    if _last_event(step) != event:
        return None
    successors = list(Step.objects.filter(predecessors=step))
    problem = undo_problem(step=step, actor=user, event=event, successors=successors, now=now)
    return None if problem else event


@idempotent("step.undo", Step)
@transaction.atomic
def step_undo(*, step: Step, actor: User | None) -> Step:
    """Put `step` back as it was before the actor's last tap on it (see the module's doc)."""
    job = locked_job(step.job_id)
    # No order changes here, and the recompute ends it: orders read once, the seq written once.
    keep_orders(job)
    defer_seq(job)
    graph = StepGraph.load(job)
    if step.pk not in graph:
        raise Step.DoesNotExist("No such step.")
    job._step_graph = graph
    step = graph.step(step.pk)
    step.job = job
    require_member(actor, step.workshop)
    event = _last_event(step)
    successors = [graph.step(pk) for pk in graph.successors(step.pk)]
    problem = undo_problem(
        step=step, actor=actor, event=event, successors=successors, now=timezone.now()
    )
    if problem is not None:
        raise problem
    reopened = None
    if event.kind == "step.started":
        rollups.step_start_undone(step)
        step.status, step.started_at = S.READY, None
        step.save(update_fields=["status", "started_at"])
    elif event.kind == "step.done":
        rollups.step_done_undone(step)
        step.status = S.IN_PROGRESS
        step.good_qty = step.scrap_qty = None
        step.finished_at = None
        step.save(update_fields=["status", "good_qty", "scrap_qty", "finished_at"])
        # Successors made ready by this step's end wait for it again.
        demote = [pk for pk in graph.successors(step.pk) if graph.step(pk).status == S.READY]
        Step.objects.filter(pk__in=demote).update(status=S.PLANNED)
        for pk in demote:
            graph.step(pk).status = S.PLANNED
        reopened = _reopen(job, after=event)
    elif event.kind == "step.held":
        step.status = step.held_from or S.PLANNED
        step.held_from = step.hold_reason = step.hold_note = ""
        step.save(update_fields=["status", "held_from", "hold_reason", "hold_note"])
    else:  # step.resumed: on hold again, for the reason it was held (the note is not kept)
        held = (
            ProgressEvent.objects.filter(step=step, kind="step.held", seq__lt=event.seq)
            .order_by("-seq")
            .first()
        )
        step.held_from = S.IN_PROGRESS if step.status == S.IN_PROGRESS else step.status
        step.status = S.ON_HOLD
        step.hold_reason = (held.data.get("reason", "") if held else "") or "other"
        step.save(update_fields=["status", "held_from", "hold_reason"])
    append_event(
        job,
        "step.undone",
        actor=actor,
        workshop=step.workshop,
        step=step,
        undone=event.kind,
        undone_seq=event.seq,
        reopened_seq=reopened,
    )
    recompute(job, actor=actor, graph=graph)
    _settle_job_status(job, graph)
    return step


def _reopen(job: Job, *, after: ProgressEvent) -> int | None:
    """The done tap completed the job: the job is open again and its completion leaves the
    rollups. Returns the seq of the `job.completed` event so undone (rebuilds skip it)."""
    completed = (
        ProgressEvent.objects.filter(job=job, kind="job.completed", seq__gt=after.seq)
        .order_by("seq")
        .first()
    )
    if completed is None or job.status != JobStatus.DONE:
        return None
    rollups.job_completion_undone(job, at=completed.created_at)
    job.status = JobStatus.IN_PROGRESS
    job.save(update_fields=["status", "updated_at"])
    return completed.seq


def _settle_job_status(job: Job, graph: StepGraph) -> None:
    """A job whose only started step was un-started is open again (recompute moves a job
    forward only)."""
    if job.status in ENDED_JOB_STATES or job.status != JobStatus.IN_PROGRESS:
        return
    if not graph.statuses() & {S.IN_PROGRESS, S.DONE, S.ON_HOLD}:
        job.status = JobStatus.OPEN
        job.save(update_fields=["status", "updated_at"])
