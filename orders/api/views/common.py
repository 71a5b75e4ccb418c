"""What every orders API view shares: the serializer contexts, the answers about one object,
and how a write runs a service with the caller's idempotency key (docs/API.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import NOT_FOUND, REFUSED
from core.models import IdempotencyKey
from workshops.models import Material, Process

from ...access import (
    JobAccess,
)
from ...models import (
    HandOff,
    Order,
    OrderItem,
    Part,
    Step,
    StepInput,
    StepLink,
)
from ..serializers import (
    HandOffSerializer,
    OrderSerializer,
    StepSerializer,
)


def _job_context(access: JobAccess, step_ids) -> dict[str, Any]:
    """What the step and order serializers need to know beyond the rows: links to visible
    steps, which visible orders cover which steps, and what the caller may see. Two queries."""
    step_ids = set(step_ids)
    predecessors: dict[int, list[str]] = {}
    for successor_id, predecessor_uuid in (
        StepLink.objects.filter(successor_id__in=step_ids, predecessor_id__in=access.step_ids)
        .values_list("successor_id", "predecessor__uuid")
        .order_by("predecessor__position", "pk")
    ):
        predecessors.setdefault(successor_id, []).append(str(predecessor_uuid))
    order_uuids = {o.pk: o.uuid for o in access.orders}
    for order in access.orders:
        order.job = access.job  # the same row: spare the serializer one query per order
    step_orders: dict[int, list[str]] = {}
    order_steps: dict[int, list[str]] = {}
    for order_id, step_id, step_uuid in (
        Order.steps.through.objects.filter(order_id__in=order_uuids, step_id__in=access.step_ids)
        .values_list("order_id", "step_id", "step__uuid")
        .order_by("step__position", "step_id")
    ):
        order_steps.setdefault(order_id, []).append(str(step_uuid))
        if step_id in step_ids:
            step_orders.setdefault(step_id, []).append(str(order_uuids[order_id]))
    return {
        "predecessors": predecessors,
        "step_orders": step_orders,
        "order_steps": order_steps,
        "order_uuids": order_uuids,
        "sees_order": lambda pk: pk in order_uuids,
        "can_see_price": access.can_see_price,
        "can_see_customer": lambda job: access.can_see_customer,
    }


def _step_context(access: JobAccess, step: Step) -> dict[str, Any]:
    """The serializer context for the answer about one step: from what the access around it
    already read (`access.around`, no query), else from the job's access (two queries)."""
    around = access.around
    if around is None or around.step_id != step.pk:
        context = _job_context(access, [step.pk])
    else:
        context = {
            "predecessors": {step.pk: around.predecessors},
            "step_orders": {step.pk: around.orders},
        }
    if Step.part.is_cached(step):  # the step the service wrote names the part by its id only
        context["_uuids"] = {(Part, step.part_id): step.part.uuid}
    return context


def _visible_steps(access: JobAccess):
    return (
        access.steps()
        .select_related("process", "workshop", "part", "rework_of")
        .order_by("position", "pk")
    )


def _handoffs(queryset):
    return queryset.select_related(
        "from_step",
        "to_step",
        "from_workshop",
        "to_workshop",
        "part",
        "return_of",
        "resolved_by_step",
    )


# An order's items with their parts: one query for any number of orders.
ITEMS = Prefetch(
    "items", queryset=OrderItem.objects.select_related("part").order_by("part__position", "pk")
)


def _orders(queryset):
    return queryset.select_related("job", "buyer", "supplier").prefetch_related(ITEMS)


def _with_items(orders) -> list[Order]:
    orders = list(orders)
    prefetch_related_objects(orders, ITEMS)
    return orders


