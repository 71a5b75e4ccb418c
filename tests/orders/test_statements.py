"""Purchase statements (仕入明細書): periods from the pair's closing day, lines from accepted
receipts, totals per tax rate with one rounding, the supplier's confirm or dispute, the
buyer's correction, and every refusal writing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.services import Refused
from orders.models import (
    PurchaseStatement,
    PurchaseStatementLine,
    StatementLog,
    StatementStatus,
)
from orders.payment_terms import PaymentTerms
from orders.services.statements import (
    statement_cancel,
    statement_confirm,
    statement_dispute,
    statement_issue,
    statement_reissue,
)
from orders.statements import price_of_units, statement_period, totals_per_rate
from tests.orders.conftest import refreshed
from tests.orders.statement_data import month_end_terms, on, receive, turned_order

NOV = dt.date(2027, 11, 1)


def nothing_written():
    return (
        PurchaseStatement.objects.count(),
        PurchaseStatementLine.objects.count(),
        StatementLog.objects.count(),
    )


def refused(code, **kwargs) -> Refused:
    before = nothing_written()
    with pytest.raises(Refused) as caught:
        statement_issue(**kwargs)
    assert caught.value.code == code, caught.value.messages
    assert nothing_written() == before
    return caught.value


def test_the_period_ends_on_the_closing_day():
    assert statement_period(None, 2027, 11) == (dt.date(2027, 11, 1), dt.date(2027, 11, 30))
    assert statement_period(PaymentTerms(20, 1, 31), 2027, 11) == (
        dt.date(2027, 10, 21),
        dt.date(2027, 11, 20),
    )
    assert statement_period(PaymentTerms(20, 1, 31), 2027, 1) == (
        dt.date(2026, 12, 21),
        dt.date(2027, 1, 20),
    )
    # 30日締め: February closes on its last day, March starts the day after.
    assert statement_period(PaymentTerms(30, 1, 31), 2028, 2) == (
        dt.date(2028, 1, 31),
        dt.date(2028, 2, 29),
    )
    assert statement_period(PaymentTerms(30, 1, 31), 2028, 3)[0] == dt.date(2028, 3, 1)


def test_lots_of_one_order_add_up_to_its_price(chain, monkeypatch):
    order, _turn = turned_order(chain, monkeypatch, today=NOV, price=100000, quantity=3)
    # Priced as a whole (一式, or an order from before lines were priced): no line amounts.
    order.items.update(unit_price=None, amount=None)
    order = type(order).objects.prefetch_related("items").select_related("job").get(pk=order.pk)
    lots = [price_of_units(order, 0, 1, before=n) for n in range(3)]
    assert lots == [Decimal(33333), Decimal(33333), Decimal(33334)]
    assert sum(lots) == order.price
    # Units beyond the order add nothing.
    assert price_of_units(order, 0, 2, before=3) == 0


def test_an_order_priced_per_line_prices_each_part_from_its_own_line(chain, monkeypatch):
    order, _turn = turned_order(chain, monkeypatch, today=NOV, price=100000, quantity=3)
    item = order.items.get()
    # The line's own 金額 (as the route form or the API sets it) rules, not the order's
    # price spread over every unit of the order.
    item.unit_price, item.amount = Decimal("20000.50"), Decimal(60001)
    item.save()
    order = type(order).objects.prefetch_related("items").select_related("job").get(pk=order.pk)
    part = item.part_id
    lots = [price_of_units(order, part, 1, before=9, before_of_part=n) for n in range(3)]
    assert lots == [Decimal(20000), Decimal(20000), Decimal(20001)]
    assert price_of_units(order, part, 1, before=0, before_of_part=3) == 0
    assert price_of_units(order, part + 999, 1, before=0) == 0  # not a part of the order


def test_tax_is_rounded_once_per_rate_not_per_line():
    class Line:
        def __init__(self, amount, rate):
            self.amount, self.tax_rate = Decimal(amount), Decimal(rate)

    lines = [Line(105, "0.100"), Line(105, "0.100"), Line(109, "0.080"), Line(109, "0.080")]
    # Per line: 10 + 10 and 8 + 8; once per rate: floor(21.0) = 21 and floor(17.44) = 17.
    assert totals_per_rate(lines) == [
        {"rate": "0.100", "amount": 210, "tax": 21},
        {"rate": "0.080", "amount": 218, "tax": 17},
    ]


def test_it_issues_a_statement_of_the_months_accepted_receipts(chain, monkeypatch):
    month_end_terms(chain)
    order, turn = turned_order(
        chain, monkeypatch, today=dt.date(2027, 10, 20), quantity=10, pay=None
    )
    october = receive(chain, monkeypatch, turn, 4, dt.date(2027, 10, 31))
    first = receive(chain, monkeypatch, turn, 3, dt.date(2027, 11, 1))
    second = receive(chain, monkeypatch, turn, 3, dt.date(2027, 11, 30))
    other, other_turn = turned_order(
        chain,
        monkeypatch,
        today=dt.date(2027, 11, 2),
        price=10001,
        quantity=1,
        tax_rate="0.080",
        pay=None,
    )
    reduced = receive(chain, monkeypatch, other_turn, 1, dt.date(2027, 11, 5))
    on(monkeypatch, dt.date(2027, 12, 1))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    assert statement.status == StatementStatus.ISSUED
    assert statement.number == "PS-202711-001" and statement.version == 1
    assert (statement.period_start, statement.period_end) == (
        dt.date(2027, 11, 1),
        dt.date(2027, 11, 30),
    )
    lines = list(statement.lines.order_by("position"))
    assert [(line.handoff_id, line.quantity) for line in lines] == [
        (first.pk, 3),
        (reduced.pk, 1),
        (second.pk, 3),
    ]
    assert october.pk not in {line.handoff_id for line in lines}
    # 120,000 over 10 parts: lots 5–7 and 8–10 of the order, 36,000 each.
    assert [line.amount for line in lines] == [36000, 10001, 36000]
    assert statement.totals == [
        {"rate": "0.100", "amount": 72000, "tax": 7200},
        {"rate": "0.080", "amount": 10001, "tax": 800},
    ]
    assert (statement.amount, statement.tax, statement.total) == (82001, 8000, 90001)
    # 月末締め翌月末払い: closing 30 November, paid 31 December; within two months of
    # every receipt (1 November → 31 December).
    assert statement.due_date == dt.date(2027, 12, 31)
    assert lines[0].received_on == dt.date(2027, 11, 1)
    assert lines[0].order_id == order.pk and lines[1].order_id == other.pk
    (entry,) = StatementLog.objects.filter(statement=statement)
    assert (entry.action, entry.actor, entry.data["total"]) == (
        "statement.issued",
        chain.hub_owner,
        90001,
    )
    assert entry.created_at is not None


def test_a_closing_on_the_20th_reads_the_period_from_the_21st(chain, monkeypatch):
    month_end_terms(chain, closing_day=20, payment_day=20)
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 10, 10))
    before = receive(chain, monkeypatch, turn, 2, dt.date(2027, 10, 20))
    inside = receive(chain, monkeypatch, turn, 2, dt.date(2027, 10, 21))
    last = receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 20))
    receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 21))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    assert {line.handoff_id for line in statement.lines.all()} == {inside.pk, last.pk}
    assert before.pk not in {line.handoff_id for line in statement.lines.all()}
    assert statement.period_start == dt.date(2027, 10, 21)
    # 20日締め翌月20日払い gives 20 December, but the order was agreed to be paid by 29
    # November (10 October + 50 days): the earlier date binds.
    assert statement.due_date == dt.date(2027, 11, 29)


def test_the_refusals_write_nothing(chain, monkeypatch):
    month_end_terms(chain)
    _order, turn = turned_order(
        chain, monkeypatch, today=dt.date(2027, 10, 20), inspect_by=dt.date(2027, 11, 25)
    )
    args = {"buyer": chain.hub, "supplier": chain.turner, "actor": chain.hub_owner}
    # An empty period.
    error = refused("empty_period", **args, year=2027, month=10)
    assert "2027-10-01" in str(error.messages)
    # Received, not yet inspected: nothing to bill yet.
    waiting = receive(chain, monkeypatch, turn, 4, dt.date(2027, 11, 2), inspect=False)
    refused("not_accepted", **args, year=2027, month=11)
    # Named explicitly: the same refusal, naming the part.
    key = f"{waiting.order.uuid}:{waiting.uuid}"
    error = refused("not_accepted", **args, year=2027, month=11, receipts=[key])
    assert "シャフト" in " ".join(error.messages)
    accepted = receive(chain, monkeypatch, turn, 3, dt.date(2027, 11, 3))
    statement = statement_issue(**args, year=2027, month=11)
    assert [line.handoff_id for line in statement.lines.all()] == [accepted.pk]
    # The period's accepted receipts are on that statement already: a second is refused.
    error = refused("already_billed", **args, year=2027, month=11)
    assert statement.number in " ".join(error.messages)
    error = refused(
        "already_billed",
        **args,
        year=2027,
        month=11,
        receipts=[f"{accepted.order.uuid}:{accepted.uuid}"],
    )
    # Not the buyer's managers: the supplier, the buyer's floor staff.
    for actor in (chain.turner_owner, chain.hub_floor):
        refused(
            "not_allowed", buyer=chain.hub, supplier=chain.turner, actor=actor, year=2027, month=11
        )
    refused("month", **args, year=2027, month=13)
    refused("own", buyer=chain.hub, supplier=chain.hub, actor=chain.hub_owner, year=2027, month=11)


def test_a_receipt_is_on_one_live_statement_in_the_database_too(chain, monkeypatch):
    from django.db import IntegrityError, transaction

    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 2))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    line = statement.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        line.pk = None
        line.save()


def test_the_supplier_confirms(chain, monkeypatch):
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 2))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    for actor in (chain.hub_owner, chain.turner_floor, chain.stranger_owner):
        with pytest.raises(Refused):
            statement_confirm(statement=statement, actor=actor)
    assert refreshed(statement).status == StatementStatus.ISSUED
    on(monkeypatch, dt.date(2027, 12, 2))
    statement_confirm(statement=statement, actor=chain.turner_owner)
    statement = refreshed(statement)
    assert statement.status == StatementStatus.CONFIRMED
    assert statement.answered_by == chain.turner_owner
    assert statement.answered_at.date() == dt.date(2027, 12, 2)
    entry = StatementLog.objects.filter(statement=statement).first()
    assert (entry.action, entry.actor) == ("statement.confirmed", chain.turner_owner)
    # Confirmed is final: no dispute, no correction, no cancel.
    with pytest.raises(Refused) as caught:
        statement_dispute(statement=statement, actor=chain.turner_owner, reason="x")
    assert caught.value.code == "wrong_state"
    with pytest.raises(Refused):
        statement_reissue(statement=statement, actor=chain.hub_owner)
    with pytest.raises(Refused):
        statement_cancel(statement=statement, actor=chain.hub_owner)


def test_a_dispute_then_a_corrected_version(chain, monkeypatch):
    _order, turn = turned_order(
        chain, monkeypatch, today=dt.date(2027, 11, 1), inspect_by=dt.date(2027, 11, 30)
    )
    first = receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 2))
    late = receive(chain, monkeypatch, turn, 3, dt.date(2027, 11, 20), inspect=False)
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    assert [line.handoff_id for line in statement.lines.all()] == [first.pk]
    with pytest.raises(Refused) as caught:
        statement_dispute(statement=statement, actor=chain.turner_owner, reason="  ")
    assert caught.value.code == "reason_required"
    assert refreshed(statement).status == StatementStatus.ISSUED
    statement_dispute(
        statement=statement, actor=chain.turner_owner, reason="20日納品分の3個が漏れています"
    )
    statement = refreshed(statement)
    assert statement.status == StatementStatus.DISPUTED
    assert statement.dispute_reason == "20日納品分の3個が漏れています"
    # The buyer inspects the lot and corrects the statement: version 2, same number.
    from orders.services.handoffs import handoff_inspect

    handoff_inspect(handoff=late, actor=chain.hub_owner, accepted=3)
    with pytest.raises(Refused):
        statement_reissue(statement=statement, actor=chain.turner_owner)
    corrected = statement_reissue(statement=statement, actor=chain.hub_owner)
    assert (corrected.number, corrected.version) == (statement.number, 2)
    assert corrected.replaces == statement
    assert sorted(line.handoff_id for line in corrected.lines.all()) == [first.pk, late.pk]
    assert refreshed(statement).status == StatementStatus.SUPERSEDED
    assert not statement.lines.filter(live=True).exists()
    actions = list(
        StatementLog.objects.filter(statement__number=statement.number)
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions == [
        ("statement.issued", chain.hub_owner.pk),
        ("statement.disputed", chain.turner_owner.pk),
        ("statement.superseded", chain.hub_owner.pk),
        ("statement.issued", chain.hub_owner.pk),
    ]


def test_a_cancelled_statement_frees_its_receipts(chain, monkeypatch):
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 2))
    args = {"buyer": chain.hub, "supplier": chain.turner, "year": 2027, "month": 11}
    statement = statement_issue(**args, actor=chain.hub_owner)
    statement_cancel(statement=statement, actor=chain.hub_owner, reason="誤発行")
    assert refreshed(statement).status == StatementStatus.CANCELLED
    again = statement_issue(**args, actor=chain.hub_owner)
    assert again.number == "PS-202711-002"
    assert again.lines.count() == 1


def test_a_supplier_without_a_registration_number_is_allowed(chain, monkeypatch):
    _order, turn = turned_order(chain, monkeypatch, today=dt.date(2027, 11, 1))
    receive(chain, monkeypatch, turn, 2, dt.date(2027, 11, 2))
    statement = statement_issue(
        buyer=chain.hub, supplier=chain.turner, actor=chain.hub_owner, year=2027, month=11
    )
    assert statement.registration_number == ""
