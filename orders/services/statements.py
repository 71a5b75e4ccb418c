"""Purchase statements (仕入明細書): the buyer issues one per supplier and closing period from
the receipts it accepted; the supplier confirms it or disputes it with a reason; the buyer
corrects a disputed (or unanswered) one with a new version of the same number, or cancels it.

Every change locks the buyer's workshop row (one statement at a time per buyer: numbers and
receipts are handed out under it) and the statement, checks the transition in `TRANSITIONS`,
writes, and appends a `StatementLog` entry in the same transaction. Apps above orders that tell
people of it (notifications) listen to those entries (`listen`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.services import Problems, Refused
from workshops.access import require_member
from workshops.models import User, Workshop

from ..models import (
    LIVE_STATEMENT_STATES,
    Payment,
    PurchaseStatement,
    PurchaseStatementLine,
    StatementLog,
    StatementStatus,
)
from ..statements import (
    Receipt,
    pair_receipts,
    pair_terms,
    statement_due_date,
    statement_period,
    totals_per_rate,
)

REASON_LENGTH = 500

# From which states each action may move a statement.
TRANSITIONS = {
    "confirm": (StatementStatus.ISSUED,),
    "dispute": (StatementStatus.ISSUED,),
    "reissue": (StatementStatus.ISSUED, StatementStatus.DISPUTED),
    "cancel": (StatementStatus.ISSUED, StatementStatus.DISPUTED),
}

# What each log entry says, in the reader's language (the entry keeps the code).
LOG_LABELS = {
    "statement.issued": gettext_lazy("Statement issued"),
    "statement.confirmed": gettext_lazy("Confirmed by the supplier"),
    "statement.disputed": gettext_lazy("Disputed by the supplier"),
    "statement.superseded": gettext_lazy("Replaced by a corrected version"),
    "statement.cancelled": gettext_lazy("Statement cancelled"),
    "statement.payment_recorded": gettext_lazy("Payment recorded"),
    "statement.payment_flagged": gettext_lazy("Payment late or short"),
    "statement.payment_confirmed": gettext_lazy("Payment receipt confirmed"),
}

_listeners: list[Callable[[StatementLog], None]] = []


def listen(listener: Callable[[StatementLog], None]) -> None:
    """Call `listener` with every new log entry, inside the change's transaction."""
    if listener not in _listeners:
        _listeners.append(listener)


def statement_log(
    statement: PurchaseStatement, actor: User | None, action: str, **data
) -> StatementLog:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Statement log entries are written inside the change's transaction.")
    entry = StatementLog.objects.create(statement=statement, actor=actor, action=action, data=data)
    for listener in _listeners:
        listener(entry)
    return entry


def _locked_workshop(workshop: Workshop) -> Workshop:
    # Serialises a buyer's statements: numbers, and which receipts are already billed.
    return Workshop.objects.select_for_update().get(pk=workshop.pk)


def locked_statement(statement: PurchaseStatement) -> PurchaseStatement:
    """The statement row locked, after its buyer's (the order every statement change takes)."""
    _locked_workshop(statement.buyer)
    return (
        PurchaseStatement.objects.select_for_update(of=("self",))
        .select_related("buyer", "supplier")
        .get(pk=statement.pk)
    )


def _allowed(statement: PurchaseStatement, action: str) -> None:
    if statement.status not in TRANSITIONS[action]:
        raise Refused(
            _("This statement is %(status)s: it cannot be changed that way.")
            % {"status": statement.get_status_display()},
            code="wrong_state",
        )


def _parties(buyer: Workshop, supplier: Workshop) -> dict:
    def party(w: Workshop) -> dict:
        return {
            "name": w.name,
            "postal_code": w.postal_code,
            "address": w.address,
            "phone": w.phone,
            "registration_number": w.invoice_registration_number,
            "sole_proprietor": w.invoice_registrant_is_sole_proprietor,
            "id": str(w.uuid),
        }

    return {"buyer": party(buyer), "supplier": party(supplier)}


