"""The invoice registration number (適格請求書発行事業者登録番号) on a workshop's profile."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import client_for
from tests.workshops.test_views import profile_data
from workshops import services
from workshops.invoice_number import corporate_check_digit, invoice_number_problems, normalize
from workshops.models import Workshop

# Published 法人番号 (国税庁 法人番号公表サイト): 国税庁, トヨタ自動車株式会社, and the two
# worked examples of the sources in docs/INVOICE_NUMBER.md.
REAL_CORPORATE_NUMBERS = ["7000012050002", "1180301018771", "4011001098993", "2120901007402"]


@pytest.mark.parametrize("number", REAL_CORPORATE_NUMBERS)
def test_the_check_digit_of_real_corporate_numbers(number):
    assert corporate_check_digit(number[1:]) == int(number[0])
    assert invoice_number_problems("T" + number, sole_proprietor=False) == []


def test_the_formula_on_the_rules_worked_example():
    # 7123456789012: Σ = 74, 74 mod 9 = 2, 9 − 2 = 7.
    assert corporate_check_digit("123456789012") == 7


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("Ｔ７００００１２０５０００２", "T7000012050002"),
        ("t7000012050002", "T7000012050002"),
        (" T 7000-0120-50002 ", "T7000012050002"),
        ("Ｔ７０００ー０１２０ー５０００２", "T7000012050002"),
    ],
)
def test_full_width_and_separated_input_is_normalized(typed, normalized):
    assert normalize(typed) == normalized


@pytest.mark.parametrize(
    "value",
    ["7000012050002", "T700001205000", "T70000120500021", "X7000012050002", "T70000120500O2"],
)
def test_a_number_of_the_wrong_shape_is_refused(value):
    assert invoice_number_problems(value, sole_proprietor=False)
    assert invoice_number_problems(value, sole_proprietor=True)


def test_a_corporation_with_a_wrong_check_digit_is_refused_but_a_sole_proprietor_is_not():
    wrong = "T8000012050002"  # 国税庁's number with its check digit changed
    assert invoice_number_problems(wrong, sole_proprietor=False)
    # A sole proprietor's 13 digits carry no check digit: only the shape is checked.
    assert invoice_number_problems(wrong, sole_proprietor=True) == []


# --- On the profile ------------------------------------------------------------------------------


def profile(workshop: Workshop, **changes) -> dict:
    changes.setdefault("invoice_registrant_is_sole_proprietor", "")
    return profile_data(workshop, **changes)


def test_the_service_saves_the_number_normalized(workshop, owner):
    services.workshop_update_profile(
        workshop=workshop,
        actor=owner,
        data={"invoice_registration_number": "Ｔ１１８０３０１０１８７７１"},
    )
    assert Workshop.objects.get(pk=workshop.pk).invoice_registration_number == "T1180301018771"


def test_the_service_refuses_a_bad_number_and_writes_nothing(workshop, owner):
    before = Workshop.objects.get(pk=workshop.pk).updated_at
    with pytest.raises(ValidationError) as refused:
        services.workshop_update_profile(
            workshop=workshop, actor=owner, data={"invoice_registration_number": "T8000012050002"}
        )
    assert "invoice_registration_number" in refused.value.message_dict
    stored = Workshop.objects.get(pk=workshop.pk)
    assert (stored.invoice_registration_number, stored.updated_at) == ("", before)


def test_the_profile_page_takes_a_full_width_number(workshop, owner):
    url = reverse("workshop_edit", args=[workshop.uuid])
    response = client_for(owner).post(
        url, profile(workshop, invoice_registration_number="Ｔ７０００ー０１２０ー５０００２")
    )
    assert response.status_code == 302
    assert Workshop.objects.get(pk=workshop.pk).invoice_registration_number == "T7000012050002"
    page = client_for(owner).get(reverse("workshop_detail", args=[workshop.uuid]))
    assert "T7000012050002" in page.content.decode()


def test_the_profile_page_explains_a_wrong_check_digit_beside_other_errors(workshop, owner):
    url = reverse("workshop_edit", args=[workshop.uuid])
    response = client_for(owner).post(
        url, profile(workshop, name="", invoice_registration_number="T8000012050002")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "invoice_registration_number"}
    assert Workshop.objects.get(pk=workshop.pk).invoice_registration_number == ""
    # Ticked as a sole proprietor, the same digits are accepted.
    response = client_for(owner).post(
        url,
        profile(
            workshop,
            invoice_registration_number="T8000012050002",
            invoice_registrant_is_sole_proprietor="on",
        ),
    )
    assert response.status_code == 302
    assert Workshop.objects.get(pk=workshop.pk).invoice_registration_number == "T8000012050002"
