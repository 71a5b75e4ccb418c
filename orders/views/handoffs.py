"""The buttons for parts that come back or need a second look: inspecting received parts
(検収), returning rejects, reworking returned parts, and sending supplied material.

Each is a form posted from the order page or the floor station; the services decide, and a
refusal comes back as one message naming every problem."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_handoff_for, get_order_for
from ..forms import InspectForm, ReturnForm, ReworkForm, SupplyForm
from ..services import handoffs
from .jobs import _back, _refusal


def _form_errors(request: HttpRequest, form) -> None:
    messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))


@require_POST
@login_required
def handoff_inspect(request: HttpRequest, handoff_uuid: UUID) -> HttpResponse:
    access, handoff = get_handoff_for(request.user, handoff_uuid)
    form = InspectForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, access.job)
    data = form.cleaned_data
    try:
        handoffs.handoff_inspect(
            handoff=handoff,
            actor=request.user,
            idempotency_key=data.get("idempotency_key") or None,
            accepted=data["accepted"],
            rejected=data.get("rejected") or 0,
            cause=data.get("cause") or "",
            reject_action=data.get("reject_action") or "",
            inspected_on=data.get("inspected_on"),
            note=data.get("note", ""),
        )
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("Inspection recorded."))
    return _back(request, access.job)


@require_POST
@login_required
def handoff_return(request: HttpRequest, handoff_uuid: UUID) -> HttpResponse:
    access, handoff = get_handoff_for(request.user, handoff_uuid)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, access.job)
    data = form.cleaned_data
    try:
        handoffs.handoff_return(
            handoff=handoff,
            actor=request.user,
            idempotency_key=data.get("idempotency_key") or None,
            quantity=data["quantity"],
            cause=data["cause"],
            note=data.get("note", ""),
        )
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("Return recorded: the supplier is told."))
    return _back(request, access.job)


@require_POST
@login_required
def handoff_rework(request: HttpRequest, handoff_uuid: UUID) -> HttpResponse:
    access, handoff = get_handoff_for(request.user, handoff_uuid)
    form = ReworkForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, access.job)
    try:
        handoffs.return_resolve(
            handoff=handoff,
            actor=request.user,
            idempotency_key=form.cleaned_data.get("idempotency_key") or None,
            action=form.cleaned_data["action"],
        )
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("A step for the returned parts is ready on the floor."))
    return _back(request, access.job)


@require_POST
@login_required
def order_supply(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    access, order = get_order_for(request.user, order_uuid)
    if order is None:
        raise Http404("No such order.")
    form = SupplyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, access.job)
    try:
        handoffs.supply_ship(
            order=order,
            actor=request.user,
            idempotency_key=form.cleaned_data.get("idempotency_key") or None,
            quantity=form.cleaned_data["quantity"],
            note=form.cleaned_data.get("note", ""),
        )
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, _("Supplied material sent: the supplier receives it."))
    return _back(request, access.job)
