"""On a tablet: association staff open the district dashboard and see its charts drawn, each
with its table and CSV link, and the live panels connected to the district stream."""

from __future__ import annotations

import pytest

from tests.browser.conftest import TABLET_LANDSCAPE
from tests.browser.test_job_flow import sign_in_as
from tests.orders.dashboard_district import END, START, build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_see_the_charts_render_on_a_tablet(asgi_live_server, browser):
    hm = build()
    context = browser.new_context(viewport=TABLET_LANDSCAPE, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, asgi_live_server, hm.staff)
    page.goto(
        f"{asgi_live_server.url}/districts/{hm.district.slug}/dashboard/"
        f"?start={START.isoformat()}&end={END.isoformat()}"
    )
    for chart in ("#chart-weekly", "#chart-throughput", "#chart-lead-times", "#chart-network"):
        svg = page.locator(f"{chart} svg.chart-svg")
        assert svg.count() == 1, chart
        box = svg.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 80, chart
        assert page.locator(f"{chart} table").count() == 1
        assert page.locator(f"{chart} a.csv").count() == 1
    # The weekly chart drew its columns; the page fits the tablet's width.
    assert page.locator("#chart-weekly svg rect").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET_LANDSCAPE["width"]
    assert "旋削" in page.inner_text("#chart-throughput")
    page.wait_for_function("document.documentElement.getAttribute('data-live') === 'live'")
    context.close()