def statement_candidates(
    *,
    buyer: Workshop,
    supplier: Workshop,
    year: int,
    month: int,
    receipts: list[str] | None = None,
    replacing: PurchaseStatement | None = None,
) -> tuple[dt.date, dt.date, list[Receipt], list[Receipt], Problems]:
    """What a statement for `month` would bill (read-only: the preview and the service share
    it): the period, the receipts it would bill, the receipts of the period left off (not
    yet accepted, or on another statement), and every problem. `receipts` names the receipts
    chosen (`Receipt.key`); None: every accepted receipt of the period not billed yet. A
    statement being replaced (`replacing`) does not hold its own receipts."""
    problems = Problems()
    terms = pair_terms(buyer, supplier)
    start, end = statement_period(terms, year, month)
    period = pair_receipts(buyer, supplier, start=start, end=end)
    for r in period:
        if replacing is not None and r.statement is not None and r.statement.pk == replacing.pk:
            r.statement = None
    by_key = {r.key: r for r in period}
    # An order paid by itself is not billed again through a statement.
    paid_alone = set(
        Payment.objects.filter(order_id__in={r.order.pk for r in period}).values_list(
            "order_id", flat=True
        )
    )
    if receipts is None:
        chosen = [
            r
            for r in period
            if r.accepted
            and r.statement is None
            and r.quantity > 0
            and r.order.pk not in paid_alone
        ]
    else:
        chosen = []
        for key in dict.fromkeys(receipts):
            receipt = by_key.get(key)
            if receipt is None:
                problems.add(
                    "receipts",
                    _("A chosen receipt is not one of this supplier's in the period."),
                    "not_in_period",
                )
            elif not receipt.accepted:
                problems.add(
                    "receipts",
                    _(
                        "%(part)s received on %(day)s is not accepted yet: inspect it before "
                        "putting it on a statement."
                    )
                    % {"part": receipt.handoff.part.name, "day": receipt.received_on.isoformat()},
                    "not_accepted",
                )
            elif receipt.order.pk in paid_alone:
                problems.add(
                    "receipts",
                    _(
                        "%(part)s received on %(day)s belongs to an order paid by itself: "
                        "it is not billed again on a statement."
                    )
                    % {"part": receipt.handoff.part.name, "day": receipt.received_on.isoformat()},
                    "paid_per_order",
                )
            elif receipt.statement is not None:
                problems.add(
                    "receipts",
                    _("%(part)s received on %(day)s is already on statement %(number)s.")
                    % {
                        "part": receipt.handoff.part.name,
                        "day": receipt.received_on.isoformat(),
                        "number": receipt.statement.number,
                    },
                    "already_billed",
                )
            else:
                chosen.append(receipt)
    left_off = [r for r in period if r not in chosen]
    if not problems and not [r for r in chosen if r.quantity > 0]:
        waiting = [r for r in period if not r.accepted]
        billed = sorted({r.statement.number for r in period if r.statement is not None})
        if receipts is None and billed:
            problems.add(
                "month",
                _("The receipts of this period are already on statement %(numbers)s.")
                % {"numbers": ", ".join(billed)},
                "already_billed",
            )
        elif receipts is None and waiting:
            problems.add(
                "month",
                _(
                    "The receipts of this period are not accepted yet: inspect them before "
                    "issuing a statement."
                ),
                "not_accepted",
            )
        else:
            problems.add(
                "month",
                _("No accepted receipt from this supplier between %(start)s and %(end)s.")
                % {"start": start.isoformat(), "end": end.isoformat()},
                "empty_period",
            )
    return start, end, chosen, left_off, problems


def _write(
    *,
    buyer: Workshop,
    supplier: Workshop,
    actor: User | None,
    start: dt.date,
    end: dt.date,
    chosen: list[Receipt],
    number: str,
    version: int,
    replaces: PurchaseStatement | None,
) -> PurchaseStatement:
    chosen = [r for r in chosen if r.quantity > 0]
    totals = totals_per_rate(chosen)
    amount = sum((Decimal(t["amount"]) for t in totals), Decimal(0))
    tax = sum((Decimal(t["tax"]) for t in totals), Decimal(0))
    statement = PurchaseStatement.objects.create(
        number=number,
        version=version,
        buyer=buyer,
        supplier=supplier,
        period_start=start,
        period_end=end,
        due_date=statement_due_date(pair_terms(buyer, supplier), end, chosen),
        parties=_parties(buyer, supplier),
        totals=totals,
        amount=amount,
        tax=tax,
        total=amount + tax,
        replaces=replaces,
        issued_by=actor,
    )
    PurchaseStatementLine.objects.bulk_create(
        [
            PurchaseStatementLine(
                statement=statement,
                order=r.order,
                handoff=r.handoff,
                part=r.handoff.part,
                position=n,
                part_name=r.handoff.part.name,
                drawing_number=r.handoff.part.drawing_number,
                revision=r.handoff.part.revision,
                received_on=r.received_on,
                accepted_on=r.accepted_on or r.received_on,
                quantity=r.quantity,
                amount=r.amount,
                tax_rate=r.order.tax_rate,
            )
            for n, r in enumerate(chosen, start=1)
        ]
    )
    return statement


def _month(year, month) -> tuple[int, int]:
    try:
        year, month = int(year), int(month)
        dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise Refused({"month": _("Choose the month of the statement.")}, code="month") from None
    return year, month


