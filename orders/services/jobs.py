"""Posting jobs and shaping their step DAG (until work starts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import Problems, Refused, idempotent
from workshops.access import require_member
from workshops.models import Process, User, Workshop

from ..events import append_event, locked_job
from ..models import (
    END_REASONS,
    ENDED_JOB_STATES,
    FINISHED_STEP_STATES,
    LIVE_ORDER_STATES,
    Job,
    JobStatus,
    Order,
    OrderStatus,
    Part,
    Step,
    StepInput,
    StepLink,
    StepStatus,
)
from ..selectors import contracted_orders
from .progress import recompute

JOB_FIELDS = (
    "part_name",
    "drawing_number",
    "material",
    "material_note",
    "quantity",
    "due_date",
    "customer_name",
    "notes",
    "priority",
)


def _check_due_date(due: date | None, *, field: str = "due_date") -> None:
    if due is not None and due < timezone.localdate():
        raise Refused({field: _("The due date cannot be in the past.")}, code="date_past")


def _check_quantity(quantity: Any, *, field: str = "quantity") -> None:
    if quantity is None or int(quantity) < 1:
        raise Refused({field: _("The quantity must be at least 1.")}, code="quantity_too_small")


def job_problems(data: dict[str, Any], *, job: Job | None = None) -> Problems:
    """Every reason `job_create` (or, with `job`, `job_update`) would refuse `data`, by
    field, all at once; it only reads. The job form adds them to its own field errors so
    that one submit says everything."""
    errors = Problems()
    checks = []
    if "due_date" in data and (job is None or data["due_date"] != job.due_date):
        checks.append((_check_due_date, data["due_date"]))
    if "quantity" in data or job is None:
        checks.append((_check_quantity, data.get("quantity")))
    for check, value in checks:
        try:
            check(value)
        except Refused as refused:
            errors.add_refused(refused)
    return errors


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "code"):
        return value.code
    return str(value)


@idempotent("job.create", Job)
@transaction.atomic
def job_create(
    *, workshop: Workshop, actor: User | None, data: dict[str, Any], uuid: Any = None
) -> Job:
    """Post a job; `uuid` lets a seeding command give it a stable, re-findable id."""
    require_member(actor, workshop, manage=True)
    return _job_create(workshop, actor=actor, data=data, uuid=uuid)


def _job_create(
    workshop: Workshop, *, actor: User | None, data: dict[str, Any], uuid: Any = None
) -> Job:
    errors = job_problems(data)
    if errors:
        raise Refused(errors)
    job = Job(
        owner=workshop, created_by=actor, **{k: v for k, v in data.items() if k in JOB_FIELDS}
    )
    if uuid is not None:
        job.uuid = uuid
    job.full_clean(exclude=["last_seq"])
    job.save()
    job = locked_job(job)
    Part.objects.main_for(job)
    append_event(job, "job.posted", actor=actor, workshop=workshop, part_name=job.part_name)
    return job


@idempotent("job.update", Job)
@transaction.atomic
def job_update(*, job: Job, actor: User | None, data: dict[str, Any]) -> Job:
    job = locked_job(job)
    require_member(actor, job.owner, manage=True)
    if job.status in ENDED_JOB_STATES:
        raise Refused(_("A finished job cannot be changed."), code="job_finished")
    errors = job_problems(data, job=job)
    if errors:
        raise Refused(errors)
    changes = {}
    for field in JOB_FIELDS:
        if field in data and getattr(job, field) != data[field]:
            changes[field] = [_jsonable(getattr(job, field)), _jsonable(data[field])]
            setattr(job, field, data[field])
    if not changes:
        return job
    job.full_clean(exclude=["last_seq"])
    job.save(update_fields=[*changes, "updated_at"])
    _sync_single_part(job, changes)
    # The customer and the notes are the hub's own: the log others may read says only that
    # they changed.
    for private in ("customer_name", "notes"):
        if private in changes:
            changes[private] = ["…", "…"]
    append_event(job, "job.updated", actor=actor, workshop=job.owner, changes=changes)
    recompute(job)
    return job


# A job's fields that its only part mirrors: a one-part job is edited as the job.
PART_MIRROR = {
    "part_name": "name",
    "drawing_number": "drawing_number",
    "material": "material",
    "material_note": "material_note",
    "quantity": "quantity",
}


def _sync_single_part(job: Job, changes: dict[str, Any]) -> None:
    parts = list(job.parts.all()[:2])
    if len(parts) != 1:
        return
    part = parts[0]
    fields = [PART_MIRROR[f] for f in changes if f in PART_MIRROR]
    for field in changes:
        if field in PART_MIRROR:
            setattr(part, PART_MIRROR[field], getattr(job, field))
    if fields:
        part.save(update_fields=fields)


def _check_step_values(*, planned_hours: Any, quantity: Any) -> None:
    if planned_hours is None or Decimal(str(planned_hours)) < 0:
        raise Refused({"planned_hours": _("Planned hours cannot be negative.")}, code="negative")
    _check_quantity(quantity)


def step_problems(
    *,
    job: Job,
    step: Step | None = None,
    planned_hours: Any = None,
    quantity: Any = None,
    after: Iterable[Step] = (),
    before: Iterable[Step] = (),
) -> Problems:
    """Every reason `step_insert` (or, with `step`, `step_change`) would refuse, by field, all
    at once; it only reads. A value left as None was not readable and is not checked: the
    step form passes what it could read and adds these to its own field errors."""
    problems = Problems()
    after, before = list(after), list(before)

    def check(rule, *args, **kwargs) -> None:
        try:
            rule(*args, **kwargs)
        except Refused as refused:
            if hasattr(refused, "error_dict"):
                problems.add_refused(refused)
            else:
                problems.add(NON_FIELD_ERRORS, refused.messages[0], refused.code)

    if job.status in ENDED_JOB_STATES:
        problems.add(NON_FIELD_ERRORS, _("A finished job cannot be changed."), "job_finished")
    if step is not None:
        check(_editable, step)
    if planned_hours is not None and Decimal(str(planned_hours)) < 0:
        problems.add("planned_hours", _("Planned hours cannot be negative."), "negative")
    if quantity not in (None, ""):
        check(_check_quantity, quantity)
    if any(p.job_id != job.pk for p in [*after, *before]):
        problems.add("after", _("A step can only follow steps of the same job."), "other_job")
    if {s.pk for s in after} & {s.pk for s in before}:
        problems.add(
            "before",
            _("A step cannot come both before and after this one."),
            "before_and_after",
        )
    if step is not None and any(p.pk == step.pk or _reaches(step, p) for p in after):
        problems.add(
            "after",
            _("That link would make a cycle: a step would have to wait for itself."),
            "cycle",
        )
    return problems


def _editable(step: Step) -> None:
    if step.status not in (StepStatus.PLANNED, StepStatus.READY):
        raise Refused(_("A step that has started can no longer be changed."), code="step_started")
    if step.orders.filter(status__in=LIVE_ORDER_STATES).exists():
        raise Refused(
            _("This step is routed to another shop. Withdraw or settle the order first."),
            code="step_routed",
        )


@idempotent("step.add", Step)
@transaction.atomic
def step_add(
    *,
    job: Job,
    actor: User | None,
    process: Process,
    planned_hours: Any,
    quantity: Any = None,
    title: str = "",
    after: Iterable[Step] = (),
    position: int | None = None,
    part: Part | None = None,
) -> Step:
    """Add a step, done in-house until routed, after the given predecessor steps, on `part`
    (the job's first part when not given)."""
    job = locked_job(job)
    require_member(actor, job.owner, manage=True)
    step = _step_add(
        job,
        actor=actor,
        process=process,
        planned_hours=planned_hours,
        quantity=quantity,
        title=title,
        after=after,
        position=position,
        part=part,
    )
    recompute(job)
    return step


def _step_add(
    job: Job,
    *,
    actor: User | None,
    process: Process,
    planned_hours: Any,
    quantity: Any,
    title: str,
    after: Iterable[Step],
    position: int | None = None,
    part: Part | None = None,
) -> Step:
    """Add a step to the locked `job` and say so; the caller recomputes."""
    if job.status in ENDED_JOB_STATES:
        raise Refused(_("A finished job cannot be changed."), code="job_finished")
    if part is None:
        part = Part.objects.main_for(job)
    elif part.job_id != job.pk:
        raise Refused({"part": _("Choose a part of this job.")}, code="other_job")
    quantity = part.quantity if quantity in (None, "") else quantity
    _check_step_values(planned_hours=planned_hours, quantity=quantity)
    after = list(after)
    if any(p.job_id != job.pk for p in after):
        raise Refused(_("A step can only follow steps of the same job."), code="other_job")
    if position is None:
        last = job.steps.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 10
    step = Step.objects.create(
        job=job,
        part=part,
        process=process,
        title=title,
        planned_hours=Decimal(str(planned_hours)),
        quantity=int(quantity),
        workshop=job.owner,
        position=position,
    )
    for predecessor in after:
        StepLink.objects.create(predecessor=predecessor, successor=step)
    append_event(
        job,
        "step.added",
        actor=actor,
        workshop=job.owner,
        step=step,
        process=process.code,
        part=str(part.uuid),
        after=[str(p.uuid) for p in after],
    )
    return step


@idempotent("step.update", Step)
@transaction.atomic
def step_update(*, step: Step, actor: User | None, data: dict[str, Any]) -> Step:
    job = locked_job(step.job_id)
    require_member(actor, job.owner, manage=True)
    step, changed = _step_update(job, step, actor=actor, data=data)
    if changed:
        recompute(job)
    return step


def _step_update(
    job: Job, step: Step, *, actor: User | None, data: dict[str, Any]
) -> tuple[Step, bool]:
    """Change a step's values on the locked `job` and say so: (the step, whether anything
    changed); the caller recomputes."""
    step = Step.objects.select_related("process").get(pk=step.pk)
    _editable(step)
    _check_step_values(
        planned_hours=data.get("planned_hours", step.planned_hours),
        quantity=data.get("quantity", step.quantity),
    )
    if "part" in data and data["part"].job_id != job.pk:
        raise Refused({"part": _("Choose a part of this job.")}, code="other_job")
    changes = {}
    for field in ("process", "title", "planned_hours", "quantity", "position", "part"):
        if field in data and getattr(step, field) != data[field]:
            changes[field] = [_jsonable(getattr(step, field)), _jsonable(data[field])]
            setattr(step, field, data[field])
    if not changes:
        return step, False
    step.save(update_fields=list(changes))
    append_event(job, "step.updated", actor=actor, workshop=job.owner, step=step, changes=changes)
    return step, True


@transaction.atomic
def step_remove(*, step: Step, actor: User | None) -> None:
    """Remove a step that has not started; its predecessors are joined to its successors so the
    order of the remaining work is kept."""
    job = locked_job(step.job_id)
    require_member(actor, job.owner, manage=True)
    step = Step.objects.select_related("process").get(pk=step.pk)
    _editable(step)
    if step.orders.exists():
        raise Refused(
            _("This step has order records and cannot be removed. Cancel it instead."),
            code="has_orders",
        )
    predecessors = list(step.predecessors.all())
    successors = list(step.successors.all())
    label, uuid_ = step.label, str(step.uuid)
    step.delete()
    for p in predecessors:
        for s in successors:
            StepLink.objects.get_or_create(predecessor=p, successor=s)
    append_event(job, "step.removed", actor=actor, workshop=job.owner, removed=uuid_, label=label)
    recompute(job)


def _reaches(start: Step, target: Step) -> bool:
    """Is `target` reachable from `start` along successor links?"""
    edges: dict[int, list[int]] = defaultdict(list)
    for a, b in StepLink.objects.filter(successor__job_id=start.job_id).values_list(
        "predecessor_id", "successor_id"
    ):
        edges[a].append(b)
    seen, stack = set(), [start.pk]
    while stack:
        node = stack.pop()
        if node == target.pk:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges[node])
    return False


