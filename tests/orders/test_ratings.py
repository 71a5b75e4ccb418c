"""Ratings: the buyer of a delivered order rates it once, the supplier replies once; a shop's
figures cover 12 months and show only from 3 ratings on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.services import Refused
from orders.models import OrderStatus, ProgressEvent, Rating
from orders.selectors import delivery_record, rating_summary
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.progress import step_done, step_start
from orders.services.ratings import rating_create, rating_reply
from orders.services.routing import order_accept, order_request
from tests.orders.conftest import add, post_job, terms
from workshops.models import Workshop

pytestmark = pytest.mark.django_db


def delivered_order(chain, supplier=None, owner=None, floor=None):
    """One turning step ordered from `supplier`, made, shipped to the hub and received."""
    supplier = supplier or chain.turner
    owner = owner or chain.turner_owner
    floor = floor or chain.turner_floor
    job = post_job(chain)
    step = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=supplier, steps=[step], terms=terms()
    )
    order_accept(order=order, actor=owner)
    step.refresh_from_db()
    step_start(step=step, actor=floor)
    step_done(step=step, actor=floor, good=100)
    handoff = handoff_ship(step=step, actor=floor, quantity=100)
    handoff_receive(handoff=handoff, actor=chain.hub_owner, quantity=100)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    return order


def rate(chain, order, q=5, d=4, c=3, **kw):
    return rating_create(order=order, actor=chain.hub_owner, quality=q, delivery=d, cost=c, **kw)


def test_the_buyer_rates_a_delivered_order_once_and_it_is_logged(chain):
    order = delivered_order(chain)
    rating = rate(chain, order, comment="仕上げがきれい")
    assert (rating.quality, rating.delivery, rating.cost) == (5, 4, 3)
    assert (rating.buyer, rating.supplier) == (chain.hub, chain.turner)
    event = ProgressEvent.objects.get(kind="order.rated", order=order)
    assert (event.actor, event.workshop) == (chain.hub_owner, chain.hub)
    with pytest.raises(Refused) as refused:
        rate(chain, order)
    assert refused.value.code == "already_rated"
    assert Rating.objects.count() == 1
    assert ProgressEvent.objects.filter(kind="order.rated").count() == 1


@pytest.mark.parametrize("who", ["turner_owner", "hub_floor", "stranger_owner"])
def test_only_the_buyers_managers_may_rate(chain, who):
    order = delivered_order(chain)
    with pytest.raises(Refused):
        rating_create(order=order, actor=getattr(chain, who), quality=1, delivery=1, cost=1)
    assert not Rating.objects.exists()
    assert not ProgressEvent.objects.filter(kind="order.rated").exists()


def test_an_order_not_yet_delivered_cannot_be_rated(chain, routed_job):
    _job, _steps, orders = routed_job
    with pytest.raises(Refused) as refused:
        rate(chain, orders["top"])
    assert refused.value.code == "not_delivered"


@pytest.mark.parametrize("bad", [0, 6, -1, "abc", "", None, 3.5, "4.0"])
def test_scores_are_whole_numbers_from_1_to_5(chain, bad):
    order = delivered_order(chain)
    with pytest.raises(Refused) as refused:
        rate(chain, order, q=bad)
    assert "quality" in refused.value.message_dict
    assert not Rating.objects.exists()


def test_the_supplier_replies_once(chain):
    rating = rate(chain, delivered_order(chain))
    with pytest.raises(Refused):
        rating_reply(rating=rating, actor=chain.hub_owner, reply="自分で返信")
    with pytest.raises(Refused):
        rating_reply(rating=rating, actor=chain.turner_owner, reply="   ")
    rating_reply(rating=rating, actor=chain.turner_owner, reply="ありがとうございます")
    rating.refresh_from_db()
    assert rating.reply == "ありがとうございます" and rating.replied_by == chain.turner_owner
    with pytest.raises(Refused) as refused:
        rating_reply(rating=rating, actor=chain.turner_owner, reply="もう一度")
    assert refused.value.code == "already_replied"
    assert ProgressEvent.objects.filter(kind="order.rating_replied").count() == 1


def test_figures_show_from_three_ratings_over_the_last_twelve_months(chain):
    scores = [(5, 5, 4), (4, 3, 3), (3, 4, 5)]
    for n, (q, d, c) in enumerate(scores):
        rate(chain, delivered_order(chain), q=q, d=d, c=c)
        summary = rating_summary(chain.turner)
        turner = Workshop.objects.get(pk=chain.turner.pk)
        assert summary["count"] == turner.rating_count == n + 1
        if n < 2:
            # One or two ratings do not define a small shop.
            assert summary["shown"] is False and summary["quality"] is None
            assert turner.rating_average is None
    assert summary["quality"] == Decimal("4.00")
    assert summary["delivery"] == Decimal("4.00")
    assert summary["cost"] == Decimal("4.00")
    assert turner.rating_average == Decimal("4.00")
    # A rating older than a year no longer counts.
    Rating.objects.filter(quality=5).update(created_at=timezone.now() - dt.timedelta(days=400))
    later = rating_summary(chain.turner)
    assert (later["count"], later["shown"]) == (2, False)


def test_on_time_delivery_is_measured_from_the_hand_offs_not_declared(chain):
    from orders.models import Order

    orders = [delivered_order(chain) for _ in range(4)]
    assert delivery_record(chain.turner) == {"delivered": 4, "on_time": 4, "percent": 100}
    # One was due the day before its parts arrived.
    late = orders[0]
    arrived = timezone.localdate(late.delivered_at)
    Order.objects.filter(pk=late.pk).update(due_date=arrived - dt.timedelta(days=1))
    assert delivery_record(chain.turner) == {"delivered": 4, "on_time": 3, "percent": 75}
    # Fewer than three deliveries: the count, not a rate.
    Order.objects.filter(pk__in=[o.pk for o in orders[:2]]).update(
        delivered_at=timezone.now() - dt.timedelta(days=400)
    )
    assert delivery_record(chain.turner) == {"delivered": 2, "on_time": 2, "percent": None}
    assert delivery_record(chain.grinder)["delivered"] == 0


def test_a_workshops_record_is_one_query_each_whatever_its_history(
    chain, django_assert_num_queries
):
    for _ in range(3):
        rate(chain, delivered_order(chain))
    with django_assert_num_queries(1):
        assert rating_summary(chain.turner)["count"] == 3
    with django_assert_num_queries(1):
        assert delivery_record(chain.turner)["delivered"] == 3
