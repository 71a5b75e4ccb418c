"""The shop calendar and the payment terms pages on a tablet, and the route form's payment
date prefill, in a real browser (Japanese, touch)."""

from __future__ import annotations

import datetime as dt

import pytest

from orders.services.terms import trading_terms_set
from tests.browser.conftest import tap_and_wait
from tests.browser.test_tablet_forms import LANDSCAPE, MEASURE, MIN_TARGET, PORTRAIT, sign_in_as
from tests.orders.conftest import add, post_job
from workshops.models import Workshop
from workshops.services import workshop_calendar_add_break, workshop_calendar_add_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_the_calendar_and_terms_pages_have_finger_sized_controls(
    live_server, browser, chain, viewport
):
    workshop_calendar_add_days(
        workshop=chain.hub,
        actor=chain.hub_owner,
        closed=True,
        first=dt.date(2027, 4, 29),
        last=dt.date(2027, 5, 5),
        note="ゴールデンウィーク",
    )
    workshop_calendar_add_break(
        workshop=chain.hub, actor=chain.hub_owner, start=dt.time(12), end=dt.time(13)
    )
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, chain.hub_owner)
    too_small = {}
    for name, path in {
        "calendar": f"/workshops/{chain.hub.uuid}/calendar/",
        "terms": f"/trading/{chain.hub.uuid}/{chain.turner.uuid}/terms/",
    }.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, name
        found = page.evaluate(MEASURE, MIN_TARGET)
        if found:
            too_small[name] = found
    context.close()
    assert too_small == {}


def test_a_manager_closes_the_shop_for_obon_by_tapping(live_server, browser, chain):
    context = browser.new_context(viewport=PORTRAIT, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, chain.hub_owner)
    page.goto(f"{live_server.url}/workshops/{chain.hub.uuid}/calendar/")
    page.locator("input[name=days-first]").fill("2027-08-13")
    page.locator("input[name=days-last]").fill("2027-08-16")
    page.locator("input[name=days-note]").fill("お盆休み")
    tap_and_wait(page, page.locator("#days form button[type=submit]").last)
    assert "お盆休み" in page.locator("#days").inner_text()
    assert Workshop.objects.get(pk=chain.hub.pk).closed_days == [
        {"first": "2027-08-13", "last": "2027-08-16", "note": "お盆休み"}
    ]
    context.close()


def test_the_route_form_fills_in_the_payment_date_from_the_terms(live_server, browser, chain):
    trading_terms_set(
        buyer=chain.hub,
        supplier=chain.turner,
        actor=chain.hub_owner,
        closing_day=31,
        payment_month_offset=1,
        payment_day=31,
    )
    job = post_job(chain, due_date=dt.date(2027, 6, 30))
    turn = add(job, chain, "L", 4)
    context = browser.new_context(viewport=LANDSCAPE, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, chain.hub_owner)
    page.goto(f"{live_server.url}/jobs/{job.uuid}/route/?step={turn.uuid}")
    page.locator(f"input[name=supplier][value='{chain.turner.uuid}']").check()
    page.locator("#id_due_date").fill("2027-03-10")
    page.locator("#id_due_date").dispatch_event("change")
    page.wait_for_function("document.querySelector('#id_payment_due_date').value === '2027-04-30'")
    assert "月末締め翌月末払い" in page.locator("#payment-terms-note").inner_text()
    # A date the buyer types is kept when the delivery date changes again.
    page.locator("#id_payment_due_date").fill("2027-04-20")
    page.locator("#id_payment_due_date").dispatch_event("change")
    page.locator("#id_due_date").fill("2027-03-12")
    page.locator("#id_due_date").dispatch_event("change")
    page.wait_for_timeout(500)
    assert page.locator("#id_payment_due_date").input_value() == "2027-04-20"
    context.close()