@transaction.atomic
def step_link(*, predecessor: Step, successor: Step, actor: User | None) -> StepLink:
    job = locked_job(successor.job_id)
    require_member(actor, job.owner, manage=True)
    link, created = _step_link(job, predecessor, successor, actor=actor)
    if created:
        recompute(job)
    return link


def _step_link(
    job: Job, predecessor: Step, successor: Step, *, actor: User | None
) -> tuple[StepLink, bool]:
    """Make `successor` wait for `predecessor` on the locked `job`, and say so: (the link,
    whether it is new); the caller recomputes."""
    if predecessor.job_id != successor.job_id:
        raise Refused(_("Only steps of the same job can be linked."), code="other_job")
    if predecessor.pk == successor.pk or _reaches(successor, predecessor):
        raise Refused(
            _("That link would make a cycle: a step would have to wait for itself."),
            code="cycle",
        )
    successor = Step.objects.get(pk=successor.pk)
    if successor.status not in (StepStatus.PLANNED, StepStatus.READY):
        raise Refused(_("A step that has started can no longer be changed."), code="step_started")
    link, created = StepLink.objects.get_or_create(predecessor=predecessor, successor=successor)
    if created:
        if successor.status == StepStatus.READY:
            # It now waits for one more step.
            successor.status = StepStatus.PLANNED
            successor.save(update_fields=["status"])
        append_event(
            job,
            "step.linked",
            actor=actor,
            workshop=job.owner,
            step=successor,
            predecessor=str(predecessor.uuid),
        )
    return link, created


