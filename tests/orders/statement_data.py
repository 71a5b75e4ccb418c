"""Receipts on given days, for the purchase statement and delivery note tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from orders.models import Order
from orders.services.handoffs import handoff_inspect, handoff_receive, handoff_ship
from orders.services.progress import step_done, step_start
from orders.services.routing import order_accept, order_request
from orders.services.terms import trading_terms_set
from tests.orders.conftest import add, post_job, refreshed, terms

TOKYO = ZoneInfo("Asia/Tokyo")


def on(monkeypatch, day: dt.date) -> None:
    """Make `day` (10:00 in Tokyo) today for every service."""
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=TOKYO)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def month_end_terms(chain, closing_day=31, payment_day=31) -> None:
    trading_terms_set(
        buyer=chain.hub,
        supplier=chain.turner,
        actor=chain.hub_owner,
        closing_day=closing_day,
        payment_month_offset=1,
        payment_day=payment_day,
    )


def turned_order(
    chain,
    monkeypatch,
    *,
    today: dt.date,
    price=120000,
    quantity=10,
    tax_rate=None,
    part="シャフト",
    inspect_by=None,
    pay="50 days",
):
    """An accepted order of `quantity` parts from the turner, turned and done, on `today`,
    paid 50 days after `today` (`pay=None`: from the pair's payment terms)."""
    on(monkeypatch, today)
    job = post_job(chain, part_name=part, quantity=quantity, due_date=today + dt.timedelta(40))
    turn = add(job, chain, "L", 2)
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[turn],
        terms=terms(
            price=price,
            due_date=today + dt.timedelta(days=20),
            payment_due_date=today + dt.timedelta(days=50) if pay else None,
            inspection_due_date=inspect_by,
        ),
    )
    order_accept(order=order, actor=chain.turner_owner)
    if tax_rate is not None:
        Order.objects.filter(pk=order.pk).update(tax_rate=tax_rate)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=quantity)
    return refreshed(order), refreshed(turn)


def receive(chain, monkeypatch, turn, quantity: int, day: dt.date, *, inspect=True):
    """Ship `quantity` and receive them on `day` (accepted at receipt unless the order
    inspects later; then inspected the same day when `inspect`)."""
    handoff = handoff_ship(step=refreshed(turn), actor=chain.turner_floor, quantity=quantity)
    on(monkeypatch, day)
    handoff_receive(handoff=handoff, actor=chain.hub_owner, quantity=quantity)
    handoff = refreshed(handoff)
    if handoff.quantity_accepted is None and inspect:
        handoff_inspect(handoff=handoff, actor=chain.hub_owner, accepted=quantity)
        handoff = refreshed(handoff)
    return handoff
