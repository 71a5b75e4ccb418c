"""JSON API for the district dashboard: the same figures, filters and access as the pages.

`GET /api/v1/districts/<slug>/stats/` (the association's staff) and
`GET /api/v1/workshops/<uuid>/stats/` (the workshop's people). Aggregates only; a figure from
fewer than three workshops is null with `suppressed: true` where a row carries it.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND, REFUSED

from . import cached
from .access import district_of, get_district_for_staff, get_workshop_for_member
from .filters import DashboardFilter, default_scope
from .metrics.comparison import workshop_comparison
from .metrics.processes import live_counters

FILTER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (Japan time)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, at most three years on."),
    OpenApiParameter("process", OpenApiTypes.STR, description="A process code, e.g. L."),
    OpenApiParameter(
        "area", OpenApiTypes.STR, description="Sub-area: postal code's first 3 digits."
    ),
    OpenApiParameter("size", OpenApiTypes.STR, enum=["1-9", "10-29", "30-99", "100+"]),
]


class DistrictStats(APIView):
    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 400: REFUSED, 404: NOT_FOUND},
        summary="A district's dashboard figures (its association's staff only)",
    )
    def get(self, request: Request, slug: str) -> Response:
        district = get_district_for_staff(request.user, slug)
        filterset = DashboardFilter(request.query_params or None, district=district)
        if request.query_params and not filterset.is_valid():
            raise translate_validation(filterset.errors)
        scope = filterset.scope() if request.query_params else default_scope(district)
        data = cached.district_dashboard(scope)
        data["live"] = live_counters(scope)
        data["district"] = district.slug
        return Response(data)


class WorkshopStats(APIView):
    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS[:2],
            OpenApiParameter("district", OpenApiTypes.STR, description="One of its districts."),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: REFUSED, 404: NOT_FOUND},
        summary="A workshop's own figures beside its district's median (its people only)",
    )
    def get(self, request: Request, workshop_uuid) -> Response:
        workshop = get_workshop_for_member(request.user, workshop_uuid)
        district = district_of(workshop, request.query_params.get("district"))
        start, end = default_scope(district).start, timezone.localdate()
        if request.query_params.get("start") or request.query_params.get("end"):
            filterset = (
                DashboardFilter(request.query_params, district=district) if district else None
            )
            if filterset is None:
                raise serializers.ValidationError(
                    {"district": [_("Choose a district.")]}, code="no_district"
                )
            if not filterset.is_valid():
                raise translate_validation(filterset.errors)
            start, end = filterset.form.cleaned_data["start"], filterset.form.cleaned_data["end"]
        rows = workshop_comparison(workshop, district, start, end)
        return Response(
            {
                "workshop": str(workshop.uuid),
                "district": district.slug if district else None,
                "range": {"start": start.isoformat(), "end": end.isoformat()},
                "measures": [{**r, "label": str(r["label"])} for r in rows],
            }
        )
