"""The load page (負荷): a workshop's committed hours per process and week against the capacity
it declares, for its owners and managers."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workshops.selectors import get_workshop_for

from ..load import workshop_load as load_table


@require_GET
@login_required
def workshop_load(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    # A shop's load tells how busy it is and for whom it works: its managers' business only.
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    return render(
        request, "workshops/load.html", {"workshop": workshop, "table": load_table(workshop)}
    )