@transaction.atomic
def step_unlink(*, predecessor: Step, successor: Step, actor: User | None) -> None:
    job = locked_job(successor.job_id)
    require_member(actor, job.owner, manage=True)
    if _step_unlink(job, predecessor, successor, actor=actor):
        recompute(job)


def _step_unlink(job: Job, predecessor: Step, successor: Step, *, actor: User | None) -> bool:
    """Stop `successor` waiting for `predecessor` on the locked `job`, and say so: whether a
    link was removed; the caller recomputes."""
    # As for step_link: a started step keeps what fed it (its counts are checked against it).
    successor = Step.objects.get(pk=successor.pk)
    if successor.status not in (StepStatus.PLANNED, StepStatus.READY):
        raise Refused(_("A step that has started can no longer be changed."), code="step_started")
    deleted, _count = StepLink.objects.filter(predecessor=predecessor, successor=successor).delete()
    if deleted:
        append_event(
            job,
            "step.unlinked",
            actor=actor,
            workshop=job.owner,
            step=successor,
            predecessor=str(predecessor.uuid),
        )
    return bool(deleted)


@transaction.atomic
def step_insert(
    *,
    job: Job,
    actor: User | None,
    process: Process,
    planned_hours: Any,
    quantity: Any = None,
    title: str = "",
    after: Iterable[Step] = (),
    before: Iterable[Step] = (),
    part: Part | None = None,
) -> Step:
    """Add a step after some steps and, optionally, before others: the `before` steps then wait
    for the new step instead of for the `after` steps (an insertion into the flow). Its part is
    `part`, else the part of the step it follows."""
    after, before = list(after), list(before)
    job = locked_job(job)
    require_member(actor, job.owner, manage=True)
    problems = step_problems(
        job=job, planned_hours=planned_hours, quantity=quantity, after=after, before=before
    )
    if problems:
        raise Refused(problems)
    if part is None and after:
        part = Part.objects.get(pk=after[0].part_id)
    step = _step_add(
        job,
        actor=actor,
        process=process,
        planned_hours=planned_hours,
        quantity=quantity,
        title=title,
        after=after,
        part=part,
    )
    bypassed = {s.pk for s in after}
    for successor in before:
        _step_link(job, step, successor, actor=actor)
        for link in StepLink.objects.filter(
            successor=successor, predecessor_id__in=bypassed
        ).select_related("predecessor"):
            _step_unlink(job, link.predecessor, successor, actor=actor)
    recompute(job)
    return step


