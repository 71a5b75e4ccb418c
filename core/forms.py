"""Form fields that read numbers, sizes and ranges the way people type them in Japanese.

On a Japanese tablet the keyboard gives full-width digits (１２，０００), prices come with 円 or
￥, a shaft is written φ40×900 and a range 10〜500. Every numeric, size and range field of every
form goes through `normalize_number()` so that all of them accept the same spellings and refuse
the same nonsense with the same words:

- NFKC first: full-width digits, commas, periods, minus and tilde become ASCII, µ becomes μ;
- commas (and 、) are thousands separators only: 12,000 and 1,234,567.5 are read, 1,5 is refused
  rather than guessed;
- a unit the field names (円, 個, 時間, mm, μm, …) may follow the number, ¥ may precede it;
- every field has a maximum, so 99,999,999,999 gets a message instead of overflowing a column.

The inputs are text inputs with `inputmode`: a `type=number` input silently empties what it
cannot parse (全角 digits, separators), so the person never learns why the value vanished.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# PostgreSQL's integer column; no count shopnet keeps comes anywhere near it.
MAX_INTEGER = 2_147_483_647
MAX_QUANTITY = 10_000_000
MAX_SIZE_MM = Decimal("100000")

RANGE_SEPARATORS = re.compile(r"\s*(?:〜|~|-|–|—|から)\s*")
SIZE_SEPARATORS = re.compile(r"\s*[x×*]\s*")
DIAMETER_SIGNS = ("φ", "ϕ", "ø", "⌀", "∅", "Φ")
GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def normalize_number(value: object, units: tuple[str, ...] = ()) -> str:
    """`value` as a plain ASCII number string ('12000', '-3', '0.5'), or what is left of it
    when it is not one (the caller's parser then says it is invalid)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.replace("\u2212", "-").replace("、", ",").replace("¥", "").replace("\\", "")
    for unit in sorted(units, key=len, reverse=True):
        if text.lower().endswith(unit.lower()):
            text = text[: -len(unit)].rstrip()
            break
    text = re.sub(r"(?<=\d)[\s\u3000]+(?=\d)", "", text).strip()
    if "," in text:
        text = text.replace(",", "") if GROUPED.match(text) else text
    return text


def _limit(value: int | Decimal) -> str:
    return f"{value:,}" if value == int(value) else f"{value:,f}"


class NumberTextInput(forms.TextInput):
    """A text input that brings up the number keyboard (see the module's docstring)."""

    def __init__(self, attrs=None, *, decimal: bool = False):
        base = {"inputmode": "decimal" if decimal else "numeric", "autocomplete": "off"}
        super().__init__({**base, **(attrs or {})})


class _Bounded:
    """Bounds checked with messages that name the bound as people write it (1以上, 10,000,000以下),
    where Django's validators say 「この値は 0 以上…」 with the raw number."""

    units: tuple[str, ...] = ()

    def _bounds(self, kwargs, default_max):
        self.units = tuple(kwargs.pop("units", ()))
        min_value = kwargs.pop("min_value", None)
        max_value = kwargs.pop("max_value", default_max)
        return min_value, max_value

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                gettext("Enter %(limit)s or more.") % {"limit": _limit(self.min_value)},
                code="min_value",
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                gettext("Enter %(limit)s or less.") % {"limit": _limit(self.max_value)},
                code="max_value",
            )


