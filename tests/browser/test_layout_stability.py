"""Nothing moves under a finger: once a page has loaded, what arrives after it (the live
indicator's state, the drawings strip, a live refresh) shifts no control on a tablet.

A tap that lands where a button was a moment ago starts the wrong step; Chromium's layout-shift
entries record every such move, and these tests require there to be none."""

from __future__ import annotations

import pytest

from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT
from tests.browser.test_job_flow import sign_in_as
from tests.drawings.conftest import add_drawing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms

RECORD_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => list.getEntries().forEach((entry) => window.__shifts.push({
  value: entry.value,
  sources: entry.sources.map((s) => s.node && (s.node.id || s.node.className || s.node.nodeName)),
}))).observe({type: "layout-shift", buffered: true});
"""


@pytest.fixture(autouse=True)
def _previews_in_process(settings):
    settings.DRAWINGS_PREVIEW_ISOLATED = False


def open_page(browser, live_server, user, viewport):
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ja-JP")
    context.add_init_script(RECORD_SHIFTS)
    page = context.new_page()
    sign_in_as(page, live_server, user)
    return context, page


def shifts(page) -> list:
    return page.evaluate("window.__shifts")


def settled_job_page(page, chips: int) -> None:
    """The drawings strip has loaded with its thumbnails, and the live indicator has shown a
    state (no socket behind this server: it goes on to say the page is offline)."""
    page.wait_for_function(
        """(n) => {
          const imgs = document.querySelectorAll('#job-drawings .drawing-chip img');
          return document.querySelector('#job-drawings .drawing-panel:not([aria-busy])')
            && imgs.length === n && [...imgs].every((img) => img.complete);
        }""",
        arg=chips,
        timeout=WAIT,
    )
    page.wait_for_selector("#live-indicator[data-state=offline]", timeout=WAIT)


@pytest.mark.parametrize(
    "viewport", [TABLET_PORTRAIT, TABLET_LANDSCAPE], ids=["portrait", "landscape"]
)
@pytest.mark.parametrize("drawings", [0, 2])
def test_the_job_page_does_not_move_once_loaded(
    live_server, browser, chain, routed_job, viewport, drawings
):
    job, steps, _orders = routed_job
    for number in range(drawings):
        add_drawing(chain, job, "png", number=f"MR-{number}", steps=[steps["L"]])
    context, page = open_page(browser, live_server, chain.turner_floor, viewport)
    page.goto(f"{live_server.url}/jobs/{job.uuid}/")
    start = page.locator(f"#step-{steps['L'].uuid} button", has_text="開始")
    at_load = start.bounding_box()

    settled_job_page(page, drawings)
    assert shifts(page) == []
    assert start.bounding_box() == at_load

    # A live refresh re-reads the page: the drawings stay as they are, nothing moves.
    chip_images = page.locator("#job-drawings img")
    same_images = "[...document.querySelectorAll('#job-drawings img')]"
    page.evaluate(f"window.__drawingsBefore = {same_images}")
    page.evaluate(
        """() => new Promise((done) => {
          document.addEventListener("shopnet:drawings-loaded", () => done(true), {once: true});
          window.shopnetLive.refresh();
        })"""
    )
    assert shifts(page) == []
    assert start.bounding_box() == at_load
    assert chip_images.count() == drawings
    assert page.evaluate(f"{same_images}.every((img, i) => img === window.__drawingsBefore[i])")
    context.close()


def test_the_floor_station_does_not_move_once_loaded(live_server, browser, chain, routed_job):
    _job, steps, _orders = routed_job
    context, page = open_page(browser, live_server, chain.turner_floor, TABLET_PORTRAIT)
    page.goto(f"{live_server.url}/floor/")
    start = page.locator(f"#floor-step-{steps['L'].uuid} button", has_text="開始")
    at_load = start.bounding_box()
    page.wait_for_selector("#live-indicator[data-state=offline]", timeout=WAIT)
    assert shifts(page) == []
    assert start.bounding_box() == at_load
    context.close()
