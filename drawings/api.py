"""JSON API for drawings (/api/v1/drawings/…): list, upload, revisions, preview, download.

The same access helpers as the pages (`selectors.get_*_for`: 404 for what the caller may not
see), the same service for uploads, the same marked previews and the same access log.
Previews and originals answer with the file itself, not JSON.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_FOUND, REFUSED, error_response
from orders.models import Step

from . import services, uploads
from .models import AccessAction, DrawingRevision
from .selectors import drawing_rows, get_drawing_for, get_drawings_access, get_revision_for
from .views import _log, _preview_response, serve_original

TOO_LARGE = error_response("Over `DRAWINGS_MAX_UPLOAD_BYTES` (`too_large`).")


class TooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


# --- serializers ---------------------------------------------------------------------------------


class RevisionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    revision = serializers.CharField(source="label")
    is_current = serializers.BooleanField()
    type = serializers.CharField(source="kind")
    content_type = serializers.CharField()
    file_name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    pages = serializers.IntegerField(source="page_count")
    info = serializers.DictField(
        help_text="What the parse found: pixel size, pages, a STEP "
        "file's product and units, a DXF file's units."
    )
    preview_status = serializers.CharField()
    uploaded_at = serializers.DateTimeField(source="created_at")
    superseded_at = serializers.DateTimeField(allow_null=True)
    preview = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    def get_preview(self, revision) -> str:
        return f"/api/v1/drawings/revisions/{revision.uuid}/preview/1/"

    def get_thumbnail(self, revision) -> str:
        return f"/api/v1/drawings/revisions/{revision.uuid}/thumbnail/"

    def get_download(self, revision) -> str | None:
        if not self.context["access"].may_download(revision):
            return None
        return f"/api/v1/drawings/revisions/{revision.uuid}/download/"


class DrawingSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(source="drawing.uuid")
    number = serializers.CharField(source="drawing.number")
    current = RevisionSerializer(allow_null=True)
    revisions = serializers.IntegerField(source="revision_count")


class ListQuery(serializers.Serializer):
    job = serializers.UUIDField(help_text="The job whose drawings to list.")


class UploadInput(serializers.Serializer):
    job = serializers.UUIDField()
    file = serializers.FileField(allow_empty_file=True)
    number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    revision = serializers.CharField(required=False, allow_blank=True, max_length=20)
    steps = serializers.ListField(child=serializers.UUIDField(), required=False)


# --- views ---------------------------------------------------------------------------------------


class DrawingList(APIView):
    """GET: the drawings of `?job=<uuid>` the caller may see, each with its current revision.
    POST (multipart): upload one file to a job (the hub's owners and managers)."""

    parser_classes = [MultiPartParser]

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body (session authentication reads it for CSRF): the
        # limits apply while it streams in.
        if request.method == "POST":
            self.upload_handler = uploads.install(request)
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        if request.method == "POST" and uploads.body_too_large(request):
            raise TooLarge(services.too_large(uploads.declared_length(request)).messages[0])
        super().initial(request, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("job", OpenApiTypes.UUID, required=True)],
        responses={200: DrawingSerializer(many=True), 400: REFUSED, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        query = ListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        access = get_drawings_access(request.user, query.validated_data["job"])
        rows = drawing_rows(access)
        for row in rows:
            row.revision_count = len(row.revisions)
        return Response(DrawingSerializer(rows, many=True, context={"access": access}).data)

    @extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={201: RevisionSerializer, 400: REFUSED, 404: NOT_FOUND, 413: TOO_LARGE},
    )
    def post(self, request: Request) -> Response:
        handler = self.upload_handler
        # Parse the body first: the handler counts files and sizes only while it streams in
        # (with token auth nothing has read it yet), and a skipped file would look missing.
        request.data  # noqa: B018
        if handler.too_many or handler.count > 1:
            raise serializers.ValidationError(
                {"file": [_("Send one file per request.")]}, code="too_many"
            )
        if handler.too_large:
            raise TooLarge(services.too_large(handler.current_size).messages[0])
        # Who may upload is decided first: to anyone else the job does not exist.
        job = ListQuery(data={"job": request.data.get("job")})
        job.is_valid(raise_exception=True)
        access = get_drawings_access(request.user, job.validated_data["job"])
        if not access.can_manage:
            raise Http404("No such job.")
        data = UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        steps = list(Step.objects.filter(job=access.job, uuid__in=values.get("steps") or []))
        if len(steps) != len(set(values.get("steps") or [])):
            raise serializers.ValidationError({"steps": [_("No such step on this job.")]})
        revision = services.drawing_upload(
            job=access.job,
            actor=request.user,
            upload=values["file"],
            number=values.get("number", ""),
            label=values.get("revision", ""),
            steps=steps or None,
        )
        revision = DrawingRevision.objects.select_related("drawing").get(pk=revision.pk)
        body = RevisionSerializer(revision, context={"access": access}).data
        return Response(body, status=status.HTTP_201_CREATED)


class DrawingRevisions(APIView):
    @extend_schema(responses={200: RevisionSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request, drawing_uuid) -> Response:
        access, drawing = get_drawing_for(request.user, drawing_uuid)
        revisions = [
            r for r in drawing.revisions.order_by("-created_at", "-pk") if access.sees_revision(r)
        ]
        return Response(RevisionSerializer(revisions, many=True, context={"access": access}).data)


FILE = {(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: NOT_FOUND}


class RevisionPreview(APIView):
    """One page as an image (PNG or JPEG; SVG for DXF), marked for the caller like the page's."""

    @extend_schema(responses=FILE)
    def get(self, request: Request, revision_uuid, page: int):
        access, revision = get_revision_for(request.user, revision_uuid)
        response = _preview_response(request, access, revision, page)
        if response.status_code == 200:
            _log(access, revision, AccessAction.VIEW, page=page)
        return response


class RevisionThumbnail(APIView):
    @extend_schema(responses=FILE)
    def get(self, request: Request, revision_uuid):
        access, revision = get_revision_for(request.user, revision_uuid)
        return _preview_response(request, access, revision, "thumbnail")


class RevisionDownload(APIView):
    """The original file, where the hub granted downloads for the caller's order."""

    @extend_schema(responses=FILE)
    def get(self, request: Request, revision_uuid):
        access, revision = get_revision_for(request.user, revision_uuid)
        if not access.may_download(revision):
            raise Http404("No such file.")
        _log(access, revision, AccessAction.DOWNLOAD)
        return serve_original(revision)
