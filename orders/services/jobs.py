"""Posting jobs and shaping their step DAG (until work starts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import Refused
from workshops.access import require_member
from workshops.models import Process, User, Workshop

from ..events import append_event, locked_job
from ..models import (
    LIVE_ORDER_STATES,
    Job,
    JobStatus,
    Step,
    StepLink,
    StepStatus,
)
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
        raise Refused({field: _("The due date cannot be in the past.")})


def _check_quantity(quantity: Any, *, field: str = "quantity") -> None:
    if quantity is None or int(quantity) < 1:
        raise Refused({field: _("The quantity must be at least 1.")})


def job_problems(data: dict[str, Any], *, job: Job | None = None) -> dict[str, list[str]]:
    """Every reason `job_create` (or, with `job`, `job_update`) would refuse `data`, by
    field, all at once; it only reads. The job form adds them to its own field errors so
    that one submit says everything."""
    errors: dict[str, list[str]] = {}
    checks = []
    if "due_date" in data and (job is None or data["due_date"] != job.due_date):
        checks.append((_check_due_date, data["due_date"]))
    if "quantity" in data or job is None:
        checks.append((_check_quantity, data.get("quantity")))
    for check, value in checks:
        try:
            check(value)
        except Refused as refused:
            for field, messages in refused.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    return errors


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "code"):
        return value.code
    return str(value)


@transaction.atomic
def job_create(
    *, workshop: Workshop, actor: User | None, data: dict[str, Any], uuid: Any = None
) -> Job:
    """Post a job; `uuid` lets a seeding command give it a stable, re-findable id."""
    require_member(actor, workshop, manage=True)
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
    append_event(job, "job.posted", actor=actor, workshop=workshop, part_name=job.part_name)
    return job


@transaction.atomic
def job_update(*, job: Job, actor: User | None, data: dict[str, Any]) -> Job:
    job = locked_job(job)
    require_member(actor, job.owner, manage=True)
    if job.status in (JobStatus.DONE, JobStatus.CANCELLED):
        raise Refused(_("A finished job cannot be changed."))
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
    # The customer and the notes are the hub's own: the log others may read says only that
    # they changed.
    for private in ("customer_name", "notes"):
        if private in changes:
            changes[private] = ["…", "…"]
    append_event(job, "job.updated", actor=actor, workshop=job.owner, changes=changes)
    recompute(job)
    return job


def _check_step_values(*, planned_hours: Any, quantity: Any) -> None:
    if planned_hours is None or Decimal(str(planned_hours)) < 0:
        raise Refused({"planned_hours": _("Planned hours cannot be negative.")})
    _check_quantity(quantity)


def _editable(step: Step) -> None:
    if step.status not in (StepStatus.PLANNED, StepStatus.READY):
        raise Refused(_("A step that has started can no longer be changed."))
    if step.orders.filter(status__in=LIVE_ORDER_STATES).exists():
        raise Refused(_("This step is routed to another shop. Withdraw or settle the order first."))


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
) -> Step:
    """Add a step, done in-house until routed, after the given predecessor steps."""
    job = locked_job(job)
    require_member(actor, job.owner, manage=True)
    if job.status in (JobStatus.DONE, JobStatus.CANCELLED):
        raise Refused(_("A finished job cannot be changed."))
    quantity = job.quantity if quantity in (None, "") else quantity
    _check_step_values(planned_hours=planned_hours, quantity=quantity)
    after = list(after)
    if any(p.job_id != job.pk for p in after):
        raise Refused(_("A step can only follow steps of the same job."))
    if position is None:
        last = job.steps.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 10
    step = Step.objects.create(
        job=job,
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
        after=[str(p.uuid) for p in after],
    )
    recompute(job)
    return step


@transaction.atomic
def step_update(*, step: Step, actor: User | None, data: dict[str, Any]) -> Step:
    job = locked_job(step.job_id)
    require_member(actor, job.owner, manage=True)
    step = Step.objects.select_related("process").get(pk=step.pk)
    _editable(step)
    _check_step_values(
        planned_hours=data.get("planned_hours", step.planned_hours),
        quantity=data.get("quantity", step.quantity),
    )
    changes = {}
    for field in ("process", "title", "planned_hours", "quantity", "position"):
        if field in data and getattr(step, field) != data[field]:
            changes[field] = [_jsonable(getattr(step, field)), _jsonable(data[field])]
            setattr(step, field, data[field])
    if not changes:
        return step
    step.save(update_fields=list(changes))
    append_event(job, "step.updated", actor=actor, workshop=job.owner, step=step, changes=changes)
    recompute(job)
    return step


@transaction.atomic
def step_remove(*, step: Step, actor: User | None) -> None:
    """Remove a step that has not started; its predecessors are joined to its successors so the
    order of the remaining work is kept."""
    job = locked_job(step.job_id)
    require_member(actor, job.owner, manage=True)
    step = Step.objects.select_related("process").get(pk=step.pk)
    _editable(step)
    if step.orders.exists():
        raise Refused(_("This step has order records and cannot be removed. Cancel it instead."))
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
    if predecessor.job_id != successor.job_id:
        raise Refused(_("Only steps of the same job can be linked."))
    if predecessor.pk == successor.pk or _reaches(successor, predecessor):
        raise Refused(
            _("That link would make a cycle: a step would have to wait for itself."),
            code="cycle",
        )
    successor = Step.objects.get(pk=successor.pk)
    if successor.status not in (StepStatus.PLANNED, StepStatus.READY):
        raise Refused(_("A step that has started can no longer be changed."))
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
        recompute(job)
    return link


@transaction.atomic
def step_unlink(*, predecessor: Step, successor: Step, actor: User | None) -> None:
    job = locked_job(successor.job_id)
    require_member(actor, job.owner, manage=True)
    # As for step_link: a started step keeps what fed it (its counts are checked against it).
    successor = Step.objects.get(pk=successor.pk)
    if successor.status not in (StepStatus.PLANNED, StepStatus.READY):
        raise Refused(_("A step that has started can no longer be changed."))
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
        recompute(job)


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
) -> Step:
    """Add a step after some steps and, optionally, before others: the `before` steps then wait
    for the new step instead of for the `after` steps (an insertion into the flow)."""
    after, before = list(after), list(before)
    if {s.pk for s in after} & {s.pk for s in before}:
        raise Refused(_("A step cannot come both before and after this one."))
    step = step_add(
        job=job,
        actor=actor,
        process=process,
        planned_hours=planned_hours,
        quantity=quantity,
        title=title,
        after=after,
    )
    bypassed = {s.pk for s in after}
    for successor in before:
        step_link(predecessor=step, successor=successor, actor=actor)
        for link in StepLink.objects.filter(successor=successor, predecessor_id__in=bypassed):
            step_unlink(predecessor=link.predecessor, successor=successor, actor=actor)
    return step


@transaction.atomic
def step_change(
    *, step: Step, actor: User | None, data: dict[str, Any], predecessors: Iterable[Step]
) -> Step:
    """Change a step's values and the steps it waits for, all or nothing."""
    step = step_update(step=step, actor=actor, data=data)
    wanted = {p.pk: p for p in predecessors}
    current = set(StepLink.objects.filter(successor=step).values_list("predecessor_id", flat=True))
    for pk, predecessor in wanted.items():
        if pk not in current:
            step_link(predecessor=predecessor, successor=step, actor=actor)
    for link in StepLink.objects.filter(successor=step).exclude(predecessor_id__in=wanted):
        step_unlink(predecessor=link.predecessor, successor=step, actor=actor)
    return step


