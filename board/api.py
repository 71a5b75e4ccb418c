"""JSON API for the open board: postings, offers, the award, and route suggestions.

The same access helpers as the pages (`orders/board.py`): a posting is for its buyer's owners
and managers and for those of the shops it invited; an offer for its maker and the buyer.
Anything else is a 404. Refusals from the services are 400s with their translated messages.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND, REFUSED
from core.forms import SizeField
from orders.access import get_job_for
from workshops.models import Certification, District, Material, Workshop
from workshops.selectors import managed_workshop_ids

from . import services
from .filters import PostingFilter
from .models import Offer, Posting
from .selectors import (
    get_offer_for,
    get_posting_for,
    offer_comparison,
    postings_visible_to,
    route_suggestions,
    unrouted_steps,
)


class ShopRef(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField(help_text="The registered (Japanese) name.")
    display_name = serializers.CharField(
        help_text="In the caller's language: the English name, when the shop gave one."
    )


class OfferSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    workshop = ShopRef()
    price = serializers.IntegerField()

    class Meta:
        model = Offer
        fields = [
            "id",
            "workshop",
            "status",
            "price",
            "lead_time_days",
            "promised_date",
            "valid_until",
            "note",
            "revision",
            "updated_at",
        ]


class ComparedOfferSerializer(serializers.Serializer):
    offer = OfferSerializer()
    distance_km = serializers.FloatField(allow_null=True)
    rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    rating_count = serializers.IntegerField()
    load_percent = serializers.IntegerField(allow_null=True)
    on_time = serializers.BooleanField()


class PostingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    job = serializers.UUIDField(source="job.uuid")
    part_name = serializers.CharField(source="job.part_name")
    drawing_number = serializers.CharField(source="job.drawing_number")
    buyer = ShopRef()
    process = serializers.CharField(source="process.code")
    material = serializers.CharField(source="material.code", allow_null=True, default=None)
    steps = serializers.SerializerMethodField()
    districts = serializers.SerializerMethodField()
    certifications = serializers.SerializerMethodField()
    is_buyer = serializers.SerializerMethodField()
    my_offer = serializers.SerializerMethodField()

    class Meta:
        model = Posting
        fields = [
            "id",
            "job",
            "part_name",
            "drawing_number",
            "buyer",
            "process",
            "steps",
            "quantity",
            "material",
            "material_note",
            "size_mm",
            "tolerance_um",
            "certifications",
            "districts",
            "due_date",
            "answer_by",
            "description",
            "share_drawings",
            "status",
            "posted_at",
            "decided_at",
            "is_buyer",
            "my_offer",
        ]

    def _managed(self) -> set[int]:
        return self.context["managed"]

    def get_steps(self, posting) -> list[str]:
        return [str(s.uuid) for s in posting.steps.all()]

    def get_districts(self, posting) -> list[str]:
        return [d.slug for d in posting.districts.all()]

    def get_certifications(self, posting) -> list[str]:
        return [c.code for c in posting.certifications.all()]

    def get_is_buyer(self, posting) -> bool:
        return posting.buyer_id in self._managed()

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_my_offer(self, posting):
        mine = [o for o in posting.visible_offers if o.workshop_id in self._managed()]
        if posting.buyer_id in self._managed() or not mine:
            return None
        return OfferSerializer(mine[0]).data


def _with_related(qs, managed: set[int]):
    return qs.select_related("job", "buyer", "process", "material").prefetch_related(
        "steps",
        "districts",
        "certifications",
        Prefetch(
            "offers",
            queryset=Offer.objects.filter(workshop_id__in=managed).select_related("workshop"),
            to_attr="visible_offers",
        ),
    )


class PostingInput(serializers.Serializer):
    job = serializers.UUIDField()
    steps = serializers.ListField(child=serializers.UUIDField(), min_length=1)
    districts = serializers.ListField(child=serializers.SlugField(), min_length=1)
    answer_by = serializers.DateTimeField()
    due_date = serializers.DateField(required=False)
    quantity = serializers.IntegerField(required=False, min_value=1, max_value=10_000_000)
    material = serializers.CharField(required=False, allow_blank=True)
    size_mm = serializers.CharField(required=False, allow_blank=True, help_text="120x40x30")
    tolerance_um = serializers.DecimalField(
        required=False, allow_null=True, max_digits=7, decimal_places=1, min_value=Decimal("0.1")
    )
    certifications = serializers.ListField(child=serializers.CharField(), required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    share_drawings = serializers.BooleanField(required=False, default=True)
    workshops = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Only these shops (each must be capable): an inquiry to chosen peers.",
    )


class OfferInput(serializers.Serializer):
    workshop = serializers.UUIDField(
        required=False, help_text="Which of your invited workshops offers (if you manage several)."
    )
    price = serializers.CharField(max_length=20)
    promised_date = serializers.DateField(required=False, allow_null=True)
    lead_time_days = serializers.IntegerField(required=False, allow_null=True)
    valid_until = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class AwardInput(serializers.Serializer):
    offer = serializers.UUIDField()
    delivery_place = serializers.CharField(max_length=300)
    inspection_due_date = serializers.DateField(required=False, allow_null=True)
    payment_due_date = serializers.DateField()
    payment_method = serializers.CharField()
    terms_note = serializers.CharField(required=False, allow_blank=True)


class SuggestionSerializer(serializers.Serializer):
    workshop = ShopRef()
    score = serializers.FloatField()
    distance_km = serializers.FloatField(allow_null=True)
    rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    rating_count = serializers.IntegerField()
    load_percent = serializers.IntegerField(allow_null=True)
    lead_time_days = serializers.IntegerField(allow_null=True)
    explanation = serializers.CharField()


class StepSuggestionsSerializer(serializers.Serializer):
    step = serializers.UUIDField(source="step.uuid")
    process = serializers.CharField(source="step.process.code")
    suggestions = SuggestionSerializer(many=True)


class PostingPage(PageNumberPagination):
    page_size = 50


def _context(request) -> dict:
    return {"managed": managed_workshop_ids(request.user)}


class PostingList(APIView):
    """Postings the caller's workshops posted or were invited to. Filters as on the board page:
    status, process, role (buyer / invited), job."""

    # Read by the schema generator, which then documents the GET answer as a page.
    pagination_class = PostingPage

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="open, awarded, closed, withdrawn"),
            OpenApiParameter("process", str, description="Process codes, comma separated."),
            OpenApiParameter("role", str, description="buyer or invited"),
            OpenApiParameter("job", str, description="A job's id."),
            OpenApiParameter("page", int),
        ],
        responses={200: PostingSerializer(many=True), 400: REFUSED},
    )
    def get(self, request: Request) -> Response:
        context = _context(request)
        filterset = PostingFilter(
            request.query_params, queryset=postings_visible_to(request.user), request=request
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        qs = _with_related(filterset.qs.order_by("-posted_at", "-pk"), context["managed"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            PostingSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=PostingInput,
        responses={201: PostingSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def post(self, request: Request) -> Response:
        data = PostingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        access = get_job_for(request.user, values["job"])
        if not access.can_manage_job():
            raise Http404("No such job.")
        job = access.job
        steps = list(unrouted_steps(job).filter(uuid__in=values["steps"]))
        if len(steps) != len(set(values["steps"])):
            raise serializers.ValidationError(
                {"steps": [_("Choose steps of this job that are not routed yet.")]}
            )
        extra = {}
        if values.get("material"):
            extra["material"] = _lookup(Material, "code", values["material"], "material")
        if values.get("size_mm"):
            try:
                extra["size_mm"] = SizeField().clean(values["size_mm"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"size_mm": exc.messages}) from None
        if values.get("workshops"):
            shops = list(Workshop.objects.filter(uuid__in=values["workshops"]))
            if len(shops) != len(set(values["workshops"])):
                raise serializers.ValidationError({"workshops": [_("Unknown workshop.")]})
            extra["only_workshops"] = shops
        districts = list(District.objects.filter(slug__in=values["districts"]))
        if len(districts) != len(set(values["districts"])):
            raise serializers.ValidationError({"districts": [_("Unknown district.")]})
        certs = list(Certification.objects.filter(code__in=values.get("certifications", [])))
        if len(certs) != len(set(values.get("certifications", []))):
            raise serializers.ValidationError({"certifications": [_("Unknown certification.")]})
        posting = services.posting_create(
            job=job,
            actor=request.user,
            steps=steps,
            districts=districts,
            answer_by=values["answer_by"],
            due_date=values.get("due_date"),
            quantity=values.get("quantity"),
            tolerance_um=values.get("tolerance_um"),
            certifications=certs,
            description=values.get("description", ""),
            share_drawings=values["share_drawings"],
            **extra,
        )
        posting = _with_related(Posting.objects.filter(pk=posting.pk), set()).get()
        return Response(PostingSerializer(posting, context=_context(request)).data, status=201)


def _lookup(model, field: str, value: str, name: str):
    try:
        return model.objects.get(**{field: value})
    except model.DoesNotExist:
        raise serializers.ValidationError(
            {name: [_("Unknown %(name)s.") % {"name": value}]}
        ) from None


class PostingDetail(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("workshop", str, description="Answer as this workshop.")],
        responses={200: PostingSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, posting_uuid) -> Response:
        access = get_posting_for(request.user, posting_uuid)
        context = _context(request)
        posting = _with_related(Posting.objects.filter(pk=access.posting.pk), context["managed"])
        return Response(PostingSerializer(posting.get(), context=context).data)


class PostingOffers(APIView):
    """The buyer sees every offer side by side; an invited shop sees only its own."""

    parser_classes = [JSONParser]

    @extend_schema(responses={200: ComparedOfferSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request, posting_uuid) -> Response:
        access = get_posting_for(request.user, posting_uuid)
        if access.is_buyer:
            rows = offer_comparison(access.posting)
        else:
            managed = managed_workshop_ids(request.user)
            rows = [r for r in offer_comparison(access.posting) if r["workshop"].pk in managed]
        return Response(ComparedOfferSerializer(rows, many=True).data)

    @extend_schema(
        request=OfferInput, responses={201: OfferSerializer, 400: REFUSED, 404: NOT_FOUND}
    )
    def post(self, request: Request, posting_uuid) -> Response:
        data = OfferInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        wanted = values.pop("workshop", None)
        access = get_posting_for(request.user, posting_uuid, workshop=wanted)
        if access.is_buyer:
            raise Http404("No such posting.")
        offer = services.offer_submit(
            posting=access.posting, workshop=access.workshop, actor=request.user, **values
        )
        return Response(OfferSerializer(offer).data, status=201)


class OfferWithdraw(APIView):
    @extend_schema(request=None, responses={200: OfferSerializer, 400: REFUSED, 404: NOT_FOUND})
    def post(self, request: Request, offer_uuid) -> Response:
        offer = get_offer_for(request.user, offer_uuid)
        offer = services.offer_withdraw(offer=offer, actor=request.user)
        return Response(OfferSerializer(offer).data)


class PostingAward(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=AwardInput, responses={200: PostingSerializer, 400: REFUSED, 404: NOT_FOUND}
    )
    def post(self, request: Request, posting_uuid) -> Response:
        access = get_posting_for(request.user, posting_uuid)
        if not access.is_buyer:
            raise Http404("No such posting.")
        data = AwardInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        offer = Offer.objects.filter(posting=access.posting, uuid=values.pop("offer")).first()
        if offer is None:
            raise serializers.ValidationError(
                {"offer": [_("Choose one of the offers on this posting.")]}
            )
        posting = services.posting_award(
            posting=access.posting, offer=offer, actor=request.user, terms=values
        )
        context = _context(request)
        posting = _with_related(Posting.objects.filter(pk=posting.pk), context["managed"]).get()
        return Response(PostingSerializer(posting, context=context).data)


class PostingWithdraw(APIView):
    @extend_schema(request=None, responses={200: PostingSerializer, 400: REFUSED, 404: NOT_FOUND})
    def post(self, request: Request, posting_uuid) -> Response:
        access = get_posting_for(request.user, posting_uuid)
        if not access.is_buyer:
            raise Http404("No such posting.")
        services.posting_withdraw(posting=access.posting, actor=request.user)
        context = _context(request)
        posting = _with_related(Posting.objects.filter(pk=access.posting.pk), context["managed"])
        return Response(PostingSerializer(posting.get(), context=context).data)


class JobSuggestions(APIView):
    """Route suggestions for the job's unrouted steps (the hub's owners and managers)."""

    @extend_schema(responses={200: StepSuggestionsSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        if not access.can_manage_job():
            raise Http404("No such job.")
        rows = [
            {"step": step, "suggestions": ranked} for step, ranked in route_suggestions(access.job)
        ]
        return Response(StepSuggestionsSerializer(rows, many=True).data)
