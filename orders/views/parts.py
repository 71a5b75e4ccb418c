"""Pages for a job's parts (部品), for the hub's managers: add, change and remove a part, and
say which parts an assembly step joins and how many of each per unit."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..access import JobAccess, get_job_for, get_step_for
from ..forms import PartForm, StepInputsForm
from ..models import Part
from ..services import parts as part_services


def _hub_access(request: HttpRequest, job_uuid: UUID) -> JobAccess:
    access = get_job_for(request.user, job_uuid)
    if not access.can_manage_job():
        raise Http404("No such job.")
    return access


def _part_of(access: JobAccess, part_uuid: UUID) -> Part:
    try:
        return Part.objects.select_related("material").get(uuid=part_uuid, job=access.job)
    except Part.DoesNotExist:
        raise Http404("No such part.") from None


@require_http_methods(["GET", "POST"])
@login_required
def part_edit(request: HttpRequest, job_uuid: UUID, part_uuid: UUID | None = None) -> HttpResponse:
    access = _hub_access(request, job_uuid)
    job = access.job
    part = _part_of(access, part_uuid) if part_uuid else None
    initial = {}
    if part is not None:
        initial = {f: getattr(part, f) for f in part_services.PART_FIELDS}
    form = PartForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if part is None:
                part_services.part_add(job=job, actor=request.user, data=form.cleaned_data)
            else:
                part_services.part_update(part=part, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The part was saved."))
            return redirect("job_detail", job_uuid=job.uuid)
    elif request.method == "POST":
        # The form's own errors and the service's, in one answer.
        values = {k: v for k, v in form.cleaned_data.items() if k != "quantity"}
        form.add_problems(part_services.part_problems(values))
    return render(
        request,
        "orders/part_form.html",
        {"form": form, "job": job, "part": part},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def part_remove(request: HttpRequest, job_uuid: UUID, part_uuid: UUID) -> HttpResponse:
    access = _hub_access(request, job_uuid)
    part = _part_of(access, part_uuid)
    try:
        part_services.part_remove(part=part, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
        return redirect("part_edit", job_uuid=access.job.uuid, part_uuid=part.uuid)
    messages.success(request, _("The part was removed."))
    return redirect("job_detail", job_uuid=access.job.uuid)


@require_http_methods(["GET", "POST"])
@login_required
def step_inputs(request: HttpRequest, job_uuid: UUID, step_uuid: UUID) -> HttpResponse:
    access = _hub_access(request, job_uuid)
    job = access.job
    step = get_step_for(access, step_uuid)
    parts = list(job.parts.all())
    form = StepInputsForm(
        request.POST if request.method == "POST" else None, step=step, parts=parts
    )
    if request.method == "POST" and form.is_valid():
        try:
            part_services.step_inputs_set(step=step, actor=request.user, inputs=form.inputs())
        except ValidationError as error:
            # Every refusal at once: the service gathers them under "inputs".
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The parts this step assembles were saved."))
            return redirect("job_detail", job_uuid=job.uuid)
    return render(
        request,
        "orders/step_inputs.html",
        {"form": form, "job": job, "step": step},
        status=400 if form.errors else 200,
    )