@transaction.atomic
def statement_issue(
    *,
    buyer: Workshop,
    supplier: Workshop,
    actor: User | None,
    year: int,
    month: int,
    receipts: list[str] | None = None,
) -> PurchaseStatement:
    """Issue the statement of `supplier`'s accepted receipts in the closing period that ends in
    `month`. Refused, with every problem and nothing written: anyone but the buyer's owners
    and managers, a supplier that is the buyer, a period with no accepted receipt, a receipt
    not yet accepted, one outside the period or already on another live statement."""
    require_member(actor, buyer, manage=True)
    year, month = _month(year, month)
    buyer = _locked_workshop(buyer)
    # Read afresh: the statement freezes the supplier's name, address and number as they are.
    supplier = Workshop.objects.get(pk=supplier.pk)
    if supplier.pk == buyer.pk:
        raise Refused({"supplier": _("Choose a supplier other than yourself.")}, code="own")
    start, end, chosen, _left, problems = statement_candidates(
        buyer=buyer, supplier=supplier, year=year, month=month, receipts=receipts
    )
    if problems:
        raise Refused(problems, code=problems.code)
    prefix = f"PS-{end:%Y%m}-"
    taken = PurchaseStatement.objects.filter(buyer=buyer, number__startswith=prefix).values_list(
        "number", flat=True
    )
    number = f"{prefix}{len(set(taken)) + 1:03d}"
    statement = _write(
        buyer=buyer,
        supplier=supplier,
        actor=actor,
        start=start,
        end=end,
        chosen=chosen,
        number=number,
        version=1,
        replaces=None,
    )
    statement_log(
        statement,
        actor,
        "statement.issued",
        number=number,
        version=1,
        total=int(statement.total),
        lines=len(chosen),
    )
    return statement


@transaction.atomic
def statement_confirm(*, statement: PurchaseStatement, actor: User | None) -> PurchaseStatement:
    """The supplier's owners and managers confirm the statement as right."""
    statement = locked_statement(statement)
    require_member(actor, statement.supplier, manage=True)
    _allowed(statement, "confirm")
    statement.status = StatementStatus.CONFIRMED
    statement.answered_by = actor
    statement.answered_at = timezone.now()
    statement.save(update_fields=["status", "answered_by", "answered_at"])
    statement_log(statement, actor, "statement.confirmed", number=statement.number)
    return statement


@transaction.atomic
def statement_dispute(
    *, statement: PurchaseStatement, actor: User | None, reason: str
) -> PurchaseStatement:
    """The supplier's owners and managers say what is wrong; the buyer then corrects it."""
    statement = locked_statement(statement)
    require_member(actor, statement.supplier, manage=True)
    _allowed(statement, "dispute")
    reason = (reason or "").strip()
    if not reason:
        raise Refused(
            {"reason": _("Say what is wrong with the statement.")}, code="reason_required"
        )
    statement.status = StatementStatus.DISPUTED
    statement.answered_by = actor
    statement.answered_at = timezone.now()
    statement.dispute_reason = reason[:REASON_LENGTH]
    statement.save(update_fields=["status", "answered_by", "answered_at", "dispute_reason"])
    statement_log(
        statement, actor, "statement.disputed", number=statement.number, reason=reason[:200]
    )
    return statement


def _retire(statement: PurchaseStatement, status: str) -> None:
    if statement.payments.exists():
        raise Refused(
            _("Payments were recorded against this statement: it can no longer be replaced."),
            code="paid",
        )
    statement.status = status
    statement.save(update_fields=["status"])
    statement.lines.update(live=False)


@transaction.atomic
def statement_reissue(
    *,
    statement: PurchaseStatement,
    actor: User | None,
    receipts: list[str] | None = None,
) -> PurchaseStatement:
    """A corrected statement: the next version of the same number for the same period, from
    the receipts as they are now (or those chosen); the old version is kept, superseded."""
    statement = locked_statement(statement)
    require_member(actor, statement.buyer, manage=True)
    _allowed(statement, "reissue")
    end = statement.period_end
    start, end, chosen, _left, problems = statement_candidates(
        buyer=statement.buyer,
        supplier=statement.supplier,
        year=end.year,
        month=end.month,
        receipts=receipts,
        replacing=statement,
    )
    if problems:
        raise Refused(problems, code=problems.code)
    _retire(statement, StatementStatus.SUPERSEDED)
    statement.supplier.refresh_from_db()
    statement_log(statement, actor, "statement.superseded", number=statement.number)
    corrected = _write(
        buyer=statement.buyer,
        supplier=statement.supplier,
        actor=actor,
        start=start,
        end=end,
        chosen=chosen,
        number=statement.number,
        version=statement.version + 1,
        replaces=statement,
    )
    statement_log(
        corrected,
        actor,
        "statement.issued",
        number=corrected.number,
        version=corrected.version,
        total=int(corrected.total),
        lines=len(chosen),
    )
    return corrected


@transaction.atomic
def statement_cancel(
    *, statement: PurchaseStatement, actor: User | None, reason: str = ""
) -> PurchaseStatement:
    """Withdraw a statement not yet confirmed: its receipts are free for another."""
    statement = locked_statement(statement)
    require_member(actor, statement.buyer, manage=True)
    _allowed(statement, "cancel")
    _retire(statement, StatementStatus.CANCELLED)
    statement_log(
        statement,
        actor,
        "statement.cancelled",
        number=statement.number,
        reason=(reason or "").strip()[:200],
    )
    return statement


def statement_is_live(statement: PurchaseStatement) -> bool:
    return statement.status in LIVE_STATEMENT_STATES
