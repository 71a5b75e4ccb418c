"""Routing steps to a shop outside shopnet over the API: the same service as the hub's page
(`outside_order_request`). The hub's owners and managers (sessions), or a workshop token with
the `write` scope; anyone else gets 404."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND, REFUSED
from orders.access import get_job_for
from orders.api.inputs import OrderRequestInput

from . import services
from .links import link_url


class OutsideShopInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    fax = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class OutsideOrderInput(OrderRequestInput):
    """The terms and steps of an order request, for a shop named here instead of a member:
    an e-mail or a FAX number (or both). A shop the hub brought in before with the same
    e-mail (or FAX) is asked again."""

    supplier = None
    parent = None
    shop = OutsideShopInput()


class LinkAnswer(serializers.Serializer):
    url = serializers.CharField(help_text="The capability link (docs/OUTSIDE_SHOPS.md).")
    expires_at = serializers.DateTimeField()
    mailed = serializers.BooleanField(help_text="Whether it will be (or was) sent by e-mail.")


class OutsideOrderAnswer(serializers.Serializer):
    order = serializers.UUIDField()
    supplier = serializers.UUIDField()
    status = serializers.CharField()
    link = LinkAnswer()


@extend_schema_view(
    post=extend_schema(
        summary="Request an order from a shop not on shopnet",
        request=OutsideOrderInput,
        responses={201: OutsideOrderAnswer, 400: REFUSED, 404: NOT_FOUND},
    )
)
class JobOutsideOrders(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        if not access.can_manage_job():
            raise Http404("No such job.")
        serializer = OutsideOrderInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        shop = dict(values.pop("shop"))
        wanted = [str(u) for u in values.pop("steps")]
        steps = list(access.steps().filter(uuid__in=wanted))
        if len(steps) != len(set(wanted)):
            raise serializers.ValidationError(
                {"steps": [_("Choose steps of this job.")]}, code="step_unknown"
            )
        link = services.outside_order_request(
            job=access.job,
            actor=request.user,
            idempotency_key=(request.headers.get("Idempotency-Key") or "").strip() or None,
            steps=steps,
            terms=values,
            shop=shop,
        )
        order = link.order
        answer = {
            "order": order.uuid,
            "supplier": order.supplier.uuid,
            "status": order.status,
            "link": {
                "url": link_url(link),
                "expires_at": link.expires_at,
                "mailed": bool(link.shop.email),
            },
        }
        return Response(OutsideOrderAnswer(answer).data, status=201)
