"""Shaping a job (the hub): its parts, its steps, the links between them, and what an assembly
consumes. The services refuse anyone but the hub's owners and managers (`not_allowed`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND, REFUSED
from core.services import idempotent

from ...access import JobAccess, get_job_for, get_part_for, get_step_by_uuid_for
from ...models import Job, Part, Step, StepInput
from ...services.jobs import step_link, step_remove, step_unlink, step_update
from ...services.parts import part_add, part_remove, part_update, step_inputs_set
from ..inputs import (
    LinkInput,
    PartInput,
    PartUpdateInput,
    StepInputsInput,
    StepUpdateInput,
)
from ..serializers import PartSerializer, StepInputSerializer, StepSerializer
from .common import (
    IDEMPOTENCY_KEY,
    _call,
    _material,
    _no_content,
    _part_of,
    _process,
    _removal_replayed,
    _respond,
    _step_response,
    _steps_of,
    _write_schema,
)

# The writes whose services answer no object: keyed here, around the same services, so that a
# repeat is answered like the first call.


@idempotent("step.link", Step)
def _link(*, actor, step: Step, predecessor: Step) -> Step:
    step_link(predecessor=predecessor, successor=step, actor=actor)
    return step


@idempotent("step.unlink", Step)
def _unlink(*, actor, step: Step, predecessor: Step) -> Step:
    step_unlink(predecessor=predecessor, successor=step, actor=actor)
    return step


@idempotent("step.inputs", Step)
def _inputs(*, actor, step: Step, inputs) -> Step:
    step_inputs_set(step=step, actor=actor, inputs=inputs)
    return step


@idempotent("step.remove", Job)
def _step_remove(*, actor, step: Step) -> Job:
    step_remove(step=step, actor=actor)
    return step.job


@idempotent("part.remove", Job)
def _part_remove(*, actor, part: Part) -> Job:
    part_remove(part=part, actor=actor)
    return part.job


def _part_values(data: dict) -> dict:
    values = dict(data)
    if "material" in values:
        values["material"] = _material(values["material"])
    return values


def _part_response(part: Part) -> dict:
    return PartSerializer(Part.objects.select_related("material").get(pk=part.pk)).data


def _removal_schema(summary: str) -> dict:
    return {
        "delete": extend_schema(
            summary=summary,
            request=None,
            responses={
                204: OpenApiResponse(description="Removed (or a repeat of that removal)."),
                400: REFUSED,
                404: NOT_FOUND,
            },
            parameters=[IDEMPOTENCY_KEY],
        )
    }


# --- parts ---------------------------------------------------------------------------------------


@extend_schema_view(
    **_write_schema("Add a part to a job (the hub)", PartInput, PartSerializer, status=201)
)
class JobParts(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        serializer = PartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _part_values(serializer.validated_data)
        result = _call(part_add, request, job=access.job, data=values)
        return _respond(result, _part_response(result), status=201)


@extend_schema_view(
    **_write_schema(
        "Change a part (the hub): only the fields given",
        PartUpdateInput,
        PartSerializer,
        method="patch",
    ),
    **_removal_schema("Remove a part with no steps, orders or assembly using it (the hub)"),
)
class PartDetail(APIView):
    parser_classes = [JSONParser]

    def patch(self, request: Request, part_uuid) -> Response:
        _access, part = get_part_for(request.user, part_uuid)
        serializer = PartUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _part_values(serializer.validated_data)
        result = _call(part_update, request, part=part, data=values)
        return _respond(result, _part_response(result))

    def delete(self, request: Request, part_uuid) -> Response:
        if _removal_replayed(request, "part.remove", f"part:{part_uuid}"):
            return _no_content(replayed=True)
        _access, part = get_part_for(request.user, part_uuid)
        _call(_part_remove, request, part=part)
        return _no_content()


# --- steps ---------------------------------------------------------------------------------------


@extend_schema_view(
    **_write_schema(
        "Change a step that has not started (the hub): only the fields given",
        StepUpdateInput,
        StepSerializer,
        method="patch",
    ),
    **_removal_schema("Remove a step that has not started (the hub)"),
)
class StepDetail(APIView):
    parser_classes = [JSONParser]

    def patch(self, request: Request, step_uuid) -> Response:
        access, step = get_step_by_uuid_for(request.user, step_uuid)
        serializer = StepUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        if "process" in values:
            values["process"] = _process(values["process"])
        if values.get("quantity", 0) is None:
            del values["quantity"]
        result = _call(step_update, request, step=step, data=values)
        return _respond(result, _step_response(access, result))

    def delete(self, request: Request, step_uuid) -> Response:
        if _removal_replayed(request, "step.remove", f"step:{step_uuid}"):
            return _no_content(replayed=True)
        _access, step = get_step_by_uuid_for(request.user, step_uuid)
        _call(_step_remove, request, step=step)
        return _no_content()


def _predecessor(access: JobAccess, uuid) -> Step:
    return _steps_of(access, [uuid], "predecessor")[0]


@extend_schema_view(
    **_write_schema("Make a step wait for another (the hub)", LinkInput, StepSerializer)
)
class StepLinks(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, step_uuid) -> Response:
        access, step = get_step_by_uuid_for(request.user, step_uuid)
        serializer = LinkInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        predecessor = _predecessor(access, serializer.validated_data["predecessor"])
        result = _call(_link, request, step=step, predecessor=predecessor)
        return _respond(result, _step_response(access, step))


@extend_schema_view(
    **_write_schema(
        "Stop a step waiting for another (the hub)", None, StepSerializer, method="delete"
    )
)
class StepLinkDetail(APIView):
    def delete(self, request: Request, step_uuid, predecessor_uuid) -> Response:
        access, step = get_step_by_uuid_for(request.user, step_uuid)
        predecessor = _predecessor(access, predecessor_uuid)
        result = _call(_unlink, request, step=step, predecessor=predecessor)
        return _respond(result, _step_response(access, step))


@extend_schema_view(
    **_write_schema(
        "Say which parts an assembly step joins, and how many of each per unit (the hub)",
        StepInputsInput,
        StepInputSerializer(many=True),
        method="put",
    )
)
class StepInputs(APIView):
    parser_classes = [JSONParser]

    def put(self, request: Request, step_uuid) -> Response:
        access, step = get_step_by_uuid_for(request.user, step_uuid)
        serializer = StepInputsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        inputs = [
            (_part_of(access, item["part"], "inputs"), item["per_unit"])
            for item in serializer.validated_data["inputs"]
        ]
        result = _call(_inputs, request, step=step, inputs=inputs)
        rows = (
            StepInput.objects.filter(step=step)
            .select_related("step", "part")
            .order_by("part__position", "pk")
        )
        return _respond(result, StepInputSerializer(rows, many=True).data)
