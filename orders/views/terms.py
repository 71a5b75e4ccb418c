"""A trading pair's payment terms page, and the route form's payment date prefill."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from workshops.models import Workshop
from workshops.selectors import managed_workshop_ids

from ..access import get_job_for, is_uuid
from ..forms import TradingTermsForm
from ..models import TradingTerms
from ..payment_terms import payment_due_date
from ..selectors import trading_terms
from ..services.terms import trading_terms_set
from .orders import routing_buyer


def _pair_for(user, buyer_uuid: UUID, supplier_uuid: UUID) -> tuple[Workshop, Workshop, bool]:
    """(buyer, supplier, may edit): the buyer's owners and managers edit, the supplier's read;
    anyone else gets a 404."""
    shops = {w.uuid: w for w in Workshop.objects.filter(uuid__in=[buyer_uuid, supplier_uuid])}
    buyer, supplier = shops.get(buyer_uuid), shops.get(supplier_uuid)
    if buyer is None or supplier is None or buyer.pk == supplier.pk:
        raise Http404("No such trading pair.")
    managed = managed_workshop_ids(user)
    if buyer.pk not in managed and supplier.pk not in managed:
        raise Http404("No such trading pair.")
    return buyer, supplier, buyer.pk in managed


@require_http_methods(["GET", "POST"])
@login_required
def trading_terms_page(request: HttpRequest, buyer_uuid: UUID, supplier_uuid: UUID) -> HttpResponse:
    buyer, supplier, may_edit = _pair_for(request.user, buyer_uuid, supplier_uuid)
    if request.method == "POST" and not may_edit:
        raise Http404("No such trading pair.")
    row = TradingTerms.objects.filter(buyer=buyer, supplier=supplier).first()
    initial = (
        {
            "closing_day": row.closing_day,
            "payment_month_offset": row.payment_month_offset,
            "payment_day": row.payment_day,
            "transfer_fee_payer": row.transfer_fee_payer,
        }
        if row
        else {
            "closing_day": 31,
            "payment_month_offset": 1,
            "payment_day": 31,
            "transfer_fee_payer": "buyer",
        }
    )
    form = TradingTermsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            trading_terms_set(
                buyer=buyer, supplier=supplier, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The payment terms were saved."))
            return redirect("trading_terms", buyer_uuid=buyer.uuid, supplier_uuid=supplier.uuid)
    changes = list(row.changes.select_related("actor")[:20]) if row else []
    return render(
        request,
        "orders/trading_terms.html",
        {
            "buyer": buyer,
            "supplier": supplier,
            "terms": row.as_terms() if row else None,
            "row": row,
            "form": form if may_edit else None,
            "changes": changes,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def payment_due_prefill(request: HttpRequest, job_uuid: UUID) -> HttpResponse:
    """The route form's payment due date, refilled (htmx) when the supplier or the delivery
    date changes: from the pair's payment terms, unless the buyer typed a date of its own."""
    access = get_job_for(request.user, job_uuid)
    _parent, buyer = routing_buyer(request, access)
    wanted = request.GET.get("supplier", "")
    supplier = (
        Workshop.objects.active().exclude(pk=buyer.pk).filter(uuid=wanted).first()
        if is_uuid(wanted)
        else None
    )
    terms = trading_terms(buyer.pk, supplier.pk) if supplier else None
    delivery = _date(request.GET.get("due_date"))
    typed = request.GET.get("payment_due_date", "")
    prefilled = request.GET.get("payment_prefilled", "")
    value = typed
    if terms and delivery and (not typed or typed == prefilled):
        value = payment_due_date(terms, delivery).isoformat()
        prefilled = value
    return render(
        request,
        "orders/_payment_due.html",
        {"value": value, "prefilled": prefilled, "terms": terms, "supplier": supplier},
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None
