"""Appending to a job's event log. Only services call this, inside their transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import together
from core.prepared import Prepared, insert, save_fields
from workshops.models import User, Workshop

from . import broadcast
from .models import Job, Order, ProgressEvent, Step

# Every kind of event, with the label the timeline shows.
EVENT_LABELS = {
    "job.posted": _("Job posted"),
    "job.updated": _("Job updated"),
    "job.copied": _("Job copied from an earlier one"),
    "job.completed": _("Job completed"),
    "job.cancelled": _("Job cancelled"),
    "job.closed": _("Job closed with what was made"),
    "job.reopened": _("Job reopened for returned parts"),
    "part.added": _("Part added"),
    "part.updated": _("Part changed"),
    "part.removed": _("Part removed"),
    "step.inputs_set": _("Assembly parts set"),
    "step.rework_opened": _("Rework step opened for returned parts"),
    "step.added": _("Step added"),
    "step.updated": _("Step changed"),
    "step.removed": _("Step removed"),
    "step.linked": _("Steps linked"),
    "step.unlinked": _("Steps unlinked"),
    "step.ready": _("Step ready"),
    "step.started": _("Step started"),
    "step.done": _("Step done"),
    "step.held": _("Step on hold"),
    "step.resumed": _("Step resumed"),
    "step.cancelled": _("Step cancelled"),
    "step.undone": _("Tap undone"),
    "order.requested": _("Order requested"),
    "order.accepted": _("Order accepted"),
    "order.declined": _("Order declined"),
    "order.withdrawn": _("Order request withdrawn"),
    "order.terms_changed": _("Order terms changed"),
    # A counter-offer's price stays off the log (every party reads it): the order page has it.
    "order.countered": _("Counter-offer received"),
    "order.counter_accepted": _("Counter-offer accepted"),
    "order.counter_declined": _("Counter-offer declined"),
    "order.delivered": _("Order delivered"),
    "payment.recorded": _("Payment recorded"),
    "payment.confirmed": _("Payment receipt confirmed"),
    "payment.flagged": _("Payment late or short"),
    "order.payment_date_late": _("Payment date now past the 60-day limit: set a new one"),
    "order.cancelled": _("Order cancelled with its job"),
    "order.rated": _("Order rated"),
    "order.rating_replied": _("Rating answered"),
    "document.issued": _("Order document issued"),
    "acceptance.recorded": _("Order acceptance (注文請書) recorded"),
    # The open board: in the hub's log only (no step or order on the event), never a price.
    "posting.opened": _("Posted on the open board"),
    "posting.awarded": _("Posting awarded"),
    "posting.closed": _("Posting closed at its answer-by time"),
    "posting.withdrawn": _("Posting withdrawn"),
    "offer.submitted": _("Offer received"),
    "offer.revised": _("Offer revised"),
    "offer.withdrawn": _("Offer withdrawn"),
    "handoff.shipped": _("Parts shipped"),
    "handoff.received": _("Parts received"),
    "handoff.inspected": _("Parts inspected (検収)"),
    "handoff.returned": _("Parts returned to the supplier"),
    "handoff.supplied": _("Material supplied by the buyer"),
    # Drawings: added and revised are job-wide (every party hears of a new revision; the event
    # names the drawing number and revision, never the file); shared concerns one order.
    "drawing.added": _("Drawing added"),
    "drawing.revised": _("New drawing revision"),
    "drawing.linked": _("Drawing's steps changed"),
    "drawing.shared": _("Drawings shared with an order"),
}


# Apps above orders that read the log as it is written (notifications): each is called with
# every new event inside its transaction, and may only arrange work for after the commit.
_subscribers: list[Callable[[ProgressEvent], None]] = []


def event_ref(event: ProgressEvent) -> int | list[int]:
    """How work after the commit names an event: its key, or [job, seq] when the key was not
    read back (an event appended where a floor tap holds its writes, `core.together`)."""
    return event.pk if event.pk is not None else [event.job_id, event.seq]


def events_named(refs: list[int | list[int]]) -> Q:
    """The filter for the events `refs` name (`event_ref`: keys, or [job, seq] pairs)."""
    match = Q(pk__in=[ref for ref in refs if isinstance(ref, int)])
    seqs: dict[int, list[int]] = {}
    for ref in refs:
        if not isinstance(ref, int):
            job_id, seq = ref
            seqs.setdefault(job_id, []).append(seq)
    for job_id, numbers in seqs.items():
        match |= Q(job_id=job_id, seq__in=numbers)
    return match


def subscribe(subscriber: Callable[[ProgressEvent], None]) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def locked_job(job: Job | int) -> Job:
    """The job row, locked until the transaction ends: every change to a job and its steps
    takes this lock first, so seq numbers are handed out one at a time without gaps. The owner
    comes with it (every event is sent to the owner's floor board), and is not locked."""
    pk = job.pk if isinstance(job, Job) else job
    found = LOCKED_JOB(pk)
    if not found:
        raise Job.DoesNotExist("No such job.")
    return found[0]


LOCKED_JOB = Prepared(
    lambda pk: Job.objects.select_related("owner").select_for_update(of=("self",)).filter(pk=pk),
    int,
    name="locked job",
)


def defer_seq(job: Job) -> None:
    """The caller (holding `job` locked) writes the job's `last_seq` once, before its commit,
    instead of once per event: it promises to call `write_seq` (or to save what
    `unwritten_seq` hands it) after its last event. The step services do, in `recompute`,
    merged with the projection's update of the job row when that moves."""
    job._seq_deferred = True


def unwritten_seq(job: Job) -> dict[str, int]:
    """`{"last_seq": …}` when events were appended since the job's seq was last written (the
    caller writes it with its own update of the job row, now), else `{}`."""
    if not getattr(job, "_seq_unwritten", False):
        return {}
    job._seq_unwritten = False
    return {"last_seq": job.last_seq}


def write_seq(job: Job) -> None:
    """Write the job's seq if an event was appended since it was last written."""
    fields = unwritten_seq(job)
    if fields:
        save_fields(job, list(fields))


def append_event(
    job: Job,
    kind: str,
    *,
    actor: User | None,
    workshop: Workshop | None = None,
    step: Step | None = None,
    order: Order | None = None,
    handoff=None,
    **data: Any,
) -> ProgressEvent:
    """Append one event to `job` (which the caller holds locked) and publish it after commit."""
    if kind not in EVENT_LABELS:
        raise ValueError(f"Unknown event kind {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Events are appended inside the transaction that makes the change.")
    job.last_seq += 1
    if getattr(job, "_seq_deferred", False):
        job._seq_unwritten = True  # written once, before the commit (`unwritten_seq`)
    else:
        Job.objects.filter(pk=job.pk).update(last_seq=job.last_seq)
    event = insert(
        ProgressEvent(
            job=job,
            seq=job.last_seq,
            kind=kind,
            actor=actor,
            workshop=workshop,
            step=step,
            order=order,
            handoff=handoff,
            data=data,
        ),
        # Where writes are held together (a floor tap), the row goes with the next statement:
        # its key is not read back (the event is (job, seq) to those who need to name it).
        returning=not together.holding(),
    )
    broadcast.publish_on_commit(event)
    for subscriber in _subscribers:
        subscriber(event)
    return event
