"""Payments against an order: recorded by the buyer's managers, confirmed by the supplier's."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workshops.selectors import managed_workshop_ids

from ..access import get_order_for, is_uuid
from ..forms import PaymentForm
from ..models import Payment
from ..services.payments import paid_total, payment_confirm, payment_problems, payment_record
from ..statements import get_statement_for


@require_POST
@login_required
def payment_add(request: HttpRequest, order_uuid: UUID) -> HttpResponse:
    access, order = get_order_for(request.user, order_uuid)
    if order.buyer_id not in access.managed:
        raise Http404("No such order.")
    form = PaymentForm(request.POST, prefix="payment")
    if form.is_valid():
        try:
            payment_record(order=order, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The payment was recorded; the supplier is told."))
            return redirect("order_detail", order_uuid=order.uuid)
    else:
        # Every problem at once: the service's rules for what the form could read.
        data = {f: form.cleaned_data.get(f) for f in ("paid_on", "amount", "means")}
        form.add_problems(payment_problems(order=order, already_paid=paid_total(order), **data))
    messages.error(
        request,
        _("The payment was not recorded: %(errors)s")
        % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)},
    )
    return redirect("order_detail", order_uuid=order.uuid)


@require_POST
@login_required
def payment_confirm_view(request: HttpRequest, payment_uuid: UUID) -> HttpResponse:
    if not is_uuid(payment_uuid):
        raise Http404("No such payment.")
    row = (
        Payment.objects.filter(uuid=payment_uuid)
        .values_list("order__uuid", "statement__uuid")
        .first()
    )
    if row is None:
        raise Http404("No such payment.")
    order_uuid, statement_uuid = row
    if statement_uuid is not None:
        return _confirm_statement_payment(request, payment_uuid, statement_uuid)
    access, order = get_order_for(request.user, order_uuid)
    if order.supplier_id not in access.managed:
        raise Http404("No such payment.")
    payment = Payment.objects.get(uuid=payment_uuid)
    try:
        payment_confirm(payment=payment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
    else:
        messages.success(request, _("You confirmed receiving the payment."))
    return redirect("order_detail", order_uuid=order.uuid)


def _confirm_statement_payment(request: HttpRequest, payment_uuid, statement_uuid) -> HttpResponse:
    statement = get_statement_for(request.user, statement_uuid)
    if statement.supplier_id not in managed_workshop_ids(request.user):
        raise Http404("No such payment.")
    try:
        payment_confirm(payment=Payment.objects.get(uuid=payment_uuid), actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
    else:
        messages.success(request, _("You confirmed receiving the payment."))
    return redirect("statement_detail", statement_uuid=statement.uuid)