@transaction.atomic
def job_copy(*, job: Job, actor: User | None, due_date: date, quantity: int | None = None) -> Job:
    """A repeat order: the same part and the same steps and links, planned afresh, in-house."""
    require_member(actor, job.owner, manage=True)
    data = {field: getattr(job, field) for field in JOB_FIELDS}
    data["due_date"] = due_date
    if quantity is not None:
        data["quantity"] = quantity
    copy = job_create(workshop=job.owner, actor=actor, data=data)
    Job.objects.filter(pk=copy.pk).update(copied_from=job)
    copy.copied_from = job
    copy = locked_job(copy)
    ratio = Decimal(copy.quantity) / Decimal(job.quantity)
    mapping: dict[int, Step] = {}
    for old in job.steps.order_by("position", "pk"):
        mapping[old.pk] = Step.objects.create(
            job=copy,
            process_id=old.process_id,
            title=old.title,
            position=old.position,
            planned_hours=old.planned_hours,
            quantity=max(1, int((Decimal(old.quantity) * ratio).to_integral_value())),
            workshop=copy.owner,
        )
    StepLink.objects.bulk_create(
        [
            StepLink(predecessor=mapping[a], successor=mapping[b])
            for a, b in StepLink.objects.filter(successor__job=job).values_list(
                "predecessor_id", "successor_id"
            )
        ]
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