@transaction.atomic
def step_change(
    *, step: Step, actor: User | None, data: dict[str, Any], predecessors: Iterable[Step]
) -> Step:
    """Change a step's values and the steps it waits for, all or nothing."""
    job = locked_job(step.job_id)
    require_member(actor, job.owner, manage=True)
    predecessors = list(predecessors)
    problems = step_problems(
        job=job,
        step=Step.objects.get(pk=step.pk),
        planned_hours=data.get("planned_hours"),
        quantity=data.get("quantity"),
        after=predecessors,
    )
    if problems:
        raise Refused(problems)
    step, changed = _step_update(job, step, actor=actor, data=data)
    wanted = {p.pk: p for p in predecessors}
    current = set(StepLink.objects.filter(successor=step).values_list("predecessor_id", flat=True))
    for pk, predecessor in wanted.items():
        if pk not in current:
            changed |= _step_link(job, predecessor, step, actor=actor)[1]
    for link in (
        StepLink.objects.filter(successor=step)
        .exclude(predecessor_id__in=wanted)
        .select_related("predecessor")
    ):
        changed |= _step_unlink(job, link.predecessor, step, actor=actor)
    if changed:
        recompute(job)
    return step


@transaction.atomic
def job_copy(*, job: Job, actor: User | None, due_date: date, quantity: int | None = None) -> Job:
    """A repeat order: the same part and the same steps and links, planned afresh, in-house."""
    require_member(actor, job.owner, manage=True)
    data = {field: getattr(job, field) for field in JOB_FIELDS}
    data["due_date"] = due_date
    if quantity is not None:
        data["quantity"] = quantity
    copy = _job_create(job.owner, actor=actor, data=data)
    Job.objects.filter(pk=copy.pk).update(copied_from=job)
    copy.copied_from = job
    ratio = Decimal(copy.quantity) / Decimal(job.quantity)

    def scaled(n: int) -> int:
        return max(1, int((Decimal(n) * ratio).to_integral_value()))

    parts: dict[int, Part] = {}
    first = Part.objects.main_for(copy)
    for n, old_part in enumerate(job.parts.order_by("position", "pk")):
        values = {f: getattr(old_part, f) for f in ("name", "drawing_number", "revision")}
        values.update(material_id=old_part.material_id, material_note=old_part.material_note)
        if n == 0:
            Part.objects.filter(pk=first.pk).update(**values, quantity=scaled(old_part.quantity))
            parts[old_part.pk] = first
        else:
            parts[old_part.pk] = Part.objects.create(
                job=copy, position=old_part.position, quantity=scaled(old_part.quantity), **values
            )
    mapping: dict[int, Step] = {}
    for old in job.steps.filter(rework_of__isnull=True).order_by("position", "pk"):
        mapping[old.pk] = Step.objects.create(
            job=copy,
            part=parts[old.part_id],
            process_id=old.process_id,
            title=old.title,
            position=old.position,
            planned_hours=old.planned_hours,
            quantity=scaled(old.quantity),
            workshop=copy.owner,
        )
    StepLink.objects.bulk_create(
        [
            StepLink(predecessor=mapping[a], successor=mapping[b])
            for a, b in StepLink.objects.filter(successor__job=job).values_list(
                "predecessor_id", "successor_id"
            )
            if a in mapping and b in mapping
        ]
    )
    StepInput.objects.bulk_create(
        StepInput(step=mapping[i.step_id], part=parts[i.part_id], per_unit=i.per_unit)
        for i in StepInput.objects.filter(step__job=job)
        if i.step_id in mapping
    )
    append_event(
        copy,
        "job.copied",
        actor=actor,
        workshop=copy.owner,
        source=str(job.uuid),
        steps=len(mapping),
    )
    recompute(copy)
    return copy


