"""Steps moving through their state machine, and parts handed from shop to shop."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.prepared import read_together, save_fields
from core.services import Refused, idempotent
from core.together import atomic_together
from workshops.access import require_member
from workshops.models import User

from .. import rollups
from ..dag import JOB_LINKS, JOB_STEPS, StepGraph
from ..events import LOCKED_JOB, append_event, defer_seq, locked_job, write_seq
from ..joborders import JOB_ORDERS, keep_orders
from ..models import (
    ENDED_JOB_STATES,
    FINISHED_STEP_STATES,
    HOLD_NOTE_LENGTH,
    DefectCause,
    HoldReason,
    Job,
    JobStatus,
    OrderStatus,
    Step,
    StepStatus,
)
from ..schedule import project_job, step_orders
from ..selectors import awaiting_supply, parts_available

S = StepStatus

# The one table of allowed step transitions: action → (states it may start from, state it ends in).
# "resume" ends in the state the step was held from (or planned, to be re-checked for readiness).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "start": (frozenset({S.READY}), S.IN_PROGRESS),
    "done": (frozenset({S.IN_PROGRESS}), S.DONE),
    "hold": (frozenset({S.PLANNED, S.READY, S.IN_PROGRESS}), S.ON_HOLD),
    "resume": (frozenset({S.ON_HOLD}), None),
    "cancel": (frozenset({S.PLANNED, S.READY, S.IN_PROGRESS, S.ON_HOLD}), S.CANCELLED),
}

REFUSALS = {
    "start": gettext_lazy("This step cannot be started now: it is %(status)s."),
    "done": gettext_lazy("Only a step in progress can be marked done; this one is %(status)s."),
    "hold": gettext_lazy("This step cannot be put on hold: it is %(status)s."),
    "resume": gettext_lazy("Only a step on hold can be resumed; this one is %(status)s."),
    "cancel": gettext_lazy("This step cannot be cancelled: it is %(status)s."),
}


def _locked_step(step: Step | int) -> tuple[Job, Step]:
    """The job locked, then its step graph read under that lock; the step is the graph's own,
    so what the service changes on it is what the recompute sees.

    The job's lock is the step's: every writer of a job's steps takes it first, so the step
    row needs no lock of its own. The locked job carries the graph to `recompute`, which so
    reads the steps once per call."""
    pk, job_id = _step_and_job(step)
    job = locked_job(job_id)
    return job, _graph_step(job, StepGraph.load(job), pk)


def _step_and_job(step: Step | int) -> tuple[int, int]:
    if isinstance(step, Step) and step.job_id is not None:
        return step.pk, step.job_id
    pk = step.pk if isinstance(step, Step) else step
    return pk, Step.objects.filter(pk=pk).values_list("job_id", flat=True).get()


def _graph_step(job: Job, graph: StepGraph, pk: int) -> Step:
    if pk not in graph:
        raise Step.DoesNotExist("No such step.")
    job._step_graph = graph
    step = graph.step(pk)
    step.job = job
    return step


def _tap(step: Step | int) -> tuple[Job, Step]:
    """`_locked_step` for a transition, which changes no order and ends in `recompute`: the
    job's lock, its steps, links and live orders are read in one round trip (the orders for
    the events' routing and the recompute), and the job's seq is written once, by the
    recompute, however many events the transition appends."""
    pk, job_id = _step_and_job(step)
    found, steps, links, orders = read_together(
        *((query, (job_id,)) for query in (LOCKED_JOB, JOB_STEPS, JOB_LINKS, JOB_ORDERS))
    )
    if not found:
        raise Job.DoesNotExist("No such job.")
    job = found[0]
    step = _graph_step(job, StepGraph.load(job, read=(steps, links)), pk)
    keep_orders(job, orders)
    defer_seq(job)
    return job, step


def allows(action: str, step: Step) -> bool:
    """Whether `step`'s state allows `action`: the pages show a step's buttons from here."""
    return step.status in TRANSITIONS[action][0]


def _check(action: str, step: Step) -> None:
    if not allows(action, step):
        raise Refused(
            REFUSALS[action] % {"status": step.get_status_display()}, code=f"bad_state_{action}"
        )


# --- readiness and the job's own state -----------------------------------------------------------


def recompute(job: Job, *, actor: User | None = None, graph: StepGraph | None = None) -> None:
    """After any change to a job, once: readiness, the job's own status and the projected
    schedule, from one step graph: `graph`, else the one `_locked_step` read under the job's
    lock, else read here (after the change). Writes only what moved."""
    if graph is None:
        graph = getattr(job, "_step_graph", None)
    if graph is None:
        graph = StepGraph.load(job, related=("workshop",))
    requested, step_due, supplied = step_orders(job)
    waiting = requested | awaiting_supply(graph, supplied)
    _refresh_readiness(job, graph, requested=waiting, actor=actor)
    _refresh_job_status(job, graph, actor=actor)
    project_job(job, graph=graph, step_due=step_due)
    # A seq the service deferred (`defer_seq`) and the projection did not carry.
    write_seq(job)


def _refresh_readiness(
    job: Job, graph: StepGraph, *, requested: set[int], actor: User | None
) -> None:
    """Planned steps whose predecessors are done (and whose parts have arrived) become ready;
    `requested` are steps that wait on something else (an answer, supplied material)."""
    ready = graph.ready_ids(requested=requested)
    if not ready:
        return
    # Written with the projection, which `recompute` writes next (one statement for both).
    graph.status_moved |= ready
    for step in graph.steps.values():  # in position order
        if step.pk in ready:
            step.status = S.READY
            append_event(job, "step.ready", actor=actor, workshop=step.workshop, step=step)


def _refresh_job_status(job: Job, graph: StepGraph, *, actor: User | None) -> None:
    if job.status in ENDED_JOB_STATES:
        return
    statuses = graph.statuses()
    new_status = job.status
    if statuses and statuses <= set(FINISHED_STEP_STATES) and S.DONE in statuses:
        new_status = JobStatus.DONE
    elif statuses & {S.IN_PROGRESS, S.DONE, S.ON_HOLD}:
        new_status = JobStatus.IN_PROGRESS
    if new_status != job.status:
        job.status = new_status
        save_fields(job, ["status", "updated_at"])
        if new_status == JobStatus.DONE:
            # A job reopened by returned parts is counted once; a completion taken back by
            # undoing the tap that caused it never counted.
            undone = set(
                job.events.filter(kind="step.undone").values_list("data__reopened_seq", flat=True)
            )
            again = (
                job.events.filter(kind="job.completed").exclude(seq__in=undone - {None}).exists()
            )
            event = append_event(job, "job.completed", actor=actor, workshop=job.owner)
            if not again:
                rollups.job_completed(job, at=event.created_at)


# --- transitions ---------------------------------------------------------------------------------


def _performer_may(actor: User | None, step: Step) -> None:
    require_member(actor, step.workshop)


@idempotent("step.start", Step)
@atomic_together
def step_start(*, step: Step, actor: User | None) -> Step:
    job, step = _tap(step)
    _performer_may(actor, step)
    _check("start", step)
    step.status = S.IN_PROGRESS
    step.started_at = timezone.now()
    save_fields(step, ["status", "started_at"])
    append_event(job, "step.started", actor=actor, workshop=step.workshop, step=step)
    rollups.step_started(step)
    recompute(job, actor=actor)
    return step


@idempotent("step.done", Step)
@atomic_together
def step_done(
    *, step: Step, actor: User | None, good: int, scrap: int = 0, scrap_cause: str = ""
) -> Step:
    """Mark a step done with how many parts came out good and how many were scrapped, and, for
    scrap, why (a `DefectCause` code)."""
    job, step = _tap(step)
    _performer_may(actor, step)
    _check("done", step)
    if good is None or scrap is None or int(good) < 0 or int(scrap) < 0:
        raise Refused(_("Good and scrap counts cannot be negative."), code="negative")
    good, scrap = int(good), int(scrap)
    if good + scrap == 0:
        raise Refused(_("Enter how many parts were made (good and scrap)."), code="empty")
    available = _parts_available(step, job._step_graph)
    if good + scrap > available:
        raise Refused(
            _("Good and scrap together (%(n)s) exceed the %(available)s parts this step had.")
            % {"n": good + scrap, "available": available},
            code="too_many",
        )
    scrap_cause = (scrap_cause or "").strip() if scrap else ""
    if scrap_cause and scrap_cause not in DefectCause.values:
        raise Refused({"scrap_cause": _("Choose the cause of the scrap.")}, code="cause_unknown")
    step.status = S.DONE
    step.good_qty, step.scrap_qty, step.scrap_cause = good, scrap, scrap_cause
    step.finished_at = timezone.now()
    save_fields(step, ["status", "good_qty", "scrap_qty", "scrap_cause", "finished_at"])
    append_event(
        job,
        "step.done",
        actor=actor,
        workshop=step.workshop,
        step=step,
        good=good,
        scrap=scrap,
        **({"scrap_cause": scrap_cause} if scrap_cause else {}),
    )
    rollups.step_done(step)
    recompute(job, actor=actor)
    return step


def _parts_available(step: Step, graph: StepGraph | None = None) -> int:
    """How many parts a step can have worked on (see `selectors.parts_available`)."""
    return parts_available([step], graph=graph)[step.pk]


@idempotent("step.hold", Step)
@atomic_together
def step_hold(*, step: Step, actor: User | None, reason: str, note: str = "") -> Step:
    """Hold a step for `reason`, a `HoldReason` code, with an optional note in the holder's
    words. The event carries the code: each reader sees the label in their own language."""
    job, step = _tap(step)
    _performer_may(actor, step)
    _check("hold", step)
    reason = (reason or "").strip()
    if not reason:
        raise Refused({"reason": _("Give a reason for the hold.")}, code="reason_required")
    if reason not in HoldReason.values:
        raise Refused({"reason": _("Choose one of the hold reasons.")}, code="reason_unknown")
    step.held_from = step.status
    step.status = S.ON_HOLD
    step.hold_reason = reason
    step.hold_note = (note or "").strip()[:HOLD_NOTE_LENGTH]
    save_fields(step, ["status", "held_from", "hold_reason", "hold_note"])
    append_event(job, "step.held", actor=actor, workshop=step.workshop, step=step, reason=reason)
    recompute(job, actor=actor)
    return step


@idempotent("step.resume", Step)
@atomic_together
def step_resume(*, step: Step, actor: User | None) -> Step:
    job, step = _tap(step)
    _performer_may(actor, step)
    _check("resume", step)
    # A step held before it started goes back to planned and is re-checked for readiness.
    step.status = S.IN_PROGRESS if step.held_from == S.IN_PROGRESS else S.PLANNED
    step.held_from = ""
    step.hold_reason = ""
    step.hold_note = ""
    save_fields(step, ["status", "held_from", "hold_reason", "hold_note"])
    append_event(job, "step.resumed", actor=actor, workshop=step.workshop, step=step)
    recompute(job, actor=actor)
    return step


@idempotent("step.cancel", Step)
@atomic_together
def step_cancel(*, step: Step, actor: User | None, reason: str = "") -> Step:
    """The hub cancels a step it no longer needs; its successors stop waiting for it."""
    job, step = _tap(step)
    require_member(actor, job.owner, manage=True)
    _check("cancel", step)
    if step.orders.filter(status__in=(OrderStatus.REQUESTED, OrderStatus.ACCEPTED)).exists():
        raise Refused(
            _("This step is covered by an open order. Settle the order with the supplier first."),
            code="covered_by_order",
        )
    step.status = S.CANCELLED
    step.finished_at = timezone.now()
    save_fields(step, ["status", "finished_at"])
    append_event(job, "step.cancelled", actor=actor, workshop=job.owner, step=step, reason=reason)
    recompute(job, actor=actor)
    return step
