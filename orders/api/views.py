"""JSON API for jobs, steps, orders and hand-offs (/api/v1/). Integrators and tablets use it.

Reads go through the access helpers in `access.py` (anything the caller may not see is a
404); writes call the services, which are the only writers. A service's refusal is left to the
API's error handler (`core/api.py`): a 400 with the refusal's code, its message and its
messages per field. Writes take an `Idempotency-Key` header: the services apply a key once per
user and answer a repeat with the object the first call made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND, REFUSED
from workshops.models import Membership
from workshops.selectors import get_workshop_for, managed_workshop_ids

from ..access import (
    JobAccess,
    documents_visible,
    get_handoff_for,
    get_job_for,
    get_order_for,
    get_step_by_uuid_for,
    get_step_to_perform,
    jobs_visible_to,
    orders_visible_to,
)
from ..filters import JobFilter, OrderFilter
from ..load import workshop_load
from ..models import (
    HandOff,
    Job,
    Order,
    Step,
    StepLink,
)
from ..ratings import get_rated_workshop_for, order_rating, ratings_of, workshop_record
from ..selectors import wire_events
from ..services.handoffs import handoff_receive, handoff_ship
from ..services.jobs import job_cancel, job_close
from ..services.progress import (
    step_cancel,
    step_done,
    step_hold,
    step_resume,
    step_start,
)
from ..services.ratings import rating_create, rating_reply
from ..services.routing import order_accept, order_decline, order_withdraw
from .serializers import (  # noqa: F401
    EVENTS_PAGE,
    MAX_SEQ,
    PARTIES_ONLY,
    PRICED_FIELDS,
    CancelInput,
    DeclineInput,
    DoneInput,
    EventPageSerializer,
    EventQuerySerializer,
    EventSerializer,
    HandOffSerializer,
    HoldInput,
    JobCancelInput,
    JobCloseInput,
    JobDetailSerializer,
    JobRefSerializer,
    JobSerializer,
    OrderDetailSerializer,
    OrderDocumentSerializer,
    OrderSerializer,
    RatingInput,
    RatingReplyInput,
    RatingSerializer,
    ReceiveInput,
    ShipInput,
    StepSerializer,
    WorkshopLoadSerializer,
    WorkshopRatingsSerializer,
    WorkshopRefSerializer,
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


# --- jobs ----------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "process",
                str,
                many=True,
                description="Process codes: jobs with a visible step of any of them "
                "(`process=L,G` or repeated).",
            ),
            OpenApiParameter(
                "late_risk", bool, description="true: only jobs at risk; false: only the others."
            ),
        ]
    )
)
class JobList(generics.ListAPIView):
    """Jobs the caller is party to; late-risk first, then by due date (see `ordering`)."""

    serializer_class = JobSerializer
    filterset_class = JobFilter

    def get_queryset(self):
        if not self.request.user.is_authenticated:  # the schema generator's fake request
            return Job.objects.none()
        hub_manager = Membership.objects.managed_by(self.request.user).filter(
            workshop=OuterRef("owner_id")
        )
        return (
            jobs_visible_to(self.request.user)
            .select_related("owner", "material")
            .annotate(caller_manages_hub=Exists(hub_manager))
        )

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "can_see_customer": lambda job: job.caller_manages_hub,
        }


class JobDetail(APIView):
    @extend_schema(responses={200: JobDetailSerializer, 404: NOT_FOUND})
    def get(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        steps = list(_visible_steps(access))
        context = _job_context(access, [s.pk for s in steps])
        handoffs = _handoffs(access.handoffs()).order_by("shipped_at", "pk")
        data = {"job": access.job, "steps": steps, "orders": access.orders, "handoffs": handoffs}
        return Response(JobDetailSerializer(data, context=context).data)


class JobSteps(APIView):
    @extend_schema(responses={200: StepSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        steps = list(_visible_steps(access))
        context = _job_context(access, [s.pk for s in steps])
        return Response(StepSerializer(steps, many=True, context=context).data)


class JobEvents(APIView):
    """The job's event log, as far as the caller may see it, after a given `seq`.

    Repairs what a live stream missed: keep the last `seq` seen and ask for what follows."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                int,
                description="Return events with a greater seq (default 0: from the start).",
            )
        ],
        responses={200: EventPageSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    def get(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        query = EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = wire_events(
            access.events().filter(seq__gt=query.validated_data["after"]), limit=EVENTS_PAGE + 1
        )
        more = len(rows) > EVENTS_PAGE
        events = rows[:EVENTS_PAGE]
        page = {"results": events, "next_after": events[-1]["seq"] if more else None}
        return Response(EventPageSerializer(page).data)


# --- jobs: writes --------------------------------------------------------------------------------


class JobEnd(APIView):
    """POST /jobs/<uuid>/cancel/ or /close/: the hub ends the job (see docs/JOB_END.md)."""

    parser_classes = [JSONParser]
    input_serializer: type[serializers.Serializer]
    service: Callable[..., Job]

    def post(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = _call(self.service, request, job=access.job, **serializer.validated_data)
        job = Job.objects.select_related("owner", "material").get(pk=access.job.pk)
        data = JobSerializer(
            job, context={"can_see_customer": lambda job: access.can_see_customer}
        ).data
        return _respond(result, data)


@extend_schema_view(
    **_write_schema("Cancel a job (the hub): nothing more is made", JobCancelInput, JobSerializer)
)
class JobCancel(JobEnd):
    input_serializer = JobCancelInput
    service = staticmethod(job_cancel)


@extend_schema_view(
    **_write_schema("Close a job with what was made (the hub)", JobCloseInput, JobSerializer)
)
class JobClose(JobEnd):
    input_serializer = JobCloseInput
    service = staticmethod(job_close)


# --- steps and hand-offs: writes -----------------------------------------------------------------


class StepAction(APIView):
    """POST /steps/<uuid>/<action>/: one transition of a step, by whoever the service allows."""

    parser_classes = [JSONParser]
    input_serializer: type[serializers.Serializer] | None = None
    service: Callable[..., Step]

    def post(self, request: Request, step_uuid) -> Response:
        access, step = get_step_to_perform(request.user, step_uuid)
        values = self.parse(request)
        result = _call(self.service, request, step=step, **values)
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
            to_step = step.successors.filter(uuid=to_uuid).first()
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
        steps = list(_visible_steps(access).filter(orders=order))
        context = _job_context(access, [s.pk for s in steps])
        data: dict[str, Any] = {"order": order, "steps": steps}
        if access.can_see_price(order):
            data["documents"] = documents_visible(access, order)
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
