"""Drawing pages: a job's drawings (with the upload form), one drawing and its revisions, the
tablet viewer, previews, original downloads, per-order sharing and the download log.

Every file goes out through a view that checks access first (`selectors.get_*_for`, 404 when the
user may not see it); nothing is served from a media URL. Previews are images we made ourselves
(PNG, JPEG, or our own SVG for DXF) with `nosniff` and a sandboxing CSP; originals are always
attachments with the type their content proved.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.live import job_stream, live_config

from . import services, uploads
from .forms import ACCEPT, SharingForm, StepsForm, UploadForm
from .models import AccessAction, Drawing, PreviewStatus
from .previews import ensure_previews, marked_preview
from .selectors import (
    DrawingAccess,
    access_log,
    drawing_rows,
    get_drawing_for,
    get_drawings_access,
    get_revision_for,
    get_sharing_order_for,
)

# No script, no plugin, no navigation: what a preview or a file could carry stays inert even if
# opened directly in a browser tab.
FILE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


def _manager_access(request: HttpRequest, job_uuid: UUID) -> DrawingAccess:
    access = get_drawings_access(request.user, job_uuid)
    if not access.can_manage:
        raise Http404("No such job.")
    return access


def _limits() -> dict:
    return {
        "max_mb": settings.DRAWINGS_MAX_UPLOAD_BYTES // 1_048_576,
        "max_files": settings.DRAWINGS_MAX_FILES_PER_REQUEST,
    }


# --- a job's drawings ----------------------------------------------------------------------------


def _page_context(access: DrawingAccess, *, form: UploadForm | None = None) -> dict:
    job = access.job
    context = {
        "job": job,
        "access": access,
        "rows": drawing_rows(access),
        "sharing_orders": access.sharing_orders,
        "accept": ACCEPT,
        **_limits(),
    }
    if access.can_manage:
        context["form"] = form or UploadForm(job=job)
    if access.job_access is not None:
        context["live_config"] = live_config(job_stream(job))
        context["live_url"] = reverse("job_drawings", args=[job.uuid])
    return context


@require_GET
@login_required
def job_drawings(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    access = get_drawings_access(request.user, job_uuid)
    return render(request, "drawings/job_drawings.html", _page_context(access))


@require_GET
@login_required
def job_drawings_panel(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    """The drawings section of the job page, fetched by the page itself (so the job page keeps
    its query count), and again when the job's stream says something changed."""
    access = get_drawings_access(request.user, job_uuid)
    return render(
        request,
        "drawings/_job_panel.html",
        {"job": access.job, "access": access, "rows": drawing_rows(access)},
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _too_large_message() -> str:
    return (
        _(
            "The upload is too large. "
            "The limit is %(max_mb)s MB per file, %(max_files)s files at a time."
        )
        % _limits()
    )


@csrf_exempt  # checked below, once the upload handler is in place
@require_POST
@login_required
def drawing_upload(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    """One or several files (multipart). Without JavaScript: messages, then back to the list.
    The page's script sends one file per request with `Accept: application/json` and shows
    progress; it gets each file's outcome as JSON."""
    # Who may upload is decided before a byte of the body is read.
    access = _manager_access(request, job_uuid)
    if uploads.body_too_large(request):
        return _upload_answer(request, access, [], [("", _too_large_message())], status=413)
    handler = uploads.install(request)
    return _receive_upload(request, access, handler)


@csrf_protect
def _receive_upload(request: HttpRequest, access: DrawingAccess, handler) -> HttpResponse:
    job = access.job
    form = UploadForm(request.POST, job=job)
    files = request.FILES.getlist("files")
    if handler.too_many:
        message = _("Too many files at once: at most %(max_files)s per upload.") % _limits()
        return _upload_answer(request, access, [], [("", message)], status=400)
    errors: list[tuple[str, str]] = [
        (
            services.sanitize_filename(name),
            _("The file is too large. The limit is %(max_mb)s MB per file.") % _limits(),
        )
        for name in handler.too_large
    ]
    if not form.is_valid():
        return _upload_answer(
            request, access, [], [("", _("Please check the form."))], status=400, form=form
        )
    if not files and not errors:
        return _upload_answer(
            request, access, [], [("", _("Choose at least one file."))], status=400, form=form
        )
    single = len(files) == 1
    done = []
    for upload in files:
        try:
            revision = services.drawing_upload(
                job=job,
                actor=request.user,
                upload=upload,
                number=form.cleaned_data["number"] if single else "",
                label=form.cleaned_data["revision"] if single else "",
                steps=form.cleaned_data["steps"] or None,
            )
        except ValidationError as error:
            errors.append((services.sanitize_filename(upload.name), " ".join(error.messages)))
        else:
            done.append(revision)
    status = 200 if not errors else (413 if handler.too_large and not done else 400)
    return _upload_answer(request, access, done, errors, status=status, form=form)


def _revision_json(revision) -> dict:
    return {
        "uuid": str(revision.uuid),
        "drawing": str(revision.drawing.uuid),
        "number": revision.drawing.number,
        "revision": revision.label,
        "type": revision.kind,
        "file_name": revision.original_name,
        "viewer": reverse("revision_viewer", args=[revision.uuid]),
        "thumbnail": reverse("revision_thumbnail", args=[revision.uuid]),
    }


def _upload_answer(request, access, done, errors, *, status, form=None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {
                "uploaded": [_revision_json(r) for r in done],
                "errors": [{"file": name, "message": message} for name, message in errors],
            },
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    for revision in done:
        messages.success(
            request,
            _("%(number)s revision %(revision)s was added.")
            % {"number": revision.drawing.number, "revision": revision.label},
        )
    for name, message in errors:
        messages.error(request, f"{name}: {message}" if name else message)
    if status == 200 or done:
        return redirect("job_drawings", job_uuid=access.job.uuid)
    # Nothing was added: show the form again, with what was typed.
    context = _page_context(access, form=form)
    return render(request, "drawings/job_drawings.html", context, status=status)


# --- one drawing ---------------------------------------------------------------------------------


@require_GET
@login_required
def drawing_detail(request: HttpRequest, drawing_uuid: UUID) -> HttpResponse:
    access, drawing = get_drawing_for(request.user, drawing_uuid)
    row = next(r for r in drawing_rows(access) if r.drawing.pk == drawing.pk)
    for revision in row.revisions:
        revision.may_download = access.may_download(revision)
    context = {"job": access.job, "access": access, "drawing": drawing, "row": row}
    if access.can_manage:
        context["steps_form"] = StepsForm(
            job=access.job, initial={"steps": list(drawing.steps.all())}
        )
    return render(request, "drawings/drawing_detail.html", context)


@require_POST
@login_required
def drawing_steps(request: HttpRequest, drawing_uuid: UUID) -> HttpResponse:
    access, drawing = get_drawing_for(request.user, drawing_uuid)
    if not access.can_manage:
        raise Http404("No such drawing.")
    form = StepsForm(request.POST, job=access.job)
    if form.is_valid():
        try:
            services.drawing_set_steps(
                drawing=drawing, actor=request.user, steps=form.cleaned_data["steps"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Please check the form."))
    return redirect("drawing_detail", drawing_uuid=drawing.uuid)


# --- sharing with an order -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def order_drawings(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    access, order = get_sharing_order_for(request.user, order_uuid)
    sharing = access.sharing
    hub = access.can_manage
    if hub:
        choices = Drawing.objects.filter(job=access.job)
    else:
        choices = Drawing.objects.filter(pk__in=sharing.shown(order.parent_id))
    policy = sharing.policy(order.pk)
    initial = {
        "drawings": list(choices.filter(pk__in=sharing.shown(order.pk))),
        "download": bool(policy and policy.download),
        "reshare": bool(policy and policy.reshare),
    }
    form = SharingForm(
        request.POST if request.method == "POST" else None,
        choices=choices.order_by("number"),
        hub=hub,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.order_drawings_set(
                order=order,
                actor=request.user,
                drawings=form.cleaned_data["drawings"],
                download=form.cleaned_data.get("download") if hub else None,
                reshare=form.cleaned_data.get("reshare") if hub else None,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("%(shop)s now sees the drawings you chose.")
                % {"shop": order.supplier.display_name},
            )
            return redirect("job_drawings", job_uuid=access.job.uuid)
    return render(
        request,
        "drawings/order_drawings.html",
        {
            "job": access.job,
            "order": order,
            "form": form,
            "hub": hub,
            "chosen": bool(policy and policy.chosen),
        },
        status=400 if form.errors else 200,
    )


# --- the viewer, previews and originals ----------------------------------------------------------


def _log(access: DrawingAccess, revision, action: str, page: int | None = None) -> None:
    workshop = access.viewer_workshop or (access.job.owner if access.is_hub else None)
    services.access_log_add(
        revision=revision, actor=access.user, workshop=workshop, action=action, page=page
    )


@require_GET
@login_required
def revision_viewer(request: HttpRequest, revision_uuid: UUID) -> HttpResponse:
    access, revision = get_revision_for(request.user, revision_uuid)
    revision = ensure_previews(revision)
    _log(access, revision, AccessAction.VIEW)
    current = None
    if not revision.is_current and access.sees_all_revisions(revision.drawing_id):
        current = revision.drawing.revisions.filter(is_current=True).first()
    pages = [
        reverse("revision_page", args=[revision.uuid, n])
        for n in range(1, revision.preview_pages + 1)
    ]
    return render(
        request,
        "drawings/viewer.html",
        {
            "job": revision.drawing.job,
            "access": access,
            "revision": revision,
            "drawing": revision.drawing,
            "current": current,
            "pages": pages,
            "may_download": access.may_download(revision),
            "failed": revision.preview_status == PreviewStatus.FAILED,
            "watermarked": access.watermark is not None,
        },
    )


def _preview_response(request: HttpRequest, access: DrawingAccess, revision, which):
    revision = ensure_previews(revision)
    watermark = access.watermark
    # The same URL answers differently per viewer, per day and once superseded: all in the tag.
    tag = hashlib.sha256(
        f"{revision.uuid}|{which}|{revision.previews.get('pages')}|{revision.is_current}|"
        f"{watermark}".encode()
    ).hexdigest()[:32]
    etag = f'"{tag}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        marked = marked_preview(revision, which, watermark=watermark)
        if marked is None:
            raise Http404("No such page.")
        data, media = marked
        response = HttpResponse(data, content_type=media)
        response["Content-Disposition"] = "inline"
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Vary"] = "Cookie, Authorization"
    return response


@require_GET
@login_required
def revision_thumbnail(request: HttpRequest, revision_uuid: UUID) -> HttpResponse:
    access, revision = get_revision_for(request.user, revision_uuid)
    return _preview_response(request, access, revision, "thumbnail")


@require_GET
@login_required
def revision_page(request: HttpRequest, revision_uuid: UUID, page: int) -> HttpResponse:
    access, revision = get_revision_for(request.user, revision_uuid)
    response = _preview_response(request, access, revision, page)
    if response.status_code == 200:
        _log(access, revision, AccessAction.VIEW, page=page)
    return response


def serve_original(revision) -> HttpResponse:
    """The original file as an attachment with the type its content proved: handed to the proxy
    (X-Accel-Redirect) when one is configured and files are on local disk, else streamed."""
    disposition = content_disposition_header(True, revision.original_name)
    prefix = settings.PROTECTED_MEDIA_REDIRECT_PREFIX
    if prefix and isinstance(default_storage, FileSystemStorage):
        response = HttpResponse(content_type=revision.content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(revision.file.name)
    else:
        try:
            handle = revision.file.open("rb")
        except FileNotFoundError:
            raise Http404("No such file.") from None
        response = FileResponse(handle, content_type=revision.content_type)
        response["Content-Length"] = str(revision.size)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def revision_download(request: HttpRequest, revision_uuid: UUID) -> HttpResponse:
    access, revision = get_revision_for(request.user, revision_uuid)
    if not access.may_download(revision):
        raise Http404("No such file.")
    _log(access, revision, AccessAction.DOWNLOAD)
    return serve_original(revision)


# --- the log -------------------------------------------------------------------------------------


@require_GET
@login_required
def drawing_log(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    access = _manager_access(request, job_uuid)
    return render(
        request,
        "drawings/log.html",
        {"job": access.job, "entries": list(access_log(access.job))},
    )