def _parts_and_inputs(access: JobAccess, steps: list[Step]) -> tuple[list[Part], list[StepInput]]:
    """The parts the caller may see (all for the hub's managers; for others those of their
    visible steps and of what those steps assemble) and the visible steps' inputs. Two
    queries."""
    inputs = list(
        StepInput.objects.filter(step_id__in=[s.pk for s in steps])
        .select_related("step", "part")
        .order_by("step__position", "step_id", "part__position")
    )
    parts = Part.objects.filter(job=access.job).select_related("material")
    if not access.can_manage_job():
        parts = parts.filter(pk__in={s.part_id for s in steps} | {i.part_id for i in inputs})
    return list(parts.order_by("position", "pk")), inputs


def _step_response(access: JobAccess, step: Step) -> dict[str, Any]:
    step = _visible_steps(access).get(pk=step.pk)
    return StepSerializer(step, context=_step_context(access, step)).data


def _order_response(access: JobAccess, order: Order) -> dict[str, Any]:
    order = _orders(Order.objects).get(pk=order.pk)
    return OrderSerializer(order, context=_job_context(access, ())).data


def _handoff_response(handoff: HandOff) -> dict[str, Any]:
    return HandOffSerializer(_handoffs(HandOff.objects).get(pk=handoff.pk)).data


def _call(service: Callable[..., Any], request: Request, **kwargs: Any) -> Any:
    """Run a service for the caller with the request's idempotency key; a refusal is left to
    the API's error handler (`core/api.py`), which answers 400 with its code and messages."""
    return service(actor=request.user, idempotency_key=_key(request), **kwargs)


def _respond(result: Any, data: Any, status: int = 200) -> Response:
    response = Response(data, status=status)
    if getattr(result, "_replayed", False):
        response["Idempotent-Replayed"] = "true"
    return response


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Up to 64 characters, unique per user and write. A repeat with the same key is "
    "applied once and answered with the current object (header `Idempotent-Replayed: true`).",
)


def _write_schema(
    summary: str, request, response, *, method: str = "post", status: int = 200
) -> dict:
    return {
        method: extend_schema(
            summary=summary,
            request=request,
            responses={status: response, 400: REFUSED, 404: NOT_FOUND},
            parameters=[IDEMPOTENCY_KEY],
        )
    }


def _key(request: Request) -> str | None:
    return (request.headers.get("Idempotency-Key") or "").strip() or None


def _removal_replayed(request: Request, action: str, target: str) -> bool:
    """A removal's repeat: the object is gone, so the key is looked up before the object
    (`idempotent` records the target as `<name>:<uuid>`)."""
    key = _key(request)
    if not key or not request.user.is_authenticated:
        return False
    return IdempotencyKey.objects.filter(
        user=request.user, key=key, action=action, result__target=target
    ).exists()


def _no_content(replayed: bool = False) -> Response:
    response = Response(status=204)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _field_error(field: str, message: str, code: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]}, code=code)


def _process(code: str) -> Process:
    process = Process.objects.filter(code=code).first()
    if process is None:
        raise _field_error("process", _("Choose a process from the list."), "process_unknown")
    return process


def _material(code: str | None) -> Material | None:
    if not code:
        return None
    material = Material.objects.filter(code=code).first()
    if material is None:
        raise _field_error("material", _("Choose a material from the list."), "material_unknown")
    return material


def _steps_of(access: JobAccess, uuids, field: str) -> list[Step]:
    """The caller's visible steps of the job by public id, in the order given; a 400 naming
    `field` when one is not among them (no more is said of steps the caller cannot see)."""
    uuids = [str(u) for u in uuids]
    found = {str(s.uuid): s for s in access.steps().filter(uuid__in=uuids)}
    if len(found) != len(set(uuids)):
        raise _field_error(field, _("Choose steps of this job."), "step_unknown")
    return [found[u] for u in dict.fromkeys(uuids)]


def _part_of(access: JobAccess, uuid, field: str = "part") -> Part | None:
    if uuid is None:
        return None
    part = Part.objects.filter(job=access.job, uuid=uuid).first()
    if part is None:
        raise _field_error(field, _("Choose a part of this job."), "part_unknown")
    return part
