"""The 第7条 record of a workshop: its owners and managers only."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from workshops.selectors import get_workshop_for

from ..records import (
    COLUMNS,
    RecordsFilterForm,
    order_records,
    record_of,
    records_csv,
    trading_partners,
)


def _records(request: HttpRequest, workshop_uuid: UUID):
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    form = RecordsFilterForm(request.GET or None, partners=trading_partners(workshop))
    if form.is_bound and not form.is_valid():
        return workshop, form, None
    data = form.cleaned_data if form.is_bound else {}
    orders = order_records(
        workshop,
        partner=form.partners.get(data.get("partner") or ""),
        ordered_from=data.get("ordered_from"),
        ordered_to=data.get("ordered_to"),
    )
    records = [record_of(o) for o in orders]
    return workshop, form, records


@require_GET
@login_required
def workshop_records(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop, form, records = _records(request, workshop_uuid)
    return render(
        request,
        "orders/records.html",
        {
            "workshop": workshop,
            "form": form,
            "records": records,
            "columns": COLUMNS,
            "query": request.GET.urlencode(),
        },
        status=400 if records is None else 200,
    )


@require_GET
@login_required
def workshop_records_csv(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    _workshop, form, records = _records(request, workshop_uuid)
    if records is None:
        return HttpResponse(
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(records_csv(records), content_type="text/csv; charset=utf-8")
    name = f"records-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
