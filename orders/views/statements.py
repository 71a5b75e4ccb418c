"""Purchase statements (仕入明細書) and delivery notes (納品書): the pages of a tablet.

Statements: the list per workshop (as buyer and as supplier, by partner), the new statement
(choose a supplier and month, preview the lines, issue), the statement (its lines, totals, PDF,
log and payments, with the supplier's confirm and dispute and the buyer's correction, cancel
and payment). Their owners and managers only; anyone else gets a 404.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from workshops.models import Workshop
from workshops.selectors import get_workshop_for, managed_workshop_ids

from ..models import PaymentMethod, PurchaseStatement
from ..pdf_delivery import render_delivery_note
from ..pdf_statement import render_statement
from ..services.payments import (
    payment_problems,
    statement_paid_total,
    statement_payment_record,
)
from ..services.statements import (
    LOG_LABELS,
    TRANSITIONS,
    statement_cancel,
    statement_candidates,
    statement_confirm,
    statement_dispute,
    statement_issue,
    statement_reissue,
)
from ..statement_forms import StatementDisputeForm, StatementForm, StatementPaymentForm
from ..statements import get_delivery_note_for, get_statement_for, statement_suppliers


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def delivery_note_pdf(request: HttpRequest, handoff_uuid: UUID) -> HttpResponse:
    note = get_delivery_note_for(request.user, handoff_uuid)
    pdf = render_delivery_note(note.handoff, show_prices=note.show_prices)
    return _pdf(pdf, f"delivery-note-{note.handoff.uuid.hex[:10].upper()}.pdf")


@require_GET
@login_required
def statement_list(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    statements = PurchaseStatement.objects.filter(
        Q(buyer=workshop) | Q(supplier=workshop)
    ).select_related("buyer", "supplier")
    partners = sorted(
        Workshop.objects.filter(
            Q(statements_issued__supplier=workshop) | Q(statements_received__buyer=workshop)
        ).distinct(),
        key=lambda w: w.display_name,
    )
    partner = next((p for p in partners if str(p.uuid) == request.GET.get("partner")), None)
    if partner is not None:
        statements = statements.filter(Q(buyer=partner) | Q(supplier=partner))
    return render(
        request,
        "orders/statement_list.html",
        {
            "workshop": workshop,
            "statements": list(statements.order_by("-period_end", "number", "-version")),
            "partners": partners,
            "partner": partner,
            "can_issue": bool(statement_suppliers(workshop)),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def statement_new(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    """GET with a supplier and month: the preview (the receipts the statement would bill, and
    those left off with why); POST: issue it with the receipts ticked."""
    buyer = get_workshop_for(request.user, workshop_uuid, manage=True)
    suppliers = statement_suppliers(buyer)
    data = request.POST if request.method == "POST" else (request.GET or None)
    keys = request.POST.getlist("receipts") if request.method == "POST" else ()
    form = StatementForm(data, suppliers=suppliers, receipt_keys=keys)
    preview = None
    if form.is_bound and form.is_valid():
        supplier = form.cleaned_data["supplier"]
        year, month = form.cleaned_data["month"]
        if request.method == "POST":
            try:
                statement = statement_issue(
                    buyer=buyer,
                    supplier=supplier,
                    actor=request.user,
                    year=year,
                    month=month,
                    receipts=form.cleaned_data["receipts"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("The statement was issued; the supplier is told."))
                return redirect("statement_detail", statement_uuid=statement.uuid)
        start, end, chosen, left_off, problems = statement_candidates(
            buyer=buyer, supplier=supplier, year=year, month=month
        )
        if problems and request.method == "GET":
            form.add_service_errors(ValidationError(dict(problems)))
        preview = {
            "start": start,
            "end": end,
            "chosen": chosen,
            "left_off": left_off,
            "amount": sum(r.amount for r in chosen),
        }
    return render(
        request,
        "orders/statement_new.html",
        {"workshop": buyer, "form": form, "preview": preview, "suppliers": suppliers},
        status=400 if form.is_bound and form.errors else 200,
    )


def _detail(request: HttpRequest, statement: PurchaseStatement, *, status: int = 200, **forms):
    managed = managed_workshop_ids(request.user)
    is_buyer, is_supplier = statement.buyer_id in managed, statement.supplier_id in managed
    payments = list(statement.payments.select_related("recorded_by", "confirmed_by"))
    paid = sum((p.amount for p in payments), 0)
    live = statement.is_live
    return render(
        request,
        "orders/statement_detail.html",
        {
            "statement": statement,
            "lines": statement.lines.select_related("order").order_by("position"),
            "log": [
                (entry, LOG_LABELS.get(entry.action, entry.action))
                for entry in statement.log.select_related("actor").order_by("created_at", "pk")
            ],
            "versions": PurchaseStatement.objects.filter(
                buyer=statement.buyer, number=statement.number
            ).order_by("version"),
            "is_buyer": is_buyer,
            "is_supplier": is_supplier,
            "can_answer": is_supplier and statement.status in TRANSITIONS["confirm"],
            "can_correct": is_buyer and statement.status in TRANSITIONS["reissue"] and not payments,
            "dispute_form": forms.get("dispute_form") or StatementDisputeForm(),
            "payments": payments,
            "paid": paid,
            "owed": statement.total - paid,
            "payment_form": (
                forms.get("payment_form")
                or StatementPaymentForm(
                    prefix="payment", initial={"means": PaymentMethod.BANK_TRANSFER}
                )
            )
            if is_buyer and live and paid < statement.total
            else None,
            "can_confirm_payment": is_supplier,
        },
        status=status,
    )


@require_GET
@login_required
def statement_detail(request: HttpRequest, statement_uuid: UUID) -> HttpResponse:
    return _detail(request, get_statement_for(request.user, statement_uuid))


@require_GET
@login_required
def statement_pdf(request: HttpRequest, statement_uuid: UUID) -> HttpResponse:
    statement = get_statement_for(request.user, statement_uuid)
    return _pdf(
        render_statement(statement), f"statement-{statement.number}-v{statement.version}.pdf"
    )


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(str(m) for m in error.messages))


@require_POST
@login_required
def statement_action(request: HttpRequest, statement_uuid: UUID, action: str) -> HttpResponse:
    """The supplier's confirm and dispute, the buyer's correction and cancel."""
    statement = get_statement_for(request.user, statement_uuid)
    target = statement
    try:
        if action == "confirm":
            statement_confirm(statement=statement, actor=request.user)
            messages.success(request, _("You confirmed the statement; the buyer is told."))
        elif action == "dispute":
            form = StatementDisputeForm(request.POST)
            if not form.is_valid():
                return _detail(request, statement, status=400, dispute_form=form)
            statement_dispute(
                statement=statement, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("You disputed the statement; the buyer is told."))
        elif action == "reissue":
            target = statement_reissue(statement=statement, actor=request.user)
            messages.success(request, _("A corrected version was issued; the supplier is told."))
        elif action == "cancel":
            statement_cancel(statement=statement, actor=request.user)
            messages.success(request, _("The statement was cancelled; the supplier is told."))
        else:
            raise Http404("No such action.")
    except ValidationError as error:
        _refused(request, error)
    return redirect("statement_detail", statement_uuid=target.uuid)


@require_POST
@login_required
def statement_payment_add(request: HttpRequest, statement_uuid: UUID) -> HttpResponse:
    statement = get_statement_for(request.user, statement_uuid)
    if statement.buyer_id not in managed_workshop_ids(request.user):
        raise Http404("No such statement.")
    form = StatementPaymentForm(request.POST, prefix="payment")
    if form.is_valid():
        try:
            statement_payment_record(statement=statement, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The payment was recorded; the supplier is told."))
            return redirect("statement_detail", statement_uuid=statement.uuid)
    else:
        data = {f: form.cleaned_data.get(f) for f in ("paid_on", "amount", "means")}
        form.add_problems(
            payment_problems(
                statement=statement, already_paid=statement_paid_total(statement), **data
            )
        )
    return _detail(request, statement, status=400, payment_form=form)
