"""A trading pair's payment terms: the service, the page, the route form's prefill, and the
order request that reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from core.services import Refused
from orders.models import Order, TradingTerms, TradingTermsChange
from orders.services.routing import order_request
from orders.services.terms import trading_terms_set
from tests.conftest import client_for
from tests.orders.conftest import add, post_job, terms

pytestmark = pytest.mark.django_db

D = dt.date


def set_terms(chain, closing=31, month=1, day=31, actor=None):
    return trading_terms_set(
        buyer=chain.hub,
        supplier=chain.turner,
        actor=actor or chain.hub_owner,
        closing_day=closing,
        payment_month_offset=month,
        payment_day=day,
    )


def snapshot():
    return (
        list(
            TradingTerms.objects.values_list("closing_day", "payment_month_offset", "payment_day")
        ),
        TradingTermsChange.objects.count(),
    )


# --- The service ---------------------------------------------------------------------------------


def test_the_buyer_sets_and_changes_the_terms_and_each_change_is_logged(chain):
    set_terms(chain)
    row = set_terms(chain, closing=20, month=1, day=10)
    assert row.as_terms().label() == "20日締め翌月10日払い"
    log = list(row.changes.order_by("created_at", "id").values_list("actor", "data"))
    assert log == [
        (chain.hub_owner.pk, {"from": None, "to": "月末締め翌月末払い"}),
        (chain.hub_owner.pk, {"from": "月末締め翌月末払い", "to": "20日締め翌月10日払い"}),
    ]
    # Saving the same terms again writes nothing.
    set_terms(chain, closing=20, month=1, day=10)
    assert row.changes.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"closing": 31, "month": 2, "day": 31}, "payment_month_offset"),  # 翌々月末: too late
        ({"closing": 0, "month": 1, "day": 31}, "closing_day"),
        ({"closing": 31, "month": 1, "day": 40}, "payment_day"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_written(chain, kwargs, field):
    before = snapshot()
    with pytest.raises(Refused) as refused:
        set_terms(chain, **kwargs)
    assert field in refused.value.message_dict
    assert snapshot() == before


def test_only_the_buyers_managers_set_the_terms(chain):
    for actor in (chain.turner_owner, chain.hub_floor, chain.stranger_owner):
        with pytest.raises(Refused):
            set_terms(chain, actor=actor)
    assert snapshot() == ([], 0)


# --- The order request reads them ----------------------------------------------------------------


def test_an_empty_payment_date_is_filled_in_from_the_terms(chain):
    set_terms(chain)
    job = post_job(chain, due_date=D(2027, 6, 30))
    step = add(job, chain, "L", 4)
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[step],
        terms=terms(due_date=D(2027, 3, 10), payment_due_date=None),
    )
    assert order.payment_due_date == D(2027, 4, 30)


def test_receipt_1_march_paid_30_april_is_accepted_under_month_end_terms(chain):
    job = post_job(chain, due_date=D(2027, 6, 30))
    step = add(job, chain, "L", 4)
    request = {
        "job": job,
        "actor": chain.hub_owner,
        "supplier": chain.turner,
        "steps": [step],
        "terms": terms(due_date=D(2027, 3, 1), payment_due_date=D(2027, 4, 30)),
    }
    # Without terms the strict count refuses day 61 …
    with pytest.raises(Refused) as refused:
        order_request(**request)
    assert "payment_due_date" in refused.value.message_dict
    assert not Order.objects.filter(job=job).exists()
    # … with 月末締め翌月末払い the monthly closing reads as two months.
    set_terms(chain)
    order = order_request(**request)
    assert order.payment_due_date == D(2027, 4, 30)


def test_without_terms_an_empty_payment_date_is_refused_with_a_clear_message(chain):
    job = post_job(chain, due_date=D(2027, 6, 30))
    step = add(job, chain, "L", 4)
    with pytest.raises(Refused) as refused:
        order_request(
            job=job,
            actor=chain.hub_owner,
            supplier=chain.turner,
            steps=[step],
            terms=terms(due_date=D(2027, 3, 10), payment_due_date=None),
        )
    assert "payment_due_date" in refused.value.message_dict


# --- The page ------------------------------------------------------------------------------------


def url(chain) -> str:
    return reverse("trading_terms", args=[chain.hub.uuid, chain.turner.uuid])


def test_the_buyer_edits_the_terms_on_the_page(chain):
    client = client_for(chain.hub_owner)
    assert client.get(url(chain)).status_code == 200
    response = client.post(
        url(chain), {"closing_day": "20", "payment_month_offset": "1", "payment_day": "10"}
    )
    assert response.status_code == 302
    assert TradingTerms.objects.get().as_terms().label() == "20日締め翌月10日払い"


def test_the_page_refuses_late_terms_with_a_message_and_writes_nothing(chain):
    response = client_for(chain.hub_owner).post(
        url(chain), {"closing_day": "31", "payment_month_offset": "2", "payment_day": "31"}
    )
    assert response.status_code == 400
    assert "60" in str(response.context["form"].errors["payment_month_offset"])
    assert snapshot() == ([], 0)


def test_the_supplier_reads_the_terms_but_cannot_change_them(chain):
    set_terms(chain)
    client = client_for(chain.turner_owner)
    response = client.get(url(chain))
    assert response.status_code == 200
    assert "月末締め翌月末払い" in response.content.decode()
    assert response.context["form"] is None
    response = client.post(
        url(chain), {"closing_day": "20", "payment_month_offset": "1", "payment_day": "10"}
    )
    assert response.status_code == 404
    assert TradingTerms.objects.get().as_terms().label() == "月末締め翌月末払い"


@pytest.mark.parametrize("who", ["stranger_owner", "hub_floor", "turner_floor", "staff"])
def test_anyone_else_gets_a_404(chain, who):
    set_terms(chain)
    client = client_for(getattr(chain, who))
    assert client.get(url(chain)).status_code == 404
    response = client.post(
        url(chain), {"closing_day": "20", "payment_month_offset": "1", "payment_day": "10"}
    )
    assert response.status_code == 404
    assert TradingTerms.objects.get().as_terms().label() == "月末締め翌月末払い"


def test_a_wrong_method_is_refused(chain):
    assert client_for(chain.hub_owner).put(url(chain)).status_code == 405


# --- The route form's prefill --------------------------------------------------------------------


def test_the_route_form_prefills_the_payment_date_and_keeps_a_typed_one(chain):
    set_terms(chain)
    job = post_job(chain, due_date=D(2027, 6, 30))
    prefill = reverse("payment_due_prefill", args=[job.uuid])
    client = client_for(chain.hub_owner)
    response = client.get(prefill, {"supplier": str(chain.turner.uuid), "due_date": "2027-03-10"})
    page = response.content.decode()
    assert 'value="2027-04-30"' in page and "月末締め翌月末払い" in page
    # The delivery date moves: the prefilled date follows it.
    response = client.get(
        prefill,
        {
            "supplier": str(chain.turner.uuid),
            "due_date": "2027-04-02",
            "payment_due_date": "2027-04-30",
            "payment_prefilled": "2027-04-30",
        },
    )
    assert 'id="id_payment_due_date" value="2027-05-31"' in response.content.decode()
    # A date the buyer typed stays.
    response = client.get(
        prefill,
        {
            "supplier": str(chain.turner.uuid),
            "due_date": "2027-04-02",
            "payment_due_date": "2027-05-20",
            "payment_prefilled": "2027-05-31",
        },
    )
    assert 'id="id_payment_due_date" value="2027-05-20"' in response.content.decode()
    # The supplier may not use the hub's prefill.
    assert client_for(chain.turner_owner).get(prefill).status_code == 404
