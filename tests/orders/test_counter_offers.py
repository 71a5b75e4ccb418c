"""Counter-offers on a request: the supplier answers with another price or date; the buyer
accepts (the order is placed on those terms, one document version) or declines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from core.services import Refused
from notifications.models import Notification
from orders.models import CounterOffer, CounterStatus, Order, OrderStatus, Step
from orders.services.routing import (
    order_accept,
    order_counter,
    order_counter_accept,
    order_counter_decline,
    order_request,
)
from orders.services.terms import trading_terms_set
from tests.conftest import client_for
from tests.notifications.conftest import act, told  # noqa: F401  (fixture)
from tests.orders.conftest import add, in_days, post_job, terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(chain) -> Order:
    job = post_job(chain, due_date=in_days(60))
    step = add(job, chain, "L", 4)
    return order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )


def state(order: Order) -> tuple:
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.price,
        order.due_date,
        order.payment_due_date,
        order.documents.count(),
        list(order.counters.values_list("status", flat=True)),
        order.job.events.count(),
    )


def counter(chain, order, **kwargs) -> CounterOffer:
    values = {"price": 150000, "due_date": in_days(14), "note": "材料高騰のため"}
    values.update(kwargs)
    return order_counter(order=order, actor=chain.turner_owner, **values)


# --- Services ------------------------------------------------------------------------------------


def test_a_counter_offer_leaves_the_request_open_and_tells_the_buyer(
    chain,
    requested,
    act,  # noqa: F811
):
    before = state(requested)
    with act():
        offer = counter(chain, requested)
    assert offer.status == CounterStatus.OPEN and offer.price == Decimal(150000)
    order = Order.objects.get(pk=requested.pk)
    # The request's own terms are untouched and nothing is issued yet.
    assert state(order)[:5] == before[:5]
    event = order.job.events.get(kind="order.countered")
    assert event.data["counter"] == str(offer.uuid)
    assert "price" not in event.data  # the log is read by every party
    assert told("counter.received") == [(chain.hub_owner.username, "counter.received")]


def test_accepting_a_counter_places_the_order_on_its_terms(chain, requested, act):  # noqa: F811
    offer = counter(chain, requested, due_date=in_days(12))
    with act():
        order = order_counter_accept(counter=offer, actor=chain.hub_owner)
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.ACCEPTED
    assert (order.price, order.due_date) == (Decimal(150000), in_days(12))
    assert order.decided_by == chain.hub_owner
    # Version 1 went with the request; the counter-offer taken is version 2, which the
    # supplier's order acceptance (its counter-offer) accepts.
    first, second = order.documents.order_by("version")
    assert str(first.content["price"]) == "120000"
    assert second.version == 2 and str(second.content["price"]) == "150000"
    assert order.terms_version == 2
    assert order.acceptances.get().document == second
    assert Step.objects.filter(pk__in=order.steps.values("pk"), workshop=chain.turner).exists()
    kinds = list(order.job.events.order_by("seq").values_list("kind", flat=True))
    start = kinds.index("order.counter_accepted")
    assert kinds[start : start + 4] == [
        "order.counter_accepted",
        "document.issued",
        "order.accepted",
        "acceptance.recorded",
    ]
    assert CounterOffer.objects.get(pk=offer.pk).status == CounterStatus.ACCEPTED
    assert told("counter.accepted") == [(chain.turner_owner.username, "counter.accepted")]


def test_declining_a_counter_keeps_the_request_and_issues_nothing(
    chain,
    requested,
    act,  # noqa: F811
):
    offer = counter(chain, requested)
    with act():
        order_counter_decline(counter=offer, actor=chain.hub_owner, reason="予算超過")
    order = Order.objects.get(pk=requested.pk)
    assert order.status == OrderStatus.REQUESTED and order.price == Decimal(120000)
    # Only the request's version 1: a declined counter-offer issues nothing.
    assert list(order.documents.values_list("version", flat=True)) == [1]
    assert CounterOffer.objects.get(pk=offer.pk).status == CounterStatus.DECLINED
    notice = Notification.objects.get(kind="counter.declined")
    assert notice.user == chain.turner_owner and notice.data["reason"] == "予算超過"
    assert told("counter.declined") == [(chain.turner_owner.username, "counter.declined")]
    # The supplier may now accept the original terms, or offer again.
    again = counter(chain, order, price=140000)
    assert again.status == CounterStatus.OPEN


def test_accepting_a_counter_refills_the_payment_date_from_the_pair_terms(chain, requested):
    trading_terms_set(
        buyer=chain.hub,
        supplier=chain.turner,
        actor=chain.hub_owner,
        closing_day=31,
        payment_month_offset=1,
        payment_day=31,
    )
    delivery = in_days(20)
    offer = counter(chain, requested, due_date=delivery)
    order = order_counter_accept(counter=offer, actor=chain.hub_owner)
    from orders.payment_terms import PaymentTerms, payment_due_date

    assert order.payment_due_date == payment_due_date(PaymentTerms(31, 1, 31), delivery)


def test_a_counter_whose_date_breaks_the_60_day_rule_needs_a_new_payment_date(chain, requested):
    # The request pays in 40 days; the counter delivers in 5: 40 days after is fine, but a
    # counter delivering the day after tomorrow with payment in 70 days is not.
    offer = counter(chain, requested, due_date=in_days(2))
    before = state(requested)
    with pytest.raises(Refused) as refused:
        order_counter_accept(counter=offer, actor=chain.hub_owner, payment_due_date=in_days(70))
    assert "payment_due_date" in refused.value.message_dict
    assert state(requested) == before
    order = order_counter_accept(counter=offer, actor=chain.hub_owner, payment_due_date=in_days(50))
    assert order.payment_due_date == in_days(50)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"price": 0}, "price"),
        ({"price": "12.5"}, "price"),
        ({"due_date": dt.date(2020, 1, 1)}, "due_date"),
        ({"price": 120000, "due_date": None}, "due_date"),
    ],
)
def test_a_bad_counter_is_refused_and_nothing_is_written(chain, requested, kwargs, field):
    before = state(requested)
    with pytest.raises(Refused) as refused:
        counter(chain, requested, **kwargs)
    assert field in refused.value.message_dict
    assert state(requested) == before


def test_a_counter_that_changes_nothing_is_refused(chain, requested):
    before = state(requested)
    with pytest.raises(Refused) as refused:
        counter(chain, requested, price=120000, due_date=requested.due_date)
    assert refused.value.code == "no_change"
    assert state(requested) == before


def test_only_one_counter_is_open_at_a_time_and_only_on_a_request(chain, requested):
    counter(chain, requested)
    with pytest.raises(Refused) as refused:
        counter(chain, requested, price=130000)
    assert refused.value.code == "counter_open"
    job = post_job(chain, part_name="別件")
    step = add(job, chain, "L", 2)
    accepted = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    order_accept(order=accepted, actor=chain.turner_owner)
    with pytest.raises(Refused):
        counter(chain, accepted)


def test_only_the_parties_managers_act(chain, requested):
    for actor in (chain.hub_owner, chain.turner_floor, chain.stranger_owner):
        with pytest.raises(Refused):
            order_counter(order=requested, actor=actor, price=1, due_date=in_days(5))
    offer = counter(chain, requested)
    for actor in (chain.turner_owner, chain.hub_floor, chain.stranger_owner):
        with pytest.raises(Refused):
            order_counter_accept(counter=offer, actor=actor)
        with pytest.raises(Refused):
            order_counter_decline(counter=offer, actor=actor)
    assert CounterOffer.objects.get(pk=offer.pk).status == CounterStatus.OPEN


def test_a_withdrawn_request_closes_the_door_on_its_counter(chain, requested):
    from orders.services.routing import order_withdraw

    offer = counter(chain, requested)
    order_withdraw(order=requested, actor=chain.hub_owner)
    with pytest.raises(Refused) as refused:
        order_counter_accept(counter=offer, actor=chain.hub_owner)
    assert refused.value.code == "counter_answered"


# --- Pages ---------------------------------------------------------------------------------------


def page(order: Order, name: str = "order_detail") -> str:
    return reverse(name, args=[order.uuid])


def test_the_supplier_sends_a_counter_from_the_order_page(chain, requested):
    client = client_for(chain.turner_owner)
    html = client.get(page(requested)).content.decode()
    assert 'name="counter-price"' in html
    response = client.post(
        page(requested, "order_counter"),
        {"counter-price": "150000", "counter-due_date": in_days(14).isoformat()},
    )
    assert response.status_code == 302
    assert requested.counters.get().price == Decimal(150000)
    # The buyer's page shows it, with the buttons to answer.
    html = client_for(chain.hub_owner).get(page(requested)).content.decode()
    assert "150,000" in html and page(requested, "counter_accept") in html


def test_a_bad_counter_on_the_page_shows_every_error(chain, requested):
    response = client_for(chain.turner_owner).post(
        page(requested, "order_counter"), {"counter-price": "0", "counter-due_date": "2020-01-01"}
    )
    assert response.status_code == 400
    assert set(response.context["counter_form"].errors) == {"price", "due_date"}
    assert not requested.counters.exists()


def test_the_buyer_answers_from_the_order_page(chain, requested):
    counter(chain, requested)
    client = client_for(chain.hub_owner)
    response = client.post(page(requested, "counter_decline"), {"answer-reason": "予算超過"})
    assert response.status_code == 302
    counter(chain, requested, price=130000)
    response = client.post(page(requested, "counter_accept"), {})
    assert response.status_code == 302
    assert Order.objects.get(pk=requested.pk).status == OrderStatus.ACCEPTED


@pytest.mark.parametrize("who", ["stranger_owner", "turner_floor", "staff"])
def test_others_get_a_404_and_change_nothing(chain, requested, who):
    counter(chain, requested)
    before = state(requested)
    client = client_for(getattr(chain, who))
    for name in ("order_counter", "counter_accept", "counter_decline"):
        assert client.post(page(requested, name), {}).status_code == 404
    assert state(requested) == before


def test_the_supplier_cannot_answer_its_own_counter_nor_the_buyer_propose(chain, requested):
    counter(chain, requested)
    assert client_for(chain.turner_owner).post(page(requested, "counter_accept")).status_code == 404
    assert client_for(chain.hub_owner).post(page(requested, "order_counter")).status_code == 404


def test_wrong_methods_are_refused(chain, requested):
    client = client_for(chain.turner_owner)
    for name in ("order_counter", "counter_accept", "counter_decline"):
        assert client.get(page(requested, name)).status_code == 405
