"""Ratings (評価) pages: the buyer rates a delivered order on its page, the supplier replies
once; a workshop's ratings, for the district's members."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..ratings import PAGE_SIZE, get_rated_workshop_for, ratings_of, workshop_record


@require_GET
@login_required
def workshop_ratings(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    """All of a workshop's ratings, newest first, a page at a time."""
    workshop = get_rated_workshop_for(request.user, workshop_uuid)
    page = Paginator(ratings_of(workshop), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workshops/ratings.html",
        {"workshop": workshop, "page": page, **workshop_record(workshop)},
    )
