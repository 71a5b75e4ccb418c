"""The job traveler (工程票) as a PDF, to print and send along with the parts."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from ..access import get_job_for
from ..models import Step
from ..traveler import render_traveler, short_id, traveler_steps


@require_GET
@login_required
def job_traveler(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    """Every party prints the steps it may see; the QR codes open them on the floor station."""
    access = get_job_for(request.user, job_uuid)

    def floor_url(step: Step) -> str:
        return request.build_absolute_uri(reverse("floor_step", kwargs={"step_uuid": step.uuid}))

    pdf = render_traveler(access.job, traveler_steps(access), floor_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="traveler-{short_id(access.job)}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    # The job header is for the parties to the job only: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
