"""Payments against an order or a purchase statement (支払): the buyer's owners and managers
record what they paid, the supplier's confirm they received it. A payment after the due date,
or one that leaves the total (tax included) unpaid, is flagged to both parties.

An order is paid either by itself or through the statements that bill its receipts, never
both: a payment against an order billed on a live statement is refused (pay the statement),
and a statement leaves out receipts of an order already paid by itself.

Amounts stay between the two parties: the job's log carries only that a payment was recorded,
confirmed or flagged (the hub of a sub-order never sees those events: `JobAccess.events`);
the amounts and dates are in the payment's own log (`PaymentLog`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import Problems, Refused
from workshops.access import require_member
from workshops.models import User

from ..events import append_event, locked_job
from ..models import (
    LIVE_STATEMENT_STATES,
    Order,
    OrderStatus,
    Payment,
    PaymentLog,
    PaymentMethod,
    PurchaseStatement,
    PurchaseStatementLine,
)
from .statements import locked_statement, statement_log

PAYABLE_STATES = (OrderStatus.ACCEPTED, OrderStatus.DELIVERED)
NOTE_LENGTH = 300


def paid_total(order: Order) -> Decimal:
    """What was paid against `order` so far (tax included). One query."""
    return order.payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def statement_paid_total(statement: PurchaseStatement) -> Decimal:
    """What was paid against `statement` so far (tax included). One query."""
    return statement.payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def payment_problems(
    *,
    order: Order | None = None,
    statement: PurchaseStatement | None = None,
    paid_on: Any,
    amount: Any,
    means: Any,
    already_paid: Decimal,
) -> Problems:
    """Every reason this payment cannot be recorded (read-only; the service and the form)."""
    problems = Problems()
    if not isinstance(paid_on, dt.date):
        problems.add("paid_on", _("Enter the payment date."), "date_required")
    elif paid_on > timezone.localdate():
        problems.add("paid_on", _("The payment date cannot be in the future."), "future_date")
    try:
        value = Decimal(str(amount))
        if not value.is_finite() or value <= 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        problems.add("amount", _("The amount must be more than 0 yen."), "not_a_number")
    else:
        owed = (statement.total if statement is not None else order.total) - already_paid
        if value != value.to_integral_value():
            problems.add("amount", _("Give the amount in whole yen."), "not_whole_yen")
        elif value > owed:
            message = (
                _("Only ¥%(owed)s is still owed on this statement (tax included).")
                if statement is not None
                else _("Only ¥%(owed)s is still owed on this order (tax included).")
            )
            problems.add("amount", message % {"owed": f"{max(owed, 0):,.0f}"}, "more_than_owed")
    if means not in PaymentMethod.values:
        problems.add("means", _("Choose how it was paid."), "means_required")
    return problems


def _payment_create(
    against: dict[str, Any],
    *,
    due: dt.date,
    total: Decimal,
    already: Decimal,
    actor: User | None,
    paid_on: dt.date,
    amount: Any,
    means: str,
    note: str,
) -> tuple[Payment, dict[str, Any]]:
    """The payment row against an order or a statement (`against`), flagged late after `due`
    and short when it leaves `total` unpaid, and its log entry; (payment, the logged data).
    Refused, with nothing written, for any of `payment_problems` (every one at once)."""
    problems = payment_problems(
        **against, paid_on=paid_on, amount=amount, means=means, already_paid=already
    )
    if problems:
        raise Refused(problems, code=problems.code)
    amount = Decimal(str(amount))
    payment = Payment.objects.create(
        **against,
        paid_on=paid_on,
        amount=amount,
        means=means,
        note=(note or "").strip()[:NOTE_LENGTH],
        late=paid_on > due,
        short=already + amount < total,
        recorded_by=actor,
    )
    data = {
        "paid_on": paid_on.isoformat(),
        "amount": int(amount),
        "means": means,
        "late": payment.late,
        "short": payment.short,
    }
    PaymentLog.objects.create(payment=payment, actor=actor, action="payment.recorded", data=data)
    return payment, data


@transaction.atomic
def payment_record(
    *,
    order: Order,
    actor: User | None,
    paid_on: dt.date,
    amount: Any,
    means: str,
    note: str = "",
) -> Payment:
    """Record a payment the buyer made against `order`. Refused, with nothing written, for
    anyone but the buyer's owners and managers, before the order is accepted, for a date in
    the future, or for more than is still owed."""
    job = locked_job(order.job_id)
    # Locked so that two payments recorded at once cannot together pay more than is owed.
    order = Order.objects.select_for_update().select_related("buyer", "supplier").get(pk=order.pk)
    require_member(actor, order.buyer, manage=True)
    if order.status not in PAYABLE_STATES:
        raise Refused(_("Payments are recorded against an accepted order."), code="not_accepted")
    billed = (
        PurchaseStatementLine.objects.filter(order=order, live=True)
        .values_list("statement__number", flat=True)
        .first()
    )
    if billed:
        raise Refused(
            _("This order is billed on purchase statement %(number)s: record the payment there.")
            % {"number": billed},
            code="on_statement",
        )
    already = paid_total(order)
    payment, _data = _payment_create(
        {"order": order},
        due=order.payment_due_date,
        total=order.total,
        already=already,
        actor=actor,
        paid_on=paid_on,
        amount=amount,
        means=means,
        note=note,
    )
    append_event(
        job,
        "payment.recorded",
        actor=actor,
        workshop=order.buyer,
        order=order,
        payment=str(payment.uuid),
    )
    if payment.late or payment.short:
        append_event(
            job,
            "payment.flagged",
            actor=actor,
            workshop=order.buyer,
            order=order,
            payment=str(payment.uuid),
            late=payment.late,
            short=payment.short,
        )
    return payment


@transaction.atomic
def statement_payment_record(
    *,
    statement: PurchaseStatement,
    actor: User | None,
    paid_on: dt.date,
    amount: Any,
    means: str,
    note: str = "",
) -> Payment:
    """Record a payment the buyer made against a purchase statement. Refused, with nothing
    written, for anyone but the buyer's owners and managers, a statement replaced or
    cancelled, a date in the future, or more than the statement still owes. Flagged late
    after the statement's due date, short when it leaves its total unpaid; both parties are
    told of a flag."""
    statement = locked_statement(statement)
    require_member(actor, statement.buyer, manage=True)
    if statement.status not in LIVE_STATEMENT_STATES:
        raise Refused(
            _("This statement was replaced or cancelled: pay the one in force."),
            code="not_live",
        )
    already = statement_paid_total(statement)
    payment, data = _payment_create(
        {"statement": statement},
        due=statement.due_date,
        total=statement.total,
        already=already,
        actor=actor,
        paid_on=paid_on,
        amount=amount,
        means=means,
        note=note,
    )
    statement_log(
        statement,
        actor,
        "statement.payment_recorded",
        number=statement.number,
        payment=str(payment.uuid),
        **data,
    )
    if payment.late or payment.short:
        statement_log(
            statement,
            actor,
            "statement.payment_flagged",
            number=statement.number,
            payment=str(payment.uuid),
            late=payment.late,
            short=payment.short,
        )
    return payment


@transaction.atomic
def payment_confirm(*, payment: Payment, actor: User | None) -> Payment:
    """The supplier's owners and managers confirm they received `payment`."""
    if payment.statement_id is not None:
        return _statement_payment_confirm(payment=payment, actor=actor)
    job = locked_job(Order.objects.values_list("job_id", flat=True).get(pk=payment.order_id))
    payment = (
        # Only the payment's row: its order is a nullable join now (a statement's payment has
        # none), and PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        Payment.objects.select_for_update(of=("self",))
        .select_related("order__supplier", "order__buyer")
        .get(pk=payment.pk)
    )
    order = payment.order
    require_member(actor, order.supplier, manage=True)
    if payment.confirmed_at is not None:
        raise Refused(_("This payment was already confirmed."), code="already_confirmed")
    payment.confirmed_by = actor
    payment.confirmed_at = timezone.now()
    payment.save(update_fields=["confirmed_by", "confirmed_at"])
    PaymentLog.objects.create(payment=payment, actor=actor, action="payment.confirmed")
    append_event(
        job,
        "payment.confirmed",
        actor=actor,
        workshop=order.supplier,
        order=order,
        payment=str(payment.uuid),
    )
    return payment


def _statement_payment_confirm(*, payment: Payment, actor: User | None) -> Payment:
    statement = locked_statement(PurchaseStatement.objects.get(pk=payment.statement_id))
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    require_member(actor, statement.supplier, manage=True)
    if payment.confirmed_at is not None:
        raise Refused(_("This payment was already confirmed."), code="already_confirmed")
    payment.confirmed_by = actor
    payment.confirmed_at = timezone.now()
    payment.save(update_fields=["confirmed_by", "confirmed_at"])
    PaymentLog.objects.create(payment=payment, actor=actor, action="payment.confirmed")
    statement_log(
        statement,
        actor,
        "statement.payment_confirmed",
        number=statement.number,
        payment=str(payment.uuid),
    )
    return payment
