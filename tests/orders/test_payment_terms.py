"""orders.payment_terms: due dates from 締め・支払 terms, and the 60-day rule as practised."""

from __future__ import annotations

import datetime as dt

import pytest

from orders.payment_terms import (
    PaymentTerms,
    closing_date,
    latest_lawful_payment,
    payment_date_problems,
    payment_due_date,
    terms_problems,
)

D = dt.date
MONTH_END_NEXT_MONTH_END = PaymentTerms(31, 1, 31)  # 月末締め翌月末払い
TWENTIETH_NEXT_MONTH_10TH = PaymentTerms(20, 1, 10)  # 20日締め翌月10日払い


def test_terms_read_the_way_shops_say_them():
    assert MONTH_END_NEXT_MONTH_END.label() == "月末締め翌月末払い"
    assert TWENTIETH_NEXT_MONTH_10TH.label() == "20日締め翌月10日払い"
    assert PaymentTerms(15, 2, 31).label() == "15日締め翌々月末払い"


@pytest.mark.parametrize(
    ("terms", "receipt", "closing", "due"),
    [
        (MONTH_END_NEXT_MONTH_END, D(2027, 3, 1), D(2027, 3, 31), D(2027, 4, 30)),
        (MONTH_END_NEXT_MONTH_END, D(2027, 1, 31), D(2027, 1, 31), D(2027, 2, 28)),
        (MONTH_END_NEXT_MONTH_END, D(2028, 1, 15), D(2028, 1, 31), D(2028, 2, 29)),  # leap
        (TWENTIETH_NEXT_MONTH_10TH, D(2027, 3, 20), D(2027, 3, 20), D(2027, 4, 10)),
        (TWENTIETH_NEXT_MONTH_10TH, D(2027, 3, 21), D(2027, 4, 20), D(2027, 5, 10)),
        (TWENTIETH_NEXT_MONTH_10TH, D(2027, 12, 25), D(2028, 1, 20), D(2028, 2, 10)),
    ],
)
def test_the_due_date_follows_closing_and_payment_day(terms, receipt, closing, due):
    assert closing_date(terms, receipt) == closing
    assert payment_due_date(terms, receipt) == due


def test_receipt_1_march_paid_30_april_is_accepted_under_a_monthly_closing():
    # Day 61 by the strict count (1 March is day 1), but 月末締め翌月末払い: "two months".
    receipt, payment = D(2027, 3, 1), D(2027, 4, 30)
    assert (payment - receipt).days + 1 == 61
    assert payment_date_problems(receipt=receipt, payment=payment) != []  # strict count
    assert (
        payment_date_problems(receipt=receipt, payment=payment, terms=MONTH_END_NEXT_MONTH_END)
        == []
    )
    assert latest_lawful_payment(receipt, MONTH_END_NEXT_MONTH_END) == D(2027, 4, 30)
    # One day more is late, terms or not.
    problems = payment_date_problems(
        receipt=receipt, payment=D(2027, 5, 1), terms=MONTH_END_NEXT_MONTH_END
    )
    assert problems and "2027-04-30" in problems[0]


def test_the_strict_count_holds_without_a_closing():
    receipt = D(2027, 3, 1)
    assert latest_lawful_payment(receipt) == D(2027, 4, 29)
    assert payment_date_problems(receipt=receipt, payment=D(2027, 4, 29)) == []


def test_partial_deliveries_are_each_checked_from_their_own_receipt():
    # 分納: the first lot on 2 March, the second on 25 March; paid once, on 30 April.
    terms = MONTH_END_NEXT_MONTH_END
    for receipt in (D(2027, 3, 2), D(2027, 3, 25)):
        assert payment_due_date(terms, receipt) == D(2027, 4, 30)
        assert payment_date_problems(receipt=receipt, payment=D(2027, 4, 30), terms=terms) == []
    # A lot received on 1 April falls in April's closing: 31 May.
    assert payment_due_date(terms, D(2027, 4, 1)) == D(2027, 5, 31)
    assert payment_date_problems(receipt=D(2027, 4, 1), payment=D(2027, 6, 1), terms=terms)


def test_lawful_terms_have_no_problems():
    assert terms_problems(MONTH_END_NEXT_MONTH_END) == {}
    assert terms_problems(TWENTIETH_NEXT_MONTH_10TH) == {}
    assert terms_problems(PaymentTerms(20, 1, 20)) == {}


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        (PaymentTerms(31, 2, 31), "payment_month_offset"),  # 月末締め翌々月末払い: too late
        (PaymentTerms(20, 1, 31), "payment_month_offset"),  # 20日締め翌月末払い: too late
        (PaymentTerms(0, 1, 31), "closing_day"),
        (PaymentTerms(31, 5, 31), "payment_month_offset"),
        (PaymentTerms(31, 1, 32), "payment_day"),
    ],
)
def test_bad_terms_are_refused_with_a_clear_message(terms, field):
    problems = terms_problems(terms)
    assert field in problems and problems[field][0]
