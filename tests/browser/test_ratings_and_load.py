"""On a tablet in portrait: the buyer rates a delivered order by tapping big score buttons, and a
shop's owner reads its load table without scrolling sideways."""

from __future__ import annotations

import pytest

from orders.models import Rating, Step
from tests.browser.conftest import TABLET_PORTRAIT, sign_in, tap_and_wait
from tests.orders.test_load import capacity, project
from tests.orders.test_ratings import delivered_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portrait(browser):
    context = browser.new_context(viewport=TABLET_PORTRAIT, has_touch=True, locale="ja-JP")
    yield context
    context.close()


def test_the_buyer_rates_with_big_score_buttons(live_server, portrait, chain):
    order = delivered_order(chain)
    page = portrait.new_page()
    sign_in(page, live_server, "hub-owner", "pw-hub-owner")
    page.goto(f"{live_server.url}/orders/{order.uuid}/")
    for name, score in (("quality", 5), ("delivery", 4), ("cost", 3)):
        label = page.locator(f"label[for=id_{name}_{score - 1}]")
        box = label.bounding_box()
        assert box["width"] >= 48 and box["height"] >= 48
        label.tap()
    page.fill("textarea[name=comment]", "段取りが早い")
    tap_and_wait(page, page.locator("#rating button[type=submit]"))
    rating = Rating.objects.get(order=order)
    assert (rating.quality, rating.delivery, rating.cost) == (5, 4, 3)
    assert "段取りが早い" in page.content()


def test_the_load_table_reads_in_portrait(live_server, portrait, chain, routed_job):
    _job, steps, _orders = routed_job
    project(Step.objects.get(pk=steps["L"].pk), 0, 1)
    capacity(chain.turner, "L", 4)
    page = portrait.new_page()
    sign_in(page, live_server, "turner-owner", "pw-turner-owner")
    page.goto(f"{live_server.url}/workshops/{chain.turner.uuid}/load/")
    assert page.locator("td.over .over-label").first.is_visible()
    overflow = page.evaluate(
        "() => document.querySelector('.table-wrap').scrollWidth"
        " - document.querySelector('.table-wrap').clientWidth"
    )
    assert overflow <= 0
