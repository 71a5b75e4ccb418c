"""Counter-offers on a request: the supplier proposes another price or date, the buyer
accepts or declines (orders/services/routing.py)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import get_order_for
from ..forms import CounterAnswerForm, CounterForm
from ..models import CounterStatus
from ..services import routing
from .orders import render_order_detail


@require_POST
@login_required
def order_counter(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    access, order = get_order_for(request.user, order_uuid)
    if order.supplier_id not in access.managed:
        raise Http404("No such order.")
    form = CounterForm.for_order(order, request.POST)
    if form.is_valid():
        try:
            routing.order_counter(order=order, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your counter-offer was sent to the buyer."))
            return redirect("order_detail", order_uuid=order.uuid)
    else:
        # Every problem at once: the service's rules for the fields the form could read.
        form.add_problems(
            routing.counter_problems(
                order=order,
                price=form.cleaned_data.get("price"),
                due_date=form.cleaned_data.get("due_date"),
            )
        )
    return render_order_detail(request, access, order, status=400, counter_form=form)


def _open_counter_for(request: HttpRequest, order_uuid: UUID):
    access, order = get_order_for(request.user, order_uuid)
    if order.buyer_id not in access.managed:
        raise Http404("No such order.")
    counter = order.counters.filter(status=CounterStatus.OPEN).first()
    if counter is None:
        raise Http404("No open counter-offer.")
    return access, order, counter


@require_POST
@login_required
def counter_accept(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    access, order, counter = _open_counter_for(request, order_uuid)
    form = CounterAnswerForm(request.POST, prefix="answer")
    if form.is_valid():
        try:
            routing.order_counter_accept(
                counter=counter,
                actor=request.user,
                payment_due_date=form.cleaned_data["payment_due_date"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The counter-offer was accepted: the order is placed."))
            return redirect("order_detail", order_uuid=order.uuid)
    return render_order_detail(request, access, order, status=400, counter_answer_form=form)


@require_POST
@login_required
def counter_decline(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    access, order, counter = _open_counter_for(request, order_uuid)
    form = CounterAnswerForm(request.POST, prefix="answer")
    if form.is_valid():
        try:
            routing.order_counter_decline(
                counter=counter, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The counter-offer was declined."))
            return redirect("order_detail", order_uuid=order.uuid)
    return render_order_detail(request, access, order, status=400, counter_answer_form=form)
