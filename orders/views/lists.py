"""The hub's job list, late-risk first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workshops.models import Membership
from workshops.selectors import memberships_for_request

from ..access import jobs_visible_to
from ..filters import JobFilter
from ..live import workshops_config
from ..models import StepStatus


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    filterset = JobFilter(request.GET, queryset=jobs_visible_to(request.user), request=request)
    valid = filterset.is_valid()
    page = None
    if valid:
        qs = (
            filterset.qs.select_related("owner")
            .annotate(
                steps_total=Count("steps", distinct=True),
                steps_done=Count("steps", filter=Q(steps__status=StepStatus.DONE), distinct=True),
            )
            .order_by("-late_risk", "due_date", "-priority", "pk")
        )
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
    hubs = list(Membership.objects.managed_by(request.user).select_related("workshop"))
    return render(
        request,
        "orders/job_list.html",
        {
            "filter": filterset,
            "page": page,
            "hub_memberships": hubs,
            "live_config": workshops_config(memberships_for_request(request)),
        },
        status=200 if valid else 400,
    )
