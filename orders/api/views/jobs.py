"""Jobs: the list, the detail, the steps, the event log, and ending a job."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef
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

from core.api import NOT_FOUND, REFUSED
from workshops.models import Membership
from workshops.selectors import get_workshop_for

from ...access import (
    get_job_for,
    jobs_visible_to,
)
from ...filters import JobFilter
from ...models import (
    Job,
)
from ...selectors import wire_events
from ...services.jobs import job_cancel, job_close, job_create, job_update, step_add
from ..inputs import JobCreateInput, JobUpdateInput, StepAddInput
from ..serializers import (
    EVENTS_PAGE,
    EventPageSerializer,
    EventQuerySerializer,
    JobCancelInput,
    JobCloseInput,
    JobDetailSerializer,
    JobSerializer,
    StepSerializer,
)
from .common import (
    _call,
    _handoffs,
    _job_context,
    _material,
    _part_of,
    _parts_and_inputs,
    _process,
    _respond,
    _steps_of,
    _visible_steps,
    _with_items,
    _write_schema,
)


def _job_header(access_or_job, *, sees_customer: bool) -> dict:
    job = Job.objects.select_related("owner", "material").get(pk=access_or_job.pk)
    return JobSerializer(job, context={"can_see_customer": lambda job: sees_customer}).data


def _job_values(data: dict) -> dict:
    values = dict(data)
    if "material" in values:
        values["material"] = _material(values["material"])
    return values


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
    ),
    **_write_schema(
        "Post a job (a hub's owner or manager): its first part is the job's own",
        JobCreateInput,
        JobSerializer,
        status=201,
    ),
)
class JobList(generics.ListAPIView):
    """Jobs the caller is party to; late-risk first, then by due date (see `ordering`).
    POST: a hub posts a job."""

    serializer_class = JobSerializer
    filterset_class = JobFilter
    parser_classes = [JSONParser]

    def post(self, request: Request) -> Response:
        serializer = JobCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _job_values(serializer.validated_data)
        workshop = get_workshop_for(request.user, values.pop("workshop"), manage=True)
        result = _call(job_create, request, workshop=workshop, data=values)
        return _respond(result, _job_header(result, sees_customer=True), status=201)

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


@extend_schema_view(
    **_write_schema(
        "Change a job's header (the hub): only the fields given",
        JobUpdateInput,
        JobSerializer,
        method="patch",
    )
)
class JobDetail(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses={200: JobDetailSerializer, 404: NOT_FOUND})
    def get(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        steps = list(_visible_steps(access))
        context = _job_context(access, [s.pk for s in steps])
        handoffs = _handoffs(access.handoffs()).order_by("shipped_at", "pk")
        parts, inputs = _parts_and_inputs(access, steps)
        data = {
            "job": access.job,
            "parts": parts,
            "inputs": inputs,
            "steps": steps,
            "orders": _with_items(access.orders),
            "handoffs": handoffs,
        }
        return Response(JobDetailSerializer(data, context=context).data)

    def patch(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        serializer = JobUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = _job_values(serializer.validated_data)
        result = _call(job_update, request, job=access.job, data=values)
        return _respond(result, _job_header(result, sees_customer=access.can_see_customer))


@extend_schema_view(
    **_write_schema(
        "Add a step (the hub): on a part, after the steps it waits for",
        StepAddInput,
        StepSerializer,
        status=201,
    )
)
class JobSteps(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses={200: StepSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        steps = list(_visible_steps(access))
        context = _job_context(access, [s.pk for s in steps])
        return Response(StepSerializer(steps, many=True, context=context).data)

    def post(self, request: Request, job_uuid) -> Response:
        access = get_job_for(request.user, job_uuid)
        serializer = StepAddInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        result = _call(
            step_add,
            request,
            job=access.job,
            process=_process(values["process"]),
            planned_hours=values["planned_hours"],
            quantity=values.get("quantity"),
            title=values.get("title", ""),
            after=_steps_of(access, values["after"], "after"),
            part=_part_of(access, values.get("part")),
        )
        access = get_job_for(request.user, job_uuid)  # the new step is now visible
        step = _visible_steps(access).get(pk=result.pk)
        data = StepSerializer(step, context=_job_context(access, [step.pk])).data
        return _respond(result, data, status=201)


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
