"""Consumption tax on what is ordered, received or invoiced: rounded **once per document and
rate**, never per line.

Under the 適格請求書 (invoice) rules a document states, per tax rate, the total of its lines
and the tax on that total, with a single rounding per rate (消費税法施行令 第70条の10); rounding
each line and adding the results up differs from it by up to a yen per line. The order, its
document, the acceptance (注文請書) and the statements all read tax from here. Fractions of a
yen are cut off (切り捨て), the usual choice of a buyer and the one the documents print.

Pure functions, no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal


@dataclass(frozen=True)
class RateTotal:
    """One tax rate of a document: the lines' total at that rate (税抜) and its tax."""

    rate: Decimal
    base: Decimal
    tax: Decimal


def tax_on(base: Decimal, rate: Decimal) -> Decimal:
    """The tax on `base` at `rate`, rounded down to the yen (one rounding)."""
    return (Decimal(base) * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_DOWN)


def tax_by_rate(lines: Iterable[tuple[Decimal, Decimal]]) -> list[RateTotal]:
    """(rate, amount) lines → one `RateTotal` per rate, highest rate first: the amounts of
    a rate are summed first and the tax on the sum is rounded down once."""
    bases: dict[Decimal, Decimal] = {}
    for line_rate, amount in lines:
        rate = Decimal(line_rate)
        bases[rate] = bases.get(rate, Decimal(0)) + Decimal(amount)
    return [
        RateTotal(rate=rate, base=base, tax=tax_on(base, rate))
        for rate, base in sorted(bases.items(), reverse=True)
    ]


def total_tax(lines: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The document's tax: the sum of the once-rounded tax of each rate."""
    return sum((r.tax for r in tax_by_rate(lines)), Decimal(0))