class IntegerField(_Bounded, forms.IntegerField):
    """A whole number as people type it: １２，０００, 12,000個, ¥12,000."""

    widget = NumberTextInput
    default_error_messages = {"invalid": _("Enter a whole number, e.g. 12000 or 12,000.")}

    def __init__(self, **kwargs):
        min_value, max_value = self._bounds(kwargs, MAX_INTEGER)
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value

    def to_python(self, value):
        if isinstance(value, str):
            value = normalize_number(value, self.units)
            if re.fullmatch(r"-?\d+\.0*", value):
                value = value.split(".")[0]
            elif not re.fullmatch(r"-?\d*", value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class DecimalField(_Bounded, forms.DecimalField):
    """A decimal as people type it: １．５, 1.5時間, 12,000.5."""

    default_error_messages = {"invalid": _("Enter a number, e.g. 1.5 or 12,000.")}

    def __init__(self, **kwargs):
        min_value, max_value = self._bounds(kwargs, None)
        kwargs.setdefault("widget", NumberTextInput(decimal=True))
        super().__init__(**kwargs)
        if max_value is None and self.max_digits is not None:
            places = self.decimal_places or 0
            max_value = Decimal(10) ** (self.max_digits - places) - Decimal(1).scaleb(-places)
        self.min_value, self.max_value = min_value, max_value

    def to_python(self, value):
        if isinstance(value, str):
            value = normalize_number(value, self.units)
        return super().to_python(value)


def _number(text: str, error: ValidationError) -> Decimal:
    try:
        number = Decimal(normalize_number(text))
    except InvalidOperation:
        raise error from None
    if not number.is_finite():
        raise error
    return number


class RangeField(forms.CharField):
    """A range of whole numbers as 10〜500, 10～500, 10-500 or 10から500; either end may be left
    open (10〜, 〜500), and a single number means exactly that. Cleans to (low, high), each an int
    or None."""

    default_error_messages = {
        "invalid": _("Enter a range as 10〜500 (either end may be left out)."),
        "order": _("The first number of a range must not be larger than the second."),
        "min_value": _("Enter %(limit)s or more."),
        "max_value": _("Enter %(limit)s or less."),
    }

    def __init__(self, *, min_value: int = 1, max_value: int = MAX_QUANTITY, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        text = unicodedata.normalize("NFKC", value).strip()
        invalid = ValidationError(self.error_messages["invalid"], code="invalid")
        parts = RANGE_SEPARATORS.split(text, maxsplit=1)
        if len(parts) == 1:
            parts = [parts[0], parts[0]]
        if len(parts) != 2 or not any(p.strip() for p in parts):
            raise invalid
        ends = []
        for part in parts:
            if not part.strip():
                ends.append(None)
                continue
            number = _number(part, invalid)
            if number != number.to_integral_value():
                raise invalid
            number = int(number)
            if number < self.min_value:
                raise ValidationError(
                    self.error_messages["min_value"] % {"limit": _limit(self.min_value)},
                    code="min_value",
                )
            if number > self.max_value:
                raise ValidationError(
                    self.error_messages["max_value"] % {"limit": _limit(self.max_value)},
                    code="max_value",
                )
            ends.append(number)
        low, high = ends
        if low is not None and high is not None and low > high:
            raise ValidationError(self.error_messages["order"], code="order")
        return (low, high)

    def prepare_value(self, value):
        if isinstance(value, tuple | list):
            low, high = value
            if low is None and high is None:
                return ""
            if low == high:
                return str(low)
            return f"{'' if low is None else low}〜{'' if high is None else high}"
        return value


class SizeField(forms.CharField):
    """A part's size in mm: a box as `L`, `LxW×H`; a round part (shaft) as φ40×900 or 40×900,
    diameter × length. Cleans to the sides of the box that holds the part."""

    default_error_messages = {
        "invalid": _("Enter the size in mm as 120x40x30, or φ40x900 for a shaft."),
        "range": _("Each side must be greater than 0 and at most 100,000 mm."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        text = unicodedata.normalize("NFKC", value).strip().lower()
        if text.endswith("mm"):
            text = text[:-2].strip()
        round_part = text.startswith(tuple(s.lower() for s in DIAMETER_SIGNS))
        if round_part:
            text = text[1:].strip()
        parts = SIZE_SEPARATORS.split(text)
        invalid = ValidationError(self.error_messages["invalid"], code="invalid")
        if not 1 <= len(parts) <= 3 or (round_part and len(parts) > 2):
            raise invalid
        dims = [_number(p, invalid) for p in parts]
        if any(d <= 0 or d > MAX_SIZE_MM for d in dims):
            raise ValidationError(self.error_messages["range"], code="range")
        if round_part and len(dims) == 1:
            return [dims[0], dims[0]]  # a disc or a pin of unknown length: its cross-section
        if len(dims) == 2:
            # Diameter × length: the box around a shaft is d × d × length.
            diameter, length = dims
            return [length, diameter, diameter]
        return dims
