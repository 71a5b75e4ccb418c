"""Orders between workshops: the list, the detail, the documents and the answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND
from workshops.models import Workshop
from workshops.selectors import managed_workshop_ids

from ...access import (
    acceptances_visible,
    documents_visible,
    get_job_for,
    get_order_for,
    orders_visible_to,
)
from ...filters import OrderFilter
from ...models import (
    Order,
)
from ...services.routing import order_accept, order_decline, order_request, order_withdraw
from ..inputs import OrderRequestInput
from ..serializers import (
    DeclineInput,
    OrderDetailSerializer,
    OrderDocumentSerializer,
    OrderSerializer,
)
from .common import (
    _call,
    _field_error,
    _job_context,
    _order_response,
    _orders,
    _respond,
    _steps_of,
    _visible_steps,
    _with_items,
    _write_schema,
)

# --- orders --------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "inbox",
                bool,
                description="true: requests waiting for my answer (I am the supplier); "
                "false: everything else.",
            ),
        ]
    )
)
class OrderList(generics.ListAPIView):
    """Orders the caller's workshops are party to, as buyer or supplier; newest first."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self):
        return _orders(orders_visible_to(self.request.user)).select_related("parent")

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        managed = managed_workshop_ids(request.user)
        order_steps: dict[int, list[str]] = {}
        for order_id, step_uuid in (
            Order.steps.through.objects.filter(order_id__in=[o.pk for o in page])
            .values_list("order_id", "step__uuid")
            .order_by("step__position", "step_id")
        ):
            order_steps.setdefault(order_id, []).append(str(step_uuid))
        # A listed order's parent is named to the parent's parties and to the job's hub.
        parents = {
            o.parent_id: o.parent.uuid
            for o in page
            if o.parent_id and {o.parent.buyer_id, o.parent.supplier_id, o.job.owner_id} & managed
        }
        context = {
            **self.get_serializer_context(),
            "order_steps": order_steps,
            "order_uuids": parents,
            "sees_order": lambda pk: pk in parents,
            # orders_visible_to holds only orders the caller is party to.
            "can_see_price": lambda order: bool({order.buyer_id, order.supplier_id} & managed),
        }
        return self.get_paginated_response(OrderSerializer(page, many=True, context=context).data)


class OrderDetail(APIView):
    @extend_schema(responses={200: OrderDetailSerializer, 404: NOT_FOUND})
    def get(self, request: Request, order_uuid) -> Response:
        access, order = get_order_for(request.user, order_uuid)
        order = _with_items([order])[0]
        steps = list(_visible_steps(access).filter(orders=order))
        context = _job_context(access, [s.pk for s in steps])
        data: dict[str, Any] = {"order": order, "steps": steps}
        if access.can_see_price(order):
            data["documents"] = documents_visible(access, order)
            acceptance = acceptances_visible(access, order).first()
            if acceptance is not None:
                data["acceptance"] = acceptance
        return Response(OrderDetailSerializer(data, context=context).data)


class OrderDocuments(APIView):
    @extend_schema(responses={200: OrderDocumentSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request, order_uuid) -> Response:
        access, order = get_order_for(request.user, order_uuid)
        documents = documents_visible(access, order)
        return Response(OrderDocumentSerializer(documents, many=True).data)


class OrderAction(APIView):
    parser_classes = [JSONParser]
    input_serializer: type[serializers.Serializer] | None = None
    service: Callable[..., Order]

    def post(self, request: Request, order_uuid) -> Response:
        access, order = get_order_for(request.user, order_uuid)
        values: dict[str, Any] = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            values = dict(serializer.validated_data)
        result = _call(self.service, request, order=order, **values)
        return _respond(result, _order_response(access, order))


@extend_schema_view(**_write_schema("Accept a requested order", None, OrderSerializer))
class OrderAccept(OrderAction):
    service = staticmethod(order_accept)


@extend_schema_view(**_write_schema("Decline a requested order", DeclineInput, OrderSerializer))
class OrderDecline(OrderAction):
    input_serializer = DeclineInput
    service = staticmethod(order_decline)


@extend_schema_view(**_write_schema("Withdraw an order request", None, OrderSerializer))
class OrderWithdraw(OrderAction):
    service = staticmethod(order_withdraw)


@extend_schema_view(
    **_write_schema(
        "Request an order (the hub; or a supplier passing on steps of its order: `parent`)",
        OrderRequestInput,
        OrderSerializer,
        status=201,
    )
)
class JobOrders(APIView):
    """POST /jobs/<uuid>/orders/: ask a workshop to do some of the job's steps on these terms,
    with the material the buyer supplies, if any (材料支給)."""

    parser_classes = [JSONParser]

    def post(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        serializer = OrderRequestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        supplier = Workshop.objects.filter(uuid=values.pop("supplier")).first()
        if supplier is None:
            raise _field_error("supplier", _("Choose a workshop."), "supplier_unknown")
        steps = _steps_of(access, values.pop("steps"), "steps")
        lines = values.pop("lines", None)
        if lines:
            values["unit_prices"] = {str(line["part"]): line["unit_price"] for line in lines}
        parent_uuid = values.pop("parent", None)
        parent = None
        if parent_uuid is not None:
            parent = next((o for o in access.orders if o.uuid == parent_uuid), None)
            if parent is None:
                raise _field_error("parent", _("Choose an order of this job."), "order_unknown")
        result = _call(
            order_request,
            request,
            job=access.job,
            supplier=supplier,
            steps=steps,
            terms=values,
            parent=parent,
        )
        access = get_job_for(request.user, job_uuid)  # the new order is now visible
        return _respond(result, _order_response(access, result), status=201)
