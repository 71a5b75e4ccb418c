"""A job's parts (部品) and what its assembly steps consume: add, change and remove parts, and
say which parts an assembly joins and how many of each per unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.services import Problems, Refused, idempotent
from workshops.access import require_member
from workshops.models import Material, User

from ..dag import StepGraph
from ..events import append_event, locked_job
from ..models import ENDED_JOB_STATES, Job, Part, Step, StepInput, StepLink, StepStatus
from .progress import recompute

PART_FIELDS = ("name", "drawing_number", "revision", "material", "material_note", "quantity")
MAX_QUANTITY = 10_000_000


def part_problems(data: dict[str, Any]) -> Problems:
    """Every problem with a part's values at once."""
    problems = Problems()
    if "name" in data and not (data.get("name") or "").strip():
        problems.add("name", _("Enter the part's name."), "required")
    if "quantity" in data:
        try:
            quantity = int(data["quantity"])
        except (TypeError, ValueError):
            problems.add("quantity", _("Enter the quantity as a whole number."), "not_a_number")
        else:
            if quantity < 1:
                problems.add("quantity", _("The quantity must be 1 or more."), "negative")
            elif quantity > MAX_QUANTITY:
                problems.add(
                    "quantity",
                    _("The quantity must be at most %(n)s.") % {"n": f"{MAX_QUANTITY:,}"},
                    "too_large",
                )
    material = data.get("material")
    if material is not None and not isinstance(material, Material):
        problems.add("material", _("Choose a material from the list."), "material_unknown")
    for field, length in (("drawing_number", 100), ("revision", 20), ("material_note", 100)):
        if len(data.get(field) or "") > length:
            problems.add(
                field,
                _("At most %(n)s characters.") % {"n": length},
                "too_long",
            )
    return problems


