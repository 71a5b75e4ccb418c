"""What every orders API view shares: the serializer contexts, the answers about one object,
and how a write runs a service with the caller's idempotency key (docs/API.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import NOT_FOUND, REFUSED

from ...access import (
    JobAccess,
)
from ...models import (
    HandOff,
    Order,
    Step,
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
        return _job_context(access, [step.pk])
    return {
        "predecessors": {step.pk: around.predecessors},
        "step_orders": {step.pk: around.orders},
    }


def _visible_steps(access: JobAccess):
    return access.steps().select_related("process", "workshop").order_by("position", "pk")


def _handoffs(queryset):
    return queryset.select_related("from_step", "to_step", "from_workshop", "to_workshop")


def _orders(queryset):
    return queryset.select_related("job", "buyer", "supplier")


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
    key = (request.headers.get("Idempotency-Key") or "").strip() or None
    return service(actor=request.user, idempotency_key=key, **kwargs)


def _respond(result: Any, data: dict[str, Any]) -> Response:
    response = Response(data)
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


def _write_schema(summary: str, request, response) -> dict:
    return {
        "post": extend_schema(
            summary=summary,
            request=request,
            responses={200: response, 400: REFUSED, 404: NOT_FOUND},
            parameters=[IDEMPOTENCY_KEY],
        )
    }
