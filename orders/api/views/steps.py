"""Step transitions, shipping and receiving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...access import (
    get_handoff_for,
    get_step_by_uuid_for,
    get_step_to_perform,
    step_access_after,
)
from ...models import (
    Step,
)
from ...services.handoffs import handoff_receive, handoff_ship
from ...services.progress import (
    step_cancel,
    step_done,
    step_hold,
    step_resume,
    step_start,
)
from ..serializers import (
    CancelInput,
    DoneInput,
    HandOffSerializer,
    HoldInput,
    ReceiveInput,
    ShipInput,
    StepSerializer,
)
from .common import (
    _call,
    _handoff_response,
    _respond,
    _step_context,
    _step_response,
    _write_schema,
)

# --- steps and hand-offs: writes -----------------------------------------------------------------


class StepAction(APIView):
    """POST /steps/<uuid>/<action>/: one transition of a step, by whoever the service allows."""

    parser_classes = [JSONParser]
    input_serializer: type[serializers.Serializer] | None = None
    service: Callable[..., Step]

    def post(self, request: Request, step_uuid) -> Response:
        # Who may see the step; what the answer shows around it (its visible predecessors
        # and orders) comes after the service, from the step graph and orders it read.
        access, step = get_step_to_perform(request.user, step_uuid, narrow=False)
        values = self.parse(request)
        result = _call(self.service, request, step=step, **values)
        access = step_access_after(access, result)
        if getattr(result, "_replayed", False):
            return _respond(result, _step_response(access, result))
        # The step as the service left it, its schedule included: no need to read it again.
        return _respond(result, StepSerializer(result, context=_step_context(access, step)).data)

    def parse(self, request: Request) -> dict[str, Any]:
        if self.input_serializer is None:
            return {}
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


@extend_schema_view(**_write_schema("Start a step", None, StepSerializer))
class StepStart(StepAction):
    service = staticmethod(step_start)


@extend_schema_view(**_write_schema("Mark a step done", DoneInput, StepSerializer))
class StepDone(StepAction):
    input_serializer = DoneInput
    service = staticmethod(step_done)


@extend_schema_view(**_write_schema("Put a step on hold", HoldInput, StepSerializer))
class StepHold(StepAction):
    input_serializer = HoldInput
    service = staticmethod(step_hold)


@extend_schema_view(**_write_schema("Resume a step on hold", None, StepSerializer))
class StepResume(StepAction):
    service = staticmethod(step_resume)


@extend_schema_view(**_write_schema("Cancel a step (the hub)", CancelInput, StepSerializer))
class StepCancel(StepAction):
    input_serializer = CancelInput
    service = staticmethod(step_cancel)


@extend_schema_view(**_write_schema("Ship a done step's parts", ShipInput, HandOffSerializer))
class StepShip(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, step_uuid) -> Response:
        _access, step = get_step_by_uuid_for(request.user, step_uuid)
        serializer = ShipInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        to_uuid = values.pop("to_step")
        to_step = None
        if to_uuid is not None:
            # Only a step this one feeds can be named: the next shop's step may be one the
            # shipper does not otherwise see, and no other step of the job is revealed.
            to_step = step.ships_towards().filter(uuid=to_uuid).first()
            if to_step is None:
                raise serializers.ValidationError(
                    {"to_step": [_("This step does not pass its parts on to that step.")]},
                    code="not_a_successor",
                )
        result = _call(handoff_ship, request, step=step, to_step=to_step, **values)
        return _respond(result, _handoff_response(result))


@extend_schema_view(**_write_schema("Receive shipped parts", ReceiveInput, HandOffSerializer))
class HandOffReceive(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, handoff_uuid) -> Response:
        _access, handoff = get_handoff_for(request.user, handoff_uuid)
        serializer = ReceiveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = _call(handoff_receive, request, handoff=handoff, **serializer.validated_data)
        return _respond(result, _handoff_response(handoff))
