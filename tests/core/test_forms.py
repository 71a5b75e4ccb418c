"""The fields every form uses for numbers, sizes and ranges (core/forms.py): Japanese input as a
person types it on a tablet is read, nonsense is refused with a message that says the bound."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.forms import (
    MAX_QUANTITY,
    DecimalField,
    IntegerField,
    NumberTextInput,
    RangeField,
    SizeField,
    normalize_number,
)


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, except where a test switches to Japanese."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("１２，０００", "12000"),
        ("12,000", "12000"),
        ("12、000", "12000"),
        ("1,234,567.5", "1234567.5"),
        ("￥１２，０００", "12000"),
        ("¥12,000", "12000"),
        ("１．５", "1.5"),
        ("－３", "-3"),
        ("\u22123", "-3"),
        ("  ４２  ", "42"),
        ("12 000", "12000"),
        ("１２　０００", "12000"),
    ],
)
def test_it_normalises_numbers_as_people_type_them(typed, read):
    assert normalize_number(typed) == read


def test_it_leaves_a_comma_that_is_not_a_thousands_separator_for_the_parser_to_refuse():
    assert normalize_number("1,5") == "1,5"
    with pytest.raises(ValidationError):
        DecimalField(max_digits=7, decimal_places=2).clean("1,5")


def test_it_strips_only_the_units_the_field_names():
    assert normalize_number("12,000円", ("円",)) == "12000"
    assert normalize_number("5μm", ("μm",)) == "5"
    assert normalize_number("5µm", ("μm",)) == "5"  # the micro sign is NFKC'd to mu first
    assert normalize_number("5日", ("時間",)) == "5日"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("１２，０００", 12000), ("12,000個", 12000), ("３", 3), ("7.0", 7), (" 1 ", 1)],
)
def test_it_reads_whole_numbers(typed, value):
    field = IntegerField(min_value=1, max_value=MAX_QUANTITY, units=("個",))
    assert field.clean(typed) == value


@pytest.mark.parametrize("typed", ["abc", "1.5", "1,5", "12個ぐらい", "--3"])
def test_it_refuses_what_is_not_a_whole_number(typed):
    with pytest.raises(ValidationError) as refused:
        IntegerField(min_value=1).clean(typed)
    assert refused.value.messages == ["Enter a whole number, e.g. 12000 or 12,000."]


def test_it_says_the_minimum_as_people_write_it_in_japanese():
    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        IntegerField(min_value=1).clean("-1")
    # Django's own message would read 「この値は 0 以上…」 for a PositiveIntegerField.
    assert refused.value.messages == ["1以上の値を入力してください。"]


def test_it_refuses_an_absurd_quantity_with_the_maximum_in_the_message():
    with pytest.raises(ValidationError) as refused:
        IntegerField(min_value=1, max_value=MAX_QUANTITY).clean("99,999,999,999")
    assert refused.value.messages == ["Enter 10,000,000 or less."]


def test_it_gives_every_integer_field_a_maximum_that_fits_a_database_integer():
    with pytest.raises(ValidationError):
        IntegerField().clean("99999999999")


def test_it_reads_decimals_and_refuses_more_than_the_column_holds():
    field = DecimalField(min_value=0, max_digits=7, decimal_places=2, units=("時間",))
    assert field.clean("１．５時間") == Decimal("1.5")
    with pytest.raises(ValidationError) as refused:
        field.clean("99,999,999")
    assert refused.value.messages == ["Enter 99,999.99 or less."]


def test_it_draws_a_text_input_with_the_number_keyboard():
    # type=number would empty 全角 digits and separators before the server could read them.
    html = IntegerField().widget.render("quantity", "12000")
    assert 'type="text"' in html and 'inputmode="numeric"' in html
    assert 'inputmode="decimal"' in DecimalField().widget.render("hours", "1.5")
    assert isinstance(IntegerField().widget, NumberTextInput)


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("10〜500", (10, 500)),
        ("10～500", (10, 500)),
        ("１０～５００", (10, 500)),
        ("10-500", (10, 500)),
        ("10 ~ 500", (10, 500)),
        ("10から500", (10, 500)),
        ("1,000〜5,000", (1000, 5000)),
        ("10〜", (10, None)),
        ("〜500", (None, 500)),
        ("50", (50, 50)),
        ("", None),
    ],
)
def test_it_reads_ranges(typed, cleaned):
    assert RangeField(required=False).clean(typed) == cleaned


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("500〜10", "The first number of a range must not be larger than the second."),
        ("〜", "Enter a range as 10〜500 (either end may be left out)."),
        ("a〜b", "Enter a range as 10〜500 (either end may be left out)."),
        ("1.5〜3", "Enter a range as 10〜500 (either end may be left out)."),
        ("0〜10", "Enter 1 or more."),
        ("10〜99,999,999,999", "Enter 10,000,000 or less."),
    ],
)
def test_it_refuses_bad_ranges_with_a_message(typed, message):
    with pytest.raises(ValidationError) as refused:
        RangeField().clean(typed)
    assert refused.value.messages == [message]


def test_it_shows_a_range_back_as_it_would_be_typed():
    field = RangeField()
    assert field.prepare_value((10, 500)) == "10〜500"
    assert field.prepare_value((10, None)) == "10〜"
    assert field.prepare_value((None, None)) == ""
    assert field.prepare_value((5, 5)) == "5"


@pytest.mark.parametrize(
    ("typed", "box"),
    [
        ("120x40x30", [120, 40, 30]),
        ("１２０×４０×３０", [120, 40, 30]),
        ("120*40*30mm", [120, 40, 30]),
        ("120", [120]),
        # A shaft, diameter × length: the box around it is d × d × length.
        ("φ40×900", [900, 40, 40]),
        ("Φ４０×９００", [900, 40, 40]),
        ("ø40x900", [900, 40, 40]),
        ("⌀40 x 900", [900, 40, 40]),
        ("40×900", [900, 40, 40]),
        ("φ40", [40, 40]),
        ("1,200×40×30", [1200, 40, 30]),
    ],
)
def test_it_reads_sizes_and_shafts(typed, box):
    assert SizeField(required=False).clean(typed) == [Decimal(d) for d in box]


@pytest.mark.parametrize(
    ("typed", "code"),
    [("abc", "invalid"), ("φ40×900×10", "invalid"), ("0x10", "range"), ("200000", "range")],
)
def test_it_refuses_sizes_it_cannot_read(typed, code):
    with pytest.raises(ValidationError) as refused:
        SizeField().clean(typed)
    assert refused.value.code == code