# --- ending a job: cancel or close ---------------------------------------------------------------

# The one table of how a job ends: action → (states it may end from, the state it ends in; the
# event is `job.<state>`).
JOB_END = {
    "cancel": (frozenset({JobStatus.OPEN, JobStatus.IN_PROGRESS}), JobStatus.CANCELLED),
    "close": (frozenset({JobStatus.OPEN, JobStatus.IN_PROGRESS}), JobStatus.CLOSED),
}
END_NOTE_MAX = 300


def job_may_end(job: Job, action: str) -> bool:
    """Whether the job's state lets the hub cancel or close it: the page shows the buttons from
    here. (The rules that need the steps and orders are the service's, below.)"""
    return job.status in JOB_END[action][0]


def agreement_missing(contracted: list[Order]) -> str:
    """What the hub is told when suppliers hold accepted orders and it has not confirmed their
    agreement (the job end form shows it with the form's other errors)."""
    shops = "、".join(dict.fromkeys(o.supplier.name for o in contracted))
    return _(
        "%(shops)s accepted orders for this job. An accepted order is a contract: agree with "
        "them how the work done so far is paid, then confirm it here."
    ) % {"shops": shops}


def _end_job(
    *, job: Job, actor: User | None, action: str, reason: str, note: str, suppliers_agreed: bool
) -> Job:
    """Cancel or close `job` (see docs/JOB_END.md for the rule):

    - requested orders are withdrawn; accepted orders not yet delivered are contracts, so they
      are cancelled only when the hub confirms it agreed with their suppliers how the work done
      so far is paid (取適法 forbids the buyer changing or cancelling an order at the
      supplier's expense); delivered orders stay as they are;
    - every step not finished is cancelled, in-house work in progress included;
    - a step on the open board must be withdrawn from it first;
    - closing keeps what was made, so something must have been made.
    One event per changed order and step (so every floor board and order page hears of it), then
    the job's own event, which tells every supplier."""
    job = locked_job(job)
    require_member(actor, job.owner, manage=True)
    to_state = JOB_END[action][1]
    if not job_may_end(job, action):
        raise Refused(
            _("This job is already %(status)s.") % {"status": job.get_status_display()},
            code="ended",
        )
    errors: dict[str, str] = {}
    if reason not in dict(END_REASONS[action]):
        errors["reason"] = _("Choose a reason.")
    note = (note or "").strip()
    if len(note) > END_NOTE_MAX:
        errors["note"] = _("Keep the note to %(n)s characters.") % {"n": END_NOTE_MAX}
    if errors:
        raise Refused(errors)
    steps = list(
        Step.objects.select_for_update().filter(job=job).select_related("workshop", "process")
    )
    if action == "close" and not any(s.status == StepStatus.DONE for s in steps):
        raise Refused(
            _("Nothing of this job has been made yet: cancel it instead of closing it."),
            code="nothing_made",
        )
    if Step.objects.on_open_board().filter(job=job).exists():
        raise Refused(
            _("A step of this job is on the open board. Withdraw the posting first."),
            code="on_open_board",
        )
    orders = list(
        Order.objects.select_for_update()
        .filter(job=job)
        .select_related("buyer", "supplier")
        .order_by("requested_at", "pk")
    )
    contracted = list(contracted_orders(job))
    if contracted and not suppliers_agreed:
        raise Refused({"suppliers_agreed": agreement_missing(contracted)}, code="needs_agreement")

    now = timezone.now()
    told = list(
        dict.fromkeys(
            str(o.supplier.uuid)
            for o in orders
            if o.status in LIVE_ORDER_STATES and o.supplier_id != job.owner_id
        )
    )
    withdrawn = cancelled = 0
    for order in orders:
        if order.status == OrderStatus.REQUESTED:
            order.status = OrderStatus.WITHDRAWN
            order.decided_by = actor
            order.decided_at = now
            order.save(update_fields=["status", "decided_by", "decided_at"])
            append_event(
                job,
                "order.withdrawn",
                actor=actor,
                workshop=order.buyer,
                order=order,
                ended=to_state,
            )
            withdrawn += 1
        elif order.status == OrderStatus.ACCEPTED:
            order.status = OrderStatus.CANCELLED
            order.save(update_fields=["status"])
            append_event(
                job,
                "order.cancelled",
                actor=actor,
                workshop=order.buyer,
                order=order,
                ended=to_state,
                reason=reason,
            )
            cancelled += 1
    open_steps = sorted(
        (s for s in steps if s.status not in FINISHED_STEP_STATES),
        key=lambda s: (s.position, s.pk),
    )
    for step in open_steps:
        step.status = StepStatus.CANCELLED
        step.finished_at = now
        step.save(update_fields=["status", "finished_at"])
        append_event(
            job, "step.cancelled", actor=actor, workshop=job.owner, step=step, ended=to_state
        )
    job.status = to_state
    job.end_reason = reason
    job.end_note = note
    job.save(update_fields=["status", "end_reason", "end_note", "updated_at"])
    # The hub's note stays with the hub: the log every party reads carries the code only.
    append_event(
        job,
        f"job.{to_state}",
        actor=actor,
        workshop=job.owner,
        reason=reason,
        suppliers=told,
        orders_withdrawn=withdrawn,
        orders_cancelled=cancelled,
        steps_cancelled=len(open_steps),
    )
    recompute(job, actor=actor)
    return job


@idempotent("job.cancel", Job)
@transaction.atomic
def job_cancel(
    *,
    job: Job,
    actor: User | None,
    reason: str,
    note: str = "",
    suppliers_agreed: bool = False,
) -> Job:
    """The hub calls the job off: nothing more is made (see `_end_job`)."""
    return _end_job(
        job=job,
        actor=actor,
        action="cancel",
        reason=reason,
        note=note,
        suppliers_agreed=suppliers_agreed,
    )


@idempotent("job.close", Job)
@transaction.atomic
def job_close(
    *,
    job: Job,
    actor: User | None,
    reason: str,
    note: str = "",
    suppliers_agreed: bool = False,
) -> Job:
    """The hub ends the job with what was made; the rest is not needed (see `_end_job`)."""
    return _end_job(
        job=job,
        actor=actor,
        action="close",
        reason=reason,
        note=note,
        suppliers_agreed=suppliers_agreed,
    )
