"""The district dashboard (association staff) and a workshop's own figures beside its peers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.services import Refused
from orders import rollups
from orders.live import live_config

from . import cached, charts, csv
from .access import district_of, get_district_for_staff, get_workshop_for_member
from .filters import DashboardFilter, default_scope
from .metrics.comparison import workshop_comparison
from .metrics.dashboard import SECTIONS
from .metrics.processes import live_counters
from .metrics.targets import targets_progress
from .models import DistrictTarget
from .targets import TargetForm, target_create, target_delete
from .targets import history as target_history

# Each CSV table and the section of the figures it is drawn from.
CSV_TABLES = {
    "summary": "summary",
    "weekly": "weekly",
    "throughput": "processes",
    "lead_times": "processes",
    "wip": "processes",
    "capacity": "processes",
    "network": "network",
    "targets": "targets",
}


def district_stream(district) -> dict:
    return {"url": f"/ws/districts/{district.slug}/"}


def _charts(data: dict) -> dict:
    p = data["processes"]
    return {
        "weekly": charts.weekly(data["weekly"], title=_("Steps done per week")),
        "throughput": charts.bars(p["throughput"], "steps_done", title=_("Steps done by process")),
        "lead_times": charts.bars(
            p["lead_times"], "median_hours", title=_("Median step lead time"), unit=" h"
        ),
        "wip": charts.bars(p["wip"], "wip", title=_("In progress now by process")),
        "queue": charts.bars(p["wip"], "queue", title=_("Waiting to start by process")),
        "capacity": charts.bars(
            p["capacity"], "load_percent", title=_("Committed load against capacity"), unit="%"
        ),
        "network": charts.network(data["network"], title=_("Orders between workshops")),
        "targets": {t["uuid"]: charts.trend(t, title=t["label"]) for t in data["targets"]},
    }


@require_GET
@login_required
def district_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    district = get_district_for_staff(request.user, slug)
    filterset = DashboardFilter(request.GET or None, district=district)
    valid = filterset.is_valid() if request.GET else True
    context = {
        "district": district,
        "filter": filterset,
        "query": request.GET.urlencode(),
        "csv_tables": CSV_TABLES,
        "live_config": live_config(district_stream(district)),
        "update_every": _update_every(),
    }
    if not valid:
        return render(request, "districts/district.html", context, status=400)
    scope = filterset.scope() if request.GET else default_scope(district)
    if request.headers.get("X-Shopnet-Live"):
        # A live refresh re-reads only the panels that change as steps move.
        context.update(live=live_counters(scope), live_only=True, scope=scope)
        return _fragment(render(request, "districts/district.html", context))
    if request.headers.get("X-Shopnet-Progress"):
        # The page waiting for its figures asks how far they have come.
        return _fragment(JsonResponse(cached.progress(scope)))
    printing = request.GET.get("print") == "1"
    # A printout waits for every figure; the page shows its progress instead.
    data = cached.district_dashboard(scope) if printing else cached.district_page(scope)
    context.update(
        data=data,
        as_of=dt.datetime.fromisoformat(data["as_of"]),
        scope=scope,
        live=live_counters(scope),
        printing=printing,
    )
    if data.get("pending"):
        context.update(pending=True, sections_total=len(SECTIONS))
        context["sections_done"] = context["sections_total"] - len(data["pending"])
    else:
        context["charts"] = _charts(data)
    response = render(request, "districts/district.html", context)
    patch_vary_headers(response, FRAGMENT_HEADERS)
    return response


FRAGMENT_HEADERS = ["X-Shopnet-Live", "X-Shopnet-Progress"]


def _fragment(response: HttpResponse) -> HttpResponse:
    """A part of the page asked for at the page's own address: never kept by the browser, or
    the Back button would show it instead of the page."""
    patch_cache_control(response, no_store=True)
    patch_vary_headers(response, FRAGMENT_HEADERS)
    return response


def _update_every() -> int:
    return int(getattr(settings, "DISTRICT_UPDATE_SECONDS", rollups.DISTRICT_UPDATE_SECONDS))


@require_GET
@login_required
def district_dashboard_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    district = get_district_for_staff(request.user, slug)
    if table not in CSV_TABLES:
        raise Http404("No such table.")
    filterset = DashboardFilter(request.GET or None, district=district)
    if request.GET and not filterset.is_valid():
        return HttpResponse(
            "\n".join(filterset.errors_text()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    scope = filterset.scope() if request.GET else default_scope(district)
    data = cached.district_dashboard(scope, [CSV_TABLES[table]])
    header, rows = csv.tables(data)[table]()
    filename = f"{district.slug}-{table}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"
    return csv.response(filename, header, rows)


@require_http_methods(["GET", "POST"])
@login_required
def district_targets(request: HttpRequest, slug: str) -> HttpResponse:
    district = get_district_for_staff(request.user, slug)
    form = TargetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                target_create(district=district, actor=request.user, **form.cleaned_data)
            except Refused as refusal:
                _add_refusal(form, refusal)
            else:
                messages.success(request, _("The target was added."))
                return redirect("district_targets", slug=district.slug)
        status = 400
    targets = targets_progress(district)
    return render(
        request,
        "districts/targets.html",
        {
            "district": district,
            "form": form,
            "targets": targets,
            "charts": {t["uuid"]: charts.trend(t, title=t["label"]) for t in targets},
            "history": target_history(district),
        },
        status=status,
    )


def _add_refusal(form, refusal: Refused) -> None:
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.message)
    else:
        for message in refusal.messages:
            form.add_error(None, message)


@require_POST
@login_required
def district_target_delete(request: HttpRequest, slug: str, target_uuid) -> HttpResponse:
    district = get_district_for_staff(request.user, slug)
    target = DistrictTarget.objects.filter(district=district, uuid=target_uuid).first()
    if target is None:
        raise Http404("No such target.")
    target_delete(target=target, actor=request.user)
    messages.success(request, _("The target was removed."))
    return redirect("district_targets", slug=district.slug)


def _workshop_view(request: HttpRequest, workshop_uuid):
    workshop = get_workshop_for_member(request.user, workshop_uuid)
    district = district_of(workshop, request.GET.get("district"))
    return workshop, district


@require_GET
@login_required
def workshop_dashboard(request: HttpRequest, workshop_uuid) -> HttpResponse:
    workshop, district = _workshop_view(request, workshop_uuid)
    filterset = DashboardFilter(request.GET or None, district=district) if district else None
    context = {
        "workshop": workshop,
        "district": district,
        "districts": list(workshop.districts.order_by("slug")),
        "query": request.GET.urlencode(),
        "live_config": live_config(district_stream(district)) if district else None,
        "update_every": _update_every(),
    }
    start, end = default_scope(district).start, timezone.localdate()
    if request.GET.get("start") or request.GET.get("end"):
        if filterset is None or not filterset.is_valid():
            context["errors"] = filterset.errors_text() if filterset else [_("Choose a district.")]
            return render(request, "districts/workshop.html", context, status=400)
        start, end = filterset.form.cleaned_data["start"], filterset.form.cleaned_data["end"]
    rows = workshop_comparison(workshop, district, start, end)
    context.update(rows=rows, start=start, end=end, filter=filterset)
    return render(request, "districts/workshop.html", context)


@require_GET
@login_required
def workshop_dashboard_csv(request: HttpRequest, workshop_uuid) -> HttpResponse:
    workshop, district = _workshop_view(request, workshop_uuid)
    start, end = default_scope(district).start, timezone.localdate()
    if request.GET.get("start") or request.GET.get("end"):
        filterset = DashboardFilter(request.GET, district=district) if district else None
        if filterset is None or not filterset.is_valid():
            return HttpResponse(status=400)
        start, end = filterset.form.cleaned_data["start"], filterset.form.cleaned_data["end"]
    rows = workshop_comparison(workshop, district, start, end)
    return csv.response(
        f"workshop-{start:%Y%m%d}-{end:%Y%m%d}.csv",
        [_("Measure"), _("Unit"), _("This workshop"), _("District median")],
        [
            [r["label"], r["unit"], "" if r["mine"] is None else r["mine"], r["median"]]
            for r in rows
        ],
    )
