"""Payment terms between a buyer and a supplier (支払条件), and the 60-day rule.

Terms are what Japanese shops write as 「月末締め翌月末払い」 or 「20日締め翌々月10日払い」:
a closing day (締日), a payment month offset (当月 0, 翌月 1, 翌々月 2) and a payment day (支払日).
Day 31 stands for the month's last day (末日) in both places; a day past a month's end is that
month's last day.

The rule (取適法 / 下請法 第2条の2, now 中小受託取引適正化法 第3条): the payment date is set
within 60 days of the day the buyer *received* the goods, counting the receipt day as the first.
Under a monthly closing (締切制度) the JFTC reads "60 days" as "two months" (受領後2か月以内,
docs/TORITEKI.md), so that 月末締め翌月末払い is lawful for a receipt on the 1st of a 31-day month
(receipt 1 March, payment 30 April: day 61 by the strict count). The two months end on the day
before the same date two months later, as day 60 is the day before day 61.

Pure functions, no database: the order services and forms call them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

MONTH_END = 31
LIMIT_DAYS = 60
MAX_MONTH_OFFSET = 2


@dataclass(frozen=True)
class PaymentTerms:
    closing_day: int = MONTH_END  # 締日: 1–31, 31 = 末日
    payment_month_offset: int = 1  # 0 当月, 1 翌月, 2 翌々月
    payment_day: int = MONTH_END  # 支払日: 1–31, 31 = 末日

    def label(self) -> str:
        """「月末締め翌月末払い」, 「20日締め翌々月10日払い」: the way shops say it."""
        closing = "月末" if self.closing_day >= MONTH_END else f"{self.closing_day}日"
        month = {0: "当月", 1: "翌月", 2: "翌々月"}.get(
            self.payment_month_offset, f"{self.payment_month_offset}か月後の"
        )
        day = "末" if self.payment_day >= MONTH_END else f"{self.payment_day}日"
        return f"{closing}締め{month}{day}払い"


def _day_in(year: int, month: int, day: int) -> dt.date:
    """`day` of that month, or its last day when the month is shorter (31 = 末日)."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def closing_date(terms: PaymentTerms, receipt: dt.date) -> dt.date:
    """The closing (締め) a receipt falls into: this month's closing day if the receipt is on
    or before it, else next month's."""
    this_month = _day_in(receipt.year, receipt.month, terms.closing_day)
    if receipt <= this_month:
        return this_month
    year, month = _add_months(receipt.year, receipt.month, 1)
    return _day_in(year, month, terms.closing_day)


def payment_due_date(terms: PaymentTerms, receipt: dt.date) -> dt.date:
    """The payment due date the terms give for goods received on `receipt`."""
    closing = closing_date(terms, receipt)
    year, month = _add_months(closing.year, closing.month, terms.payment_month_offset)
    due = _day_in(year, month, terms.payment_day)
    if due < closing:
        # 「20日締め当月10日払い」 makes no sense for a closing on the 20th: the next month's.
        year, month = _add_months(year, month, 1)
        due = _day_in(year, month, terms.payment_day)
    return due


def latest_lawful_payment(receipt: dt.date, terms: PaymentTerms | None = None) -> dt.date:
    """The last payment date the 60-day rule allows for goods received on `receipt`: day 60
    counting the receipt day as day 1; under a monthly closing (`terms`), the last day of the
    two months from receipt if that is later (the JFTC's 「受領後2か月以内」 for 締切制度)."""
    strict = receipt + dt.timedelta(days=LIMIT_DAYS - 1)
    if terms is None:
        return strict
    year, month = _add_months(receipt.year, receipt.month, 2)
    two_months = _day_in(year, month, receipt.day) - dt.timedelta(days=1)
    return max(strict, two_months)


def payment_date_problems(
    *, receipt: dt.date, payment: dt.date, terms: PaymentTerms | None = None
) -> list[str]:
    """Why paying on `payment` for goods received on `receipt` breaks the rule (empty: it
    does not)."""
    if payment < receipt:
        return []
    latest = latest_lawful_payment(receipt, terms)
    if payment > latest:
        return [
            _(
                "Payment on %(payment)s is more than 60 days after the goods were received "
                "(%(receipt)s): pay by %(latest)s."
            )
            % {
                "payment": payment.isoformat(),
                "receipt": receipt.isoformat(),
                "latest": latest.isoformat(),
            }
        ]
    return []


def terms_problems(terms: PaymentTerms) -> dict[str, list[str]]:
    """Every reason `terms` cannot be used, by field: out-of-range values, or terms that would
    pay some receipt later than the 60-day rule allows."""
    problems: dict[str, list[str]] = {}
    if not 1 <= terms.closing_day <= MONTH_END:
        problems["closing_day"] = [_("The closing day must be from 1 to 31 (31: month end).")]
    if not 0 <= terms.payment_month_offset <= MAX_MONTH_OFFSET:
        problems["payment_month_offset"] = [
            _("The payment month must be this month, next month or the month after.")
        ]
    if not 1 <= terms.payment_day <= MONTH_END:
        problems["payment_day"] = [_("The payment day must be from 1 to 31 (31: month end).")]
    if problems:
        return problems
    # Every receipt date of a leap and a common year: terms are lawful only if none is late.
    day = dt.date(2027, 1, 1)
    while day < dt.date(2029, 1, 1):
        if payment_due_date(terms, day) > latest_lawful_payment(day, terms):
            problems["payment_month_offset"] = [
                _(
                    "These terms (%(terms)s) pay later than 60 days after receipt (for goods "
                    "received on %(receipt)s, payment would be %(due)s). Choose an earlier "
                    "payment month or day."
                )
                % {
                    "terms": terms.label(),
                    "receipt": day.isoformat(),
                    "due": payment_due_date(terms, day).isoformat(),
                }
            ]
            break
        day += dt.timedelta(days=1)
    return problems
