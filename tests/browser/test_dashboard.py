"""On a tablet: association staff open the district dashboard and see its charts drawn, each
with its table and CSV link, and the live panels connected to the district stream."""

from __future__ import annotations

import pytest

from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT
from tests.browser.test_job_flow import sign_in_as
from tests.districts.district import END, START, build

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


def test_a_new_view_shows_its_progress_then_its_charts(
    asgi_live_server, browser, settings, monkeypatch
):
    """As deployed: the figures of a view nobody has opened are computed on the refresh thread;
    the page shows a progress bar, asks how far it has come, and opens again when done."""
    import threading

    from districts import cached

    settings.DISTRICT_STATS_REFRESH_IN_BACKGROUND = True
    settings.DISTRICT_STATS_WAIT_SECONDS = 0
    # The refresh waits for the test's word, so the page is seen while it runs.
    go = threading.Event()
    compute = cached.dashboard.district_dashboard

    def held(scope, names, on_section=None):
        if on_section is not None:  # the refresh thread, not the page's own targets
            go.wait(30)
        return compute(scope, names, on_section=on_section)

    monkeypatch.setattr(cached.dashboard, "district_dashboard", held)
    hm = build()
    context = browser.new_context(viewport=TABLET_PORTRAIT, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, asgi_live_server, hm.staff)
    asked = []
    page.on(
        "request",
        lambda request: (
            asked.append(request.url) if request.headers.get("x-shopnet-progress") else None
        ),
    )
    try:
        page.goto(
            f"{asgi_live_server.url}/districts/{hm.district.slug}/dashboard/"
            f"?start={START.isoformat()}&end={END.isoformat()}"
        )
        card = page.locator("[data-pending]")
        assert card.count() == 1
        assert "この表示の数値を計算しています" in card.inner_text()
        box = card.locator("progress").bounding_box()
        assert box and box["width"] > 300
        assert page.locator("#chart-weekly").count() == 0
        page.wait_for_function("document.querySelector('[data-done]').textContent === '1'")
        page.wait_for_timeout(1500)  # the page keeps asking while the figures are computed
        assert asked, "the page asked for its progress"
        assert page.locator("[data-pending]").count() == 1
    finally:
        go.set()
    page.wait_for_selector("#chart-weekly svg.chart-svg", timeout=30000)
    assert page.locator("[data-pending]").count() == 0
    assert page.locator("[data-as-of]").count() == 1
    cached.wait_for_refreshes()
    context.close()
