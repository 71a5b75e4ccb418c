"""Ratings of delivered orders, and a workshop's load."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND, REFUSED
from workshops.selectors import get_workshop_for

from ...access import (
    get_order_for,
)
from ...load import workshop_load
from ...ratings import get_rated_workshop_for, order_rating, ratings_of, workshop_record
from ...services.ratings import rating_create, rating_reply
from ..serializers import (
    RatingInput,
    RatingReplyInput,
    RatingSerializer,
    WorkshopLoadSerializer,
    WorkshopRatingsSerializer,
)

# --- ratings and load ----------------------------------------------------------------------------


@extend_schema_view(
    post=extend_schema(
        summary="Rate a delivered order (the buyer, once)",
        request=RatingInput,
        responses={201: RatingSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
)
class OrderRate(APIView):
    """The buyer's owners and managers rate a delivered order: quality, delivery and cost 1-5,
    an optional comment. Once per order; shown to the district's members with the buyer named."""

    parser_classes = [JSONParser]

    def post(self, request: Request, order_uuid) -> Response:
        _access, order = get_order_for(request.user, order_uuid)
        serializer = RatingInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = rating_create(order=order, actor=request.user, **serializer.validated_data)
        return Response(RatingSerializer(rating).data, status=201)


@extend_schema_view(
    post=extend_schema(
        summary="Reply to the rating of an order (the supplier, once)",
        request=RatingReplyInput,
        responses={200: RatingSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
)
class OrderRatingReply(APIView):
    parser_classes = [JSONParser]

    def post(self, request: Request, order_uuid) -> Response:
        _access, order = get_order_for(request.user, order_uuid)
        serializer = RatingReplyInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = order_rating(order)
        if rating is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("This order has not been rated.")]}, code="not_rated"
            )
        rating = rating_reply(
            rating=rating, actor=request.user, reply=serializer.validated_data["reply"]
        )
        return Response(RatingSerializer(rating).data)


class WorkshopRatings(APIView):
    """A workshop's ratings over all time (newest first, 50 a page) with its 12-month summary
    and on-time delivery. For the members of workshops sharing a district with it, that
    district's staff, and its own members; 404 for anyone else."""

    @extend_schema(
        parameters=[OpenApiParameter("page", int, description="Page number, from 1.")],
        responses={200: WorkshopRatingsSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, workshop_uuid) -> Response:
        workshop = get_rated_workshop_for(request.user, workshop_uuid)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(ratings_of(workshop), request, view=self)
        data = {
            **workshop_record(workshop),
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": page,
        }
        return Response(WorkshopRatingsSerializer(data).data)


class WorkshopLoad(APIView):
    """A workshop's committed hours per process and week (8 weeks from this Monday, Japan time)
    against its declared capacity: the load page's data. For its owners and managers."""

    @extend_schema(responses={200: WorkshopLoadSerializer, 404: NOT_FOUND})
    def get(self, request: Request, workshop_uuid) -> Response:
        workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
        return Response(WorkshopLoadSerializer(workshop_load(workshop)).data)
