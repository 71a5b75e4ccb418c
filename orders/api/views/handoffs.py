"""After shipping: the buyer's acceptance inspection (検収), returns of rejected parts
(不良返品), the supplier's rework or replacement (手直し・再製作), and material the buyer
supplies (材料支給). The services say who may do each (`not_allowed` otherwise)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_view
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...access import get_handoff_for, get_order_for
from ...services.handoffs import handoff_inspect, handoff_return, return_resolve, supply_ship
from ..inputs import InspectInput, ReturnInput, ReworkInput, SupplyInput
from ..serializers import HandOffSerializer, StepSerializer
from .common import (
    _call,
    _field_error,
    _handoff_response,
    _respond,
    _step_response,
    _write_schema,
)


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    **_write_schema(
        "Inspect received parts (検収, the buyer's owner or manager): accepted and rejected",
        InspectInput,
        HandOffSerializer,
    )
)
class HandOffInspect(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, handoff_uuid) -> Response:
        _access, handoff = get_handoff_for(request.user, handoff_uuid)
        values = _valid(InspectInput, request)
        result = _call(handoff_inspect, request, handoff=handoff, **values)
        return _respond(result, _handoff_response(handoff))


@extend_schema_view(
    **_write_schema(
        "Return rejected parts to the shop that shipped them (不良返品), with the cause",
        ReturnInput,
        HandOffSerializer,
        status=201,
    )
)
class HandOffReturn(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, handoff_uuid) -> Response:
        _access, handoff = get_handoff_for(request.user, handoff_uuid)
        values = _valid(ReturnInput, request)
        result = _call(handoff_return, request, handoff=handoff, **values)
        return _respond(result, _handoff_response(result), status=201)


@extend_schema_view(
    **_write_schema(
        "Rework or replace returned parts (the supplier): opens a step at its shop",
        ReworkInput,
        StepSerializer,
        status=201,
    )
)
class HandOffRework(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, handoff_uuid) -> Response:
        _access, handoff = get_handoff_for(request.user, handoff_uuid)
        values = _valid(ReworkInput, request)
        result = _call(return_resolve, request, handoff=handoff, **values)
        # The new step is at the caller's shop: read the access again to see it.
        access, _handoff = get_handoff_for(request.user, handoff_uuid)
        return _respond(result, _step_response(access, result), status=201)


@extend_schema_view(
    **_write_schema(
        "Send the material the order says the buyer supplies (材料支給)",
        SupplyInput,
        HandOffSerializer,
        status=201,
    )
)
class OrderSupply(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, order_uuid) -> Response:
        _access, order = get_order_for(request.user, order_uuid)
        values = _valid(SupplyInput, request)
        to_uuid = values.pop("to_step")
        to_step = None
        if to_uuid is not None:
            to_step = order.steps.filter(uuid=to_uuid).first()
            if to_step is None:
                raise _field_error("to_step", _("Choose a step of this order."), "step_unknown")
        result = _call(supply_ship, request, order=order, to_step=to_step, **values)
        return _respond(result, _handoff_response(result), status=201)
