"""A trading pair's standing payment terms (支払条件): set by the buyer's owners and managers."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.services import Refused
from workshops.access import require_member
from workshops.models import User, Workshop

from ..models import TradingTerms, TradingTermsChange, TransferFeePayer
from ..payment_terms import PaymentTerms, terms_problems


@transaction.atomic
def trading_terms_set(
    *,
    buyer: Workshop,
    supplier: Workshop,
    actor: User | None,
    closing_day: int,
    payment_month_offset: int,
    payment_day: int,
    transfer_fee_payer: str = TransferFeePayer.BUYER,
) -> TradingTerms:
    """Set the payment terms `buyer` pays `supplier` on, and who bears the transfer fee on
    its orders. Refused, writing nothing, when they are out of range or would pay any receipt
    later than the 60-day rule allows."""
    require_member(actor, buyer, manage=True)
    if buyer.pk == supplier.pk:
        raise Refused(_("Payment terms are between two different workshops."), code="own_workshop")
    new = PaymentTerms(closing_day, payment_month_offset, payment_day)
    problems = terms_problems(new)
    if transfer_fee_payer not in TransferFeePayer.values:
        problems = {**problems, "transfer_fee_payer": _("Choose who bears the transfer fee.")}
    if problems:
        raise Refused(problems, code="payment_terms")
    # Locked so that two managers saving at once leave one log entry each, in order.
    terms = TradingTerms.objects.select_for_update().filter(buyer=buyer, supplier=supplier).first()
    before = terms.as_terms().label() if terms else None
    fee_before = terms.transfer_fee_payer if terms else None
    if terms is None:
        terms = TradingTerms(buyer=buyer, supplier=supplier)
    elif terms.as_terms() == new and terms.transfer_fee_payer == transfer_fee_payer:
        return terms
    terms.closing_day, terms.payment_month_offset, terms.payment_day = (
        new.closing_day,
        new.payment_month_offset,
        new.payment_day,
    )
    # Who bears the transfer fee is logged when it moves off what it was (the buyer, at first).
    fee_change = (
        {"transfer_fee_from": fee_before, "transfer_fee_to": transfer_fee_payer}
        if transfer_fee_payer != (fee_before or TransferFeePayer.BUYER)
        else {}
    )
    terms.transfer_fee_payer = transfer_fee_payer
    terms.save()
    TradingTermsChange.objects.create(
        terms=terms,
        actor=actor,
        action="trading_terms.set",
        data={"from": before, "to": new.label(), **fee_change},
    )
    return terms
