"""The hub cancels or closes a job: a page that says what will happen, then asks to confirm."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ..access import get_job_for
from ..forms import JobEndForm
from ..models import FINISHED_STEP_STATES, OrderStatus
from ..selectors import contracted_orders
from ..services.jobs import job_cancel, job_close, job_may_end

SERVICES = {"cancel": job_cancel, "close": job_close}
TITLES = {
    "cancel": gettext_lazy("Cancel this job"),
    "close": gettext_lazy("Close this job with what was made"),
}
DONE_MESSAGES = {
    "cancel": gettext_lazy("The job was cancelled. The suppliers were told."),
    "close": gettext_lazy("The job was closed. The suppliers were told."),
}


@require_http_methods(["GET", "POST"])
@login_required
def job_end(request: HttpRequest, job_uuid: UUID, action: str) -> HttpResponse:
    if action not in SERVICES:
        raise Http404("No such action.")
    access = get_job_for(request.user, job_uuid)
    if not access.can_manage_job():
        raise Http404("No such job.")
    job = access.job
    if not job_may_end(job, action):
        messages.error(
            request, _("This job is already %(status)s.") % {"status": job.get_status_display()}
        )
        return redirect("job_detail", job_uuid=job.uuid)
    contracted = list(contracted_orders(job))
    form = JobEndForm(
        request.POST if request.method == "POST" else None, action=action, contracted=contracted
    )
    if request.method == "POST" and form.is_valid():
        try:
            SERVICES[action](
                job=job,
                actor=request.user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data.get("note", ""),
                suppliers_agreed=form.cleaned_data.get("suppliers_agreed", False),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, str(DONE_MESSAGES[action]))
            return redirect("job_detail", job_uuid=job.uuid)
    orders = list(job.orders.select_related("supplier").order_by("requested_at", "pk"))
    context = {
        "job": job,
        "action": action,
        "title": TITLES[action],
        "form": form,
        "contracted": contracted,
        "requested": [o for o in orders if o.status == OrderStatus.REQUESTED],
        "open_steps": job.steps.exclude(status__in=FINISHED_STEP_STATES).count(),
    }
    return render(request, "orders/job_end.html", context, status=400 if form.errors else 200)