def _open(job: Job) -> None:
    if job.status in ENDED_JOB_STATES:
        raise Refused(_("A finished job cannot be changed."), code="job_finished")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: data[k] for k in PART_FIELDS if k in data}
    for key in ("name", "drawing_number", "revision", "material_note"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "quantity" in values:
        values["quantity"] = int(values["quantity"])
    return values


@idempotent("part.add", Part)
@transaction.atomic
def part_add(*, job: Job, actor: User | None, data: dict[str, Any]) -> Part:
    """Add a part to a job (its steps are added with `step_add(part=…)`)."""
    job = locked_job(job)
    require_member(actor, job.owner, manage=True)
    _open(job)
    Part.objects.main_for(job)  # a job's first part always exists before a second
    problems = part_problems({"name": "", "quantity": None, **data})
    if problems:
        raise Refused(problems, code=problems.code)
    last = job.parts.order_by("-position").values_list("position", flat=True).first() or 0
    part = Part.objects.create(job=job, position=last + 10, **_clean(data))
    append_event(
        job,
        "part.added",
        actor=actor,
        workshop=job.owner,
        part=str(part.uuid),
        name=part.name,
        quantity=part.quantity,
    )
    return part


@idempotent("part.update", Part)
@transaction.atomic
def part_update(*, part: Part, actor: User | None, data: dict[str, Any]) -> Part:
    job = locked_job(part.job_id)
    require_member(actor, job.owner, manage=True)
    _open(job)
    part = Part.objects.get(pk=part.pk)
    problems = part_problems(data)
    if problems:
        raise Refused(problems, code=problems.code)
    values = _clean(data)
    changes = {
        k: [str(getattr(part, k) or ""), str(v or "")]
        for k, v in values.items()
        if getattr(part, k) != v
    }
    if not changes:
        return part
    for key in changes:
        setattr(part, key, values[key])
    part.save(update_fields=list(changes))
    append_event(
        job, "part.updated", actor=actor, workshop=job.owner, part=str(part.uuid), changes=changes
    )
    return part


@transaction.atomic
def part_remove(*, part: Part, actor: User | None) -> None:
    """Remove a part that has no steps, no orders and that no assembly consumes."""
    job = locked_job(part.job_id)
    require_member(actor, job.owner, manage=True)
    _open(job)
    part = Part.objects.get(pk=part.pk)
    if part.steps.exists() or part.order_items.exists() or part.consumed_by.exists():
        raise Refused(
            _("This part has steps, orders or an assembly that uses it: remove those first."),
            code="part_in_use",
        )
    if job.parts.count() == 1:
        raise Refused(_("A job keeps at least one part."), code="last_part")
    uuid_, name = str(part.uuid), part.name
    part.delete()
    append_event(job, "part.removed", actor=actor, workshop=job.owner, part=uuid_, name=name)


@transaction.atomic
def step_inputs_set(
    *, step: Step, actor: User | None, inputs: Iterable[tuple[Part, Any]]
) -> list[StepInput]:
    """Say which parts an assembly step joins and how many of each per unit it makes.

    The last steps of each consumed part come before the assembly (linked here when they are
    not yet). Refused, nothing written, when a part is of another job, is the step's own,
    is made by no step, or its steps come after the assembly (a cycle across parts)."""
    job = locked_job(step.job_id)
    require_member(actor, job.owner, manage=True)
    _open(job)
    graph = StepGraph.load(job, related=("part",))
    if step.pk not in graph:
        raise Step.DoesNotExist("No such step.")
    step = graph.step(step.pk)
    problems = Problems()
    wanted: dict[int, tuple[Part, int]] = {}
    for part, per_unit in inputs:
        label = {"part": part.name}
        if part.job_id != job.pk:
            problems.add(
                "inputs", _("A part of another job cannot be assembled here."), "other_job"
            )
            continue
        if part.pk == step.part_id:
            problems.add(
                "inputs",
                _("%(part)s is what this step makes: it cannot also consume it.") % label,
                "own_part",
            )
            continue
        try:
            n = int(per_unit)
            if n < 1:
                raise ValueError
        except (TypeError, ValueError):
            problems.add(
                "inputs",
                _("Give how many of %(part)s go into each unit (1 or more).") % label,
                "per_unit",
            )
            continue
        wanted[part.pk] = (part, n)
    makers: dict[int, list[int]] = {}
    for s in graph.steps.values():
        makers.setdefault(s.part_id, []).append(s.pk)
    downstream = _downstream(graph, step.pk)
    new_links: list[tuple[int, int]] = []
    for part, _n in wanted.values():
        label = {"part": part.name}
        steps_of_part = makers.get(part.pk, [])
        if not steps_of_part:
            problems.add(
                "inputs",
                _("No step makes %(part)s yet: add its steps before assembling it.") % label,
                "not_made",
            )
            continue
        if set(steps_of_part) & downstream:
            problems.add(
                "inputs",
                _("%(part)s is made after this step: that would be a loop.") % label,
                "cycle",
            )
            continue
        last = [
            pk
            for pk in steps_of_part
            if not any(graph.step(n).part_id == part.pk for n in graph.successors(pk))
            and not graph.step(pk).rework_of_id
        ]
        new_links += [(pk, step.pk) for pk in last if pk not in graph.predecessors(step.pk)]
    if problems:
        raise Refused(problems, code=problems.code)
    StepInput.objects.filter(step=step).exclude(part_id__in=wanted).delete()
    rows = []
    for part, n in wanted.values():
        row, _created = StepInput.objects.update_or_create(
            step=step, part=part, defaults={"per_unit": n}
        )
        rows.append(row)
    StepLink.objects.bulk_create(StepLink(predecessor_id=a, successor_id=b) for a, b in new_links)
    if new_links and step.status == StepStatus.READY:
        # It now waits for the parts it joins (recompute makes it ready once they are done).
        Step.objects.filter(pk=step.pk).update(status=StepStatus.PLANNED)
    append_event(
        job,
        "step.inputs_set",
        actor=actor,
        workshop=job.owner,
        step=step,
        inputs=[{"part": str(p.uuid), "per_unit": n} for p, n in wanted.values()],
    )
    job._step_graph = None
    recompute(job, actor=actor)
    return rows


def _downstream(graph: StepGraph, pk: int) -> set[int]:
    """`pk` and every step after it."""
    seen, stack = set(), [pk]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(graph.successors(node))
    return seen
