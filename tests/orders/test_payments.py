"""Payments against an order: the buyer's managers record them, the supplier's confirm; a late
or short payment is flagged to both; amounts only ever reach the two parties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.services import Refused
from notifications.models import Notification
from notifications.subscriber import fan_out_event
from orders.models import Order, Payment, PaymentLog, ProgressEvent
from orders.services.payments import payment_confirm, payment_record
from tests.conftest import client_for
from tests.orders.conftest import refreshed

TODAY = timezone.localdate


def _record(order, actor, **overrides):
    values = {"paid_on": TODAY(), "amount": order.total, "means": "bank_transfer"}
    values.update(overrides)
    return payment_record(order=order, actor=actor, **values)


def _nothing_written(order, call, *, code=None, field=None):
    payments, events = Payment.objects.count(), ProgressEvent.objects.count()
    with pytest.raises(Refused) as refused:
        call()
    assert Payment.objects.count() == payments
    assert ProgressEvent.objects.count() == events
    if code:
        assert refused.value.code == code
    if field:
        assert field in refused.value.message_dict
    return refused.value


def test_it_records_a_full_payment_on_time_and_the_supplier_confirms(chain, routed_job):
    order = refreshed(routed_job[2]["top"])  # hub → turner, ¥120,000 + tax
    assert order.total == Decimal(132000)
    payment = _record(order, chain.hub_owner, note="4月分")
    assert (payment.late, payment.short) == (False, False)
    assert payment.recorded_by == chain.hub_owner and payment.recorded_at
    assert not ProgressEvent.objects.filter(order=order, kind="payment.flagged").exists()
    (event,) = ProgressEvent.objects.filter(order=order, kind="payment.recorded")
    assert "amount" not in event.data  # amounts stay out of the job's log
    fan_out_event(event)
    told = set(
        Notification.objects.filter(kind="payment.recorded").values_list("user_id", flat=True)
    )
    assert told == {chain.turner_owner.pk}

    # Only the supplier's managers confirm; once.
    _nothing_written(
        order, lambda: payment_confirm(payment=payment, actor=chain.hub_owner), code="not_allowed"
    )
    _nothing_written(
        order,
        lambda: payment_confirm(payment=payment, actor=chain.turner_floor),
        code="not_allowed",
    )
    payment_confirm(payment=payment, actor=chain.turner_owner)
    payment = refreshed(payment)
    assert payment.confirmed_by == chain.turner_owner and payment.confirmed_at
    with pytest.raises(Refused):
        payment_confirm(payment=payment, actor=chain.turner_owner)
    assert list(PaymentLog.objects.filter(payment=payment).values_list("action", "actor")) == [
        ("payment.confirmed", chain.turner_owner.pk),
        ("payment.recorded", chain.hub_owner.pk),
    ]


def test_it_flags_a_late_or_short_payment_to_both_parties(chain, routed_job):
    order = refreshed(routed_job[2]["top"])
    # The due date passed (the order is older than this test pretends).
    Order.objects.filter(pk=order.pk).update(payment_due_date=TODAY() - dt.timedelta(days=3))
    order = refreshed(order)
    payment = _record(order, chain.hub_owner, amount=100000)
    assert (payment.late, payment.short) == (True, True)
    (flag,) = ProgressEvent.objects.filter(order=order, kind="payment.flagged")
    assert flag.data["late"] is True and flag.data["short"] is True
    fan_out_event(flag)
    told = set(
        Notification.objects.filter(kind="payment.flagged").values_list("user_id", flat=True)
    )
    assert {chain.hub_owner.pk, chain.turner_owner.pk} <= told
    assert chain.turner_floor.pk not in told and chain.hub_floor.pk not in told
    # The rest makes the total: still late, no longer short.
    rest = _record(order, chain.hub_owner, amount=32000)
    assert (rest.late, rest.short) == (True, False)


def test_it_refuses_too_much_the_future_and_anyone_but_the_buyers_managers(chain, routed_job):
    order = refreshed(routed_job[2]["top"])
    _record(order, chain.hub_owner, amount=100000)
    error = _nothing_written(
        order, lambda: _record(order, chain.hub_owner, amount=32001), code="more_than_owed"
    )
    assert "32,000" in " ".join(error.messages)
    _nothing_written(
        order,
        lambda: _record(order, chain.hub_owner, paid_on=TODAY() + dt.timedelta(days=1)),
        field="paid_on",
    )
    # Every problem at once.
    error = _nothing_written(
        order,
        lambda: _record(
            order, chain.hub_owner, paid_on=TODAY() + dt.timedelta(days=1), amount=0, means="手形"
        ),
    )
    assert set(error.message_dict) == {"paid_on", "amount", "means"}
    for actor in (chain.hub_floor, chain.turner_owner, chain.stranger_owner, chain.staff):
        _nothing_written(order, lambda a=actor: _record(order, a, amount=1000))
    # The sub-order's hub (its buyer's buyer) cannot pay it either.
    sub = refreshed(routed_job[2]["sub"])
    _nothing_written(sub, lambda: _record(sub, chain.hub_owner, amount=1000))


def test_payments_on_the_order_page_only_for_the_two_parties(chain, routed_job, client):
    sub = refreshed(routed_job[2]["sub"])  # turner → grinder
    payment = _record(sub, chain.turner_owner, amount=12345)
    url = f"/orders/{sub.uuid}/"
    for user in (chain.turner_owner, chain.grinder_owner):
        page = client_for(user).get(url).content.decode()
        assert 'id="order-payments"' in page and "12,345" in page
    # The hub sees the sub-order exists but not its payments; floor and association get 404.
    page = client_for(chain.hub_owner).get(url)
    assert page.status_code == 200
    assert 'id="order-payments"' not in page.content.decode()
    assert "12,345" not in page.content.decode()
    for user in (chain.grinder_floor, chain.staff, chain.stranger_owner):
        assert client_for(user).get(url).status_code == 404
    # Nor the payment's events in the hub's view of the job's log.
    from orders.access import job_access

    hub_events = job_access(chain.hub_owner, sub.job).events()
    assert not hub_events.filter(kind__startswith="payment.").exists()
    turner_events = job_access(chain.turner_owner, sub.job).events()
    assert turner_events.filter(kind="payment.recorded").exists()
    # The supplier confirms from the page.
    response = client_for(chain.grinder_owner).post(f"/payments/{payment.uuid}/confirm/")
    assert response.status_code == 302
    assert refreshed(payment).confirmed_by == chain.grinder_owner


def test_the_page_form_records_and_shows_every_error(chain, routed_job):
    order = refreshed(routed_job[2]["top"])
    client = client_for(chain.hub_owner)
    response = client.post(
        f"/orders/{order.uuid}/payments/",
        {"payment-paid_on": "", "payment-amount": "999999", "payment-means": "bank_transfer"},
        follow=True,
    )
    text = response.content.decode()
    assert not Payment.objects.exists()
    assert "132,000" in text  # the "still owed" message and the summary
    response = client.post(
        f"/orders/{order.uuid}/payments/",
        {
            "payment-paid_on": TODAY().isoformat(),
            "payment-amount": "132000",
            "payment-means": "bank_transfer",
        },
    )
    assert response.status_code == 302
    assert Payment.objects.get().amount == Decimal(132000)
