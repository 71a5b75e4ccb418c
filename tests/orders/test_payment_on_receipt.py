"""The 60-day rule against the actual receipt: a receipt (each lot of a 分納) can bring the
latest lawful payment date before the order's planned one; then the order says so, both
parties are told, and the buyer must set a new date that the rule allows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.services import Refused
from notifications.models import Notification
from notifications.subscriber import fan_out_event
from orders.models import Order, OrderStatus, ProgressEvent
from orders.services.handoffs import handoff_inspect, handoff_receive, handoff_ship
from orders.services.progress import step_done, step_start
from orders.services.routing import order_accept, order_change_terms, order_request
from orders.services.terms import trading_terms_set
from tests.orders.conftest import add, post_job, refreshed, terms

TOKYO = ZoneInfo("Asia/Tokyo")


def _on(monkeypatch, day: dt.date) -> None:
    """Make `day` (10:00 in Tokyo) today for every service."""
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=TOKYO)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _order(chain, monkeypatch, *, today, due, pay, quantity=10, inspect_by=None):
    _on(monkeypatch, today)
    trading_terms_set(
        buyer=chain.hub,
        supplier=chain.turner,
        actor=chain.hub_owner,
        closing_day=31,
        payment_month_offset=1,
        payment_day=31,
    )
    job = post_job(chain, quantity=quantity, due_date=due + dt.timedelta(days=20))
    turn = add(job, chain, "L", 2)
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[turn],
        terms=terms(due_date=due, payment_due_date=pay, inspection_due_date=inspect_by),
    )
    order_accept(order=order, actor=chain.turner_owner)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=quantity)
    return job, turn, order


def _late_events(order):
    return ProgressEvent.objects.filter(order=order, kind="order.payment_date_late")


def test_it_accepts_receipt_on_1_march_paid_30_april_under_month_end_terms(chain, monkeypatch):
    # 月末締め翌月末払い: received 1 March, paid 30 April is day 61 by the strict count,
    # lawful as "within two months" under a monthly closing.
    _job, turn, order = _order(
        chain,
        monkeypatch,
        today=dt.date(2027, 2, 20),
        due=dt.date(2027, 3, 1),
        pay=dt.date(2027, 4, 30),
    )
    lot = handoff_ship(step=turn, actor=chain.turner_floor, quantity=10)
    _on(monkeypatch, dt.date(2027, 3, 1))
    handoff_receive(handoff=lot, actor=chain.hub_owner, quantity=10)
    order = refreshed(order)
    assert order.payment_latest_lawful == dt.date(2027, 4, 30)
    assert not order.payment_date_late
    assert not _late_events(order).exists()


def test_it_flags_a_receipt_that_makes_the_payment_date_late(chain, monkeypatch):
    # Planned delivery 31 March, payment 30 May (lawful from that date); the first lot (分納)
    # arrives on 1 March: from it, payment is due by 30 April.
    _job, turn, order = _order(
        chain,
        monkeypatch,
        today=dt.date(2027, 2, 20),
        due=dt.date(2027, 3, 31),
        pay=dt.date(2027, 5, 30),
    )
    first = handoff_ship(step=turn, actor=chain.turner_floor, quantity=4)
    _on(monkeypatch, dt.date(2027, 3, 1))
    handoff_receive(handoff=first, actor=chain.hub_owner, quantity=4)
    order = refreshed(order)
    assert order.payment_date_late
    assert order.payment_latest_lawful == dt.date(2027, 4, 30)
    (event,) = _late_events(order)
    assert event.data["latest_lawful"] == "2027-04-30"
    assert event.data["received_on"] == "2027-03-01"
    # Both parties' managers are told, the buyer's receiver too (nobody chose this).
    fan_out_event(event)
    told = set(
        Notification.objects.filter(kind="payment.date_late").values_list("user_id", flat=True)
    )
    assert {chain.hub_owner.pk, chain.turner_owner.pk} <= told
    assert chain.hub_floor.pk not in told and chain.turner_floor.pk not in told

    # A later lot binds nothing new: no second flag.
    second = handoff_ship(step=turn, actor=chain.turner_floor, quantity=6)
    _on(monkeypatch, dt.date(2027, 3, 10))
    handoff_receive(handoff=second, actor=chain.hub_owner, quantity=6)
    assert _late_events(order).count() == 1
    assert refreshed(order).payment_latest_lawful == dt.date(2027, 4, 30)

    # The buyer must set a date the rule allows: past 30 April is refused, nothing written.
    version = refreshed(order).terms_version
    with pytest.raises(Refused) as refused:
        order_change_terms(
            order=order,
            actor=chain.hub_owner,
            terms={"payment_due_date": dt.date(2027, 5, 10)},
            reason="受領日に合わせる",
        )
    assert refused.value.code == "payment_too_late"
    assert "payment_due_date" in refused.value.message_dict
    assert refreshed(order).terms_version == version
    order_change_terms(
        order=order,
        actor=chain.hub_owner,
        terms={"payment_due_date": dt.date(2027, 4, 30)},
        reason="受領日に合わせる",
    )
    order = refreshed(order)
    assert order.payment_due_date == dt.date(2027, 4, 30)
    assert not order.payment_date_late


def test_it_checks_on_inspection_and_lets_a_delivered_order_move_its_date(chain, monkeypatch):
    _job, turn, order = _order(
        chain,
        monkeypatch,
        today=dt.date(2027, 2, 20),
        due=dt.date(2027, 3, 31),
        pay=dt.date(2027, 5, 30),
        inspect_by=dt.date(2027, 4, 5),
    )
    lot = handoff_ship(step=turn, actor=chain.turner_floor, quantity=10)
    _on(monkeypatch, dt.date(2027, 3, 2))
    handoff_receive(handoff=lot, actor=chain.hub_owner, quantity=10)
    # Records dropped (an older receipt): inspection checks the same receipt again.
    Order.objects.filter(pk=order.pk).update(payment_latest_lawful=None)
    ProgressEvent.objects.filter(kind="order.payment_date_late").delete()
    _on(monkeypatch, dt.date(2027, 3, 5))
    handoff_inspect(handoff=refreshed(lot), actor=chain.hub_owner, accepted=10)
    order = refreshed(order)
    assert order.status == OrderStatus.DELIVERED
    assert order.payment_date_late and _late_events(order).count() == 1
    # Delivered, delivery date passed or not: only the payment date may move, within the rule.
    with pytest.raises(Refused):
        order_change_terms(
            order=order,
            actor=chain.hub_owner,
            terms={"payment_due_date": dt.date(2027, 4, 30), "price": 1},
            reason="x",
        )
    order_change_terms(
        order=order,
        actor=chain.hub_owner,
        terms={"payment_due_date": dt.date(2027, 4, 30)},
        reason="受領日に合わせる",
    )
    assert refreshed(order).payment_due_date == dt.date(2027, 4, 30)


def test_the_order_page_warns_and_opens_the_terms_form(chain, monkeypatch, client):
    _job, turn, order = _order(
        chain,
        monkeypatch,
        today=dt.date(2027, 2, 20),
        due=dt.date(2027, 3, 31),
        pay=dt.date(2027, 5, 30),
    )
    lot = handoff_ship(step=turn, actor=chain.turner_floor, quantity=10)
    _on(monkeypatch, dt.date(2027, 3, 1))
    handoff_receive(handoff=lot, actor=chain.hub_owner, quantity=10)
    client.force_login(chain.hub_owner)
    page = client.get(f"/orders/{order.uuid}/").content.decode()
    assert 'id="payment-date-late"' in page
    assert "order_change_terms" not in page  # sanity: the URL is rendered, not its name
    assert f"/orders/{order.uuid}/terms/" in page
    client.force_login(chain.turner_owner)
    page = client.get(f"/orders/{order.uuid}/").content.decode()
    assert 'id="payment-date-late"' in page
    assert f"/orders/{order.uuid}/terms/" not in page


def payment_scenario(chain):
    """For the every-event-kind test: a receipt that makes the payment date late, then a
    short payment (flagged) that the supplier confirms."""
    from orders.services.payments import payment_confirm, payment_record
    from tests.orders.conftest import in_days

    job = post_job(chain, part_name="カラー", quantity=5)
    turn = add(job, chain, "L", 2)
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[turn],
        terms=terms(due_date=in_days(30), payment_due_date=in_days(85)),
    )
    order_accept(order=order, actor=chain.turner_owner)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=5)
    lot = handoff_ship(step=turn, actor=chain.turner_floor, quantity=5)
    handoff_receive(handoff=lot, actor=chain.hub_owner, quantity=5)
    assert refreshed(order).payment_date_late
    payment = payment_record(
        order=refreshed(order),
        actor=chain.hub_owner,
        paid_on=timezone.localdate(),
        amount=1000,
        means="bank_transfer",
    )
    payment_confirm(payment=payment, actor=chain.turner_owner)
    return job
