"""The invoice registration number (適格請求書発行事業者登録番号) of the qualified invoice system.

Its shape is "T" and 13 digits. For a corporation the 13 digits are its 法人番号 (corporate
number), whose first digit is a check digit over the other twelve (法人番号の指定等に関する省令,
平成26年財務省令第70号 第2条):

    check digit = 9 − ((Σ Pn × Qn, n = 1…12) mod 9)

where Pn is the n-th digit of the 12-digit base number counted from its lowest (rightmost)
digit, and Qn is 1 for odd n and 2 for even n. A sole proprietor (個人事業者) is given 13 digits
of its own by the tax office, neither its My Number nor a 法人番号, for which no check-digit
rule is published: only the shape is checked.

Input from a Japanese keyboard often comes full-width (Ｔ１２３…) or with spaces and hyphens;
it is normalized to "T" and 13 ASCII digits.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

SHAPE = re.compile(r"T\d{13}")
SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー−]")


def normalize(value: str | None) -> str:
    """Full-width to half-width, separators out, "t" to "T"."""
    text = unicodedata.normalize("NFKC", value or "")
    return SEPARATORS.sub("", text).upper()


def corporate_check_digit(base: str) -> int:
    """The check digit of a 法人番号 whose other twelve digits are `base`."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return 9 - total % 9


def invoice_number_problems(value: str, *, sole_proprietor: bool) -> list[str]:
    """Why `value` (normalized) is not a registration number; empty when it is one."""
    if not value:
        return []
    if not SHAPE.fullmatch(value):
        return [
            _(
                "A registration number is T and 13 digits (for example T1234567890123); "
                "%(value)s is not."
            )
            % {"value": value}
        ]
    digits = value[1:]
    if not sole_proprietor and int(digits[0]) != corporate_check_digit(digits[1:]):
        return [
            _(
                "The first digit of a corporation's number is a check digit, and it does not "
                "match the other twelve: check the number on your registration notice. A sole "
                'proprietor\'s number has no check digit: tick "sole proprietor" if you are one.'
            )
        ]
    return []
