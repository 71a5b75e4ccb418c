"""Asking a workshop found in the search for work: from its profile, one of the user's jobs."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workshops.models import Membership
from workshops.selectors import get_workshop_for

from ..selectors import jobs_to_ask_of


@require_GET
@login_required
def workshop_request(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    """「この工場に依頼する」: the user's jobs with steps still to route, each leading to the
    route form with this workshop chosen."""
    supplier = get_workshop_for(request.user, workshop_uuid)
    if not Membership.objects.managed_by(request.user).exclude(workshop=supplier).exists():
        raise Http404("No workshop to ask from.")
    return render(
        request,
        "orders/workshop_request.html",
        {"supplier": supplier, "jobs": jobs_to_ask_of(request.user, supplier)},
    )
