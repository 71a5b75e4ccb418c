"""The route form (GET/POST /jobs/<uuid>/route/): the steps are chosen once, only the shops
`order_request` accepts are offered (the rule the route suggestions use too), and a refused
request shows every problem at once, keeping what was typed."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from board.selectors import route_suggestions
from core.services import Refused
from orders.models import Order
from orders.selectors import route_candidates
from orders.services.routing import order_request, route_requirements
from tests.conftest import add_capability, client_for
from tests.orders.conftest import add, in_days, post_job, terms
from workshops.models import Material

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["shopnet_language"] = "en"
    return client


def route_url(job, *steps) -> str:
    query = "&".join(f"step={s.uuid}" for s in steps)
    return f"/jobs/{job.uuid}/route/" + (f"?{query}" if query else "")


def offered(response) -> list[str]:
    """The supplier uuids the page offers as radio buttons."""
    return re.findall(
        r'type="radio" name="supplier" value="([0-9a-f-]+)"', response.content.decode()
    )


def test_it_asks_for_the_steps_first_and_offers_no_supplier_before(chain):
    job = post_job(chain)
    add(job, chain, "L")
    response = client_for(chain.hub_owner).get(route_url(job))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="step"' in html and offered(response) == []
    assert 'name="price"' not in html  # the terms come once the steps are chosen


def test_it_shows_the_chosen_steps_once_and_carries_them_hidden(chain):
    job = post_job(chain)
    turn = add(job, chain, "L", title="外径")
    add(job, chain, "M")
    response = client_for(chain.hub_owner).get(route_url(job, turn))

    html = response.content.decode()
    assert f'<input type="hidden" name="steps" value="{turn.uuid}">' in html
    assert 'type="checkbox"' not in html  # no second list of steps to tick
    assert html.count(turn.label) == 1


def test_it_offers_exactly_the_capable_shops_with_lead_time_load_and_rating(chain):
    job = post_job(chain, material=Material.objects.get(code="S45C"))
    turn = add(job, chain, "L")
    lathe = chain.turner.capabilities.get(process__code="L")
    lathe.lead_time_days, lathe.capacity_hours_per_week = 7, 40
    lathe.save(update_fields=["lead_time_days", "capacity_hours_per_week"])
    response = english(client_for(chain.hub_owner)).get(route_url(job, turn))

    assert response.status_code == 200
    assert set(offered(response)) == {str(chain.turner.uuid), str(chain.stranger.uuid)}
    html = response.content.decode()
    assert "lead time 7 days" in html and "load 0%" in html
    assert "lead time not given" in html and "load unknown" in html  # the stranger
    assert "no ratings yet" in html
    assert re.search(r"\d+\.\d km", html)


def test_the_route_form_and_the_suggestions_apply_the_same_rule(chain, district):
    material = Material.objects.get(code="S45C")
    job = post_job(chain, material=material, quantity=500)
    turn = add(job, chain, "L")
    for shop in (chain.hub, chain.turner, chain.grinder, chain.stranger):
        shop.districts.add(district)
    # The stranger turns, but not in S45C; the grinder turns S45C in lots from 1,000 only.
    chain.stranger.capabilities.get(process__code="L").materials.set(
        [Material.objects.get(code="A5052")]
    )
    add_capability(chain.grinder, "L", materials=["S45C"], lot=(1000, None))
    requirements = route_requirements(job, [turn])

    rows = {r["shop"]: r for r in route_candidates(chain.hub, [turn], requirements)}
    suggested = {s.workshop: s for _step, shops in route_suggestions(job) for s in shops}
    assert set(rows) == set(suggested) == {chain.turner, chain.grinder}
    # The lot is a warning on both, not a condition.
    assert rows[chain.grinder]["lot_ok"] is suggested[chain.grinder].lot_ok is False
    assert rows[chain.turner]["lot_ok"] is suggested[chain.turner].lot_ok is True


def test_it_says_which_condition_ruled_every_shop_out(chain):
    job = post_job(chain, material=Material.objects.get(code="TI_GR5"))
    turn = add(job, chain, "L")
    response = english(client_for(chain.hub_owner)).get(route_url(job, turn))

    html = response.content.decode()
    assert offered(response) == []
    assert "No shop can be asked for these steps." in html
    assert "material: Ti-6Al-4V titanium alloy (grade 5)" in html
    assert "TI_GR5" not in html


def test_it_warns_of_a_lot_outside_a_shops_usual_range_without_hiding_the_shop(chain):
    job = post_job(chain, quantity=5000)
    turn = add(job, chain, "L")
    lathe = chain.turner.capabilities.get(process__code="L")
    lathe.lot_max = 100
    lathe.save(update_fields=["lot_max"])
    response = english(client_for(chain.hub_owner)).get(route_url(job, turn))

    assert str(chain.turner.uuid) in offered(response)
    assert response.content.decode().count("lot size outside its usual range") == 1


def test_the_service_names_the_material_a_supplier_does_not_list(chain):
    job = post_job(chain, material=Material.objects.get(code="TI_GR5"))
    turn = add(job, chain, "L")
    with translation.override("ja"), pytest.raises(Refused) as refused:
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
        )
    assert refused.value.message_dict["supplier"] == [
        "田中旋盤は次の条件を満たしていません: 材質: チタン合金 Ti-6Al-4V（60種）。"
    ]
    assert not Order.objects.exists()


def test_it_reports_every_problem_in_one_submit_and_keeps_what_was_typed(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    response = english(client_for(chain.hub_owner)).post(
        route_url(job),
        {
            "steps": [str(turn.uuid)],
            "supplier": str(chain.plater.uuid),  # no turning
            "price": "-5",
            "due_date": in_days(-1).isoformat(),
            "delivery_place": "本社 第二工場",
            "payment_due_date": in_days(-2).isoformat(),
            "payment_method": "bank_transfer",
            "terms_note": "通い箱で納品",
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"supplier", "price", "due_date", "payment_due_date"}
    assert "does not list the capability" in errors["supplier"][0]
    assert errors["price"] == ["Enter 1 or more."]
    assert errors["due_date"] == ["The delivery date cannot be in the past."]
    html = response.content.decode()
    assert 'value="本社 第二工場"' in html and "通い箱で納品" in html and 'value="-5"' in html
    assert not Order.objects.exists()


def test_it_reports_the_service_refusals_together_when_every_field_reads(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    response = english(client_for(chain.hub_owner)).post(
        route_url(job),
        {
            "steps": [str(turn.uuid)],
            "supplier": str(chain.plater.uuid),
            "price": "１２，０００",
            "due_date": in_days(-1).isoformat(),
            "delivery_place": "本社",
            "payment_due_date": in_days(20).isoformat(),
            "payment_method": "bank_transfer",
        },
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"supplier", "due_date"}
    assert not Order.objects.exists()


def test_the_service_refuses_with_every_problem_at_once(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    with pytest.raises(Refused) as refused:
        order_request(
            job=job,
            actor=chain.hub_owner,
            supplier=chain.plater,
            steps=[turn],
            terms=terms(price=0, due_date=in_days(-3)),
        )
    assert set(refused.value.message_dict) == {"supplier", "price", "due_date"}
    assert not Order.objects.exists()


def test_it_sends_a_request_typed_with_full_width_digits(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    values = terms()
    response = client_for(chain.hub_owner).post(
        route_url(job),
        {
            "steps": [str(turn.uuid)],
            "supplier": str(chain.turner.uuid),
            "price": "１２０，０００円",
            "due_date": values["due_date"].isoformat(),
            "delivery_place": values["delivery_place"],
            "payment_due_date": values["payment_due_date"].isoformat(),
            "payment_method": "bank_transfer",
        },
    )

    assert response.status_code == 302
    assert Order.objects.get(job=job).price == 120000


def test_materials_and_certifications_are_shown_by_name_not_code(chain):
    from workshops.models import Certification

    job = post_job(chain, material=Material.objects.get(code="TI_GR5"))
    turn = add(job, chain, "L")
    lathe = chain.turner.capabilities.get(process__code="L")
    lathe.materials.add(Material.objects.get(code="TI_GR5"))
    chain.turner.certifications.add(Certification.objects.get(code="ISO_IEC17025"))
    client = client_for(chain.hub_owner)
    pages = {
        "job": client.get(f"/jobs/{job.uuid}/"),
        "route form": client.get(route_url(job, turn)),
        "posting form": client.get(f"/jobs/{job.uuid}/post/"),
        "workshop": client.get(f"/workshops/{chain.turner.uuid}/"),
        "search": client.get("/workshops/", {"process": "L"}),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert ">TI_GR5<" not in html and "TI_GR5（" not in html, name
        assert "ISO_IEC17025<" not in html, name
    assert "チタン合金 Ti-6Al-4V（60種）" in pages["job"].content.decode()
    assert "チタン合金 Ti-6Al-4V（60種）" in pages["posting form"].content.decode()
    assert "ISO/IEC 17025" in pages["search"].content.decode()
