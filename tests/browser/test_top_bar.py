"""The top bar is one row on a portrait tablet, for a shop's owner, its floor staff and an
association's staff; what does not fit is behind the menu, which opens by tap."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_workshop_search import assert_touch_targets
from tests.conftest import make_workshop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 820, "height": 1180}
LANDSCAPE = {"width": 1180, "height": 820}


def bar_rows(page) -> dict:
    """The header's height and the distinct rows its visible items sit on."""
    return page.evaluate(
        """() => {
          const header = document.querySelector('header.topbar');
          const items = Array.from(header.querySelectorAll(
              ':scope > *, :scope > nav > *, :scope > details > summary'))
            .filter(el => el.offsetParent !== null && el.getBoundingClientRect().width > 0)
            .map(el => el.getBoundingClientRect());
          const centres = items.map(r => Math.round((r.top + r.bottom) / 2));
          const rows = [];
          centres.forEach(c => { if (!rows.some(r => Math.abs(r - c) < 12)) rows.push(c); });
          const nav = header.querySelector('nav.topnav');
          return {height: header.getBoundingClientRect().height, rows: rows.length,
                  navClipped: nav.scrollWidth > nav.clientWidth + 1};
        }"""
    )


def assert_one_row(page) -> None:
    bar = bar_rows(page)
    assert bar["rows"] == 1, bar
    assert bar["height"] <= 64, bar
    assert not bar["navClipped"], bar


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
@pytest.mark.parametrize("who", ["owner", "floor", "association"])
def test_the_top_bar_is_one_row_and_the_menu_holds_the_rest(
    live_server, browser, chain, routed_job, viewport, who
):
    job, _steps, _ = routed_job
    # An owner of two shops with long names: the bar that took three rows.
    make_workshop("株式会社 丸山製作所 第二工場", owner=chain.hub_owner)
    user, path = {
        "owner": (chain.hub_owner, f"/jobs/{job.uuid}/"),
        "floor": (chain.turner_floor, "/floor/"),
        "association": (chain.staff, "/"),
    }[who]
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in(page, live_server, user.username, f"pw-{user.username}")
    page.goto(f"{live_server.url}{path}")
    assert page.get_attribute("html", "lang") == "ja"
    assert_one_row(page)

    menu = page.locator("#topmenu")
    sign_out = menu.locator("button", has_text="ログアウト")
    assert not sign_out.is_visible()
    menu.locator("summary").tap()
    assert sign_out.is_visible() and menu.locator("button", has_text="English").is_visible()
    if who == "owner":
        assert menu.locator("a", has_text="株式会社 丸山製作所 第二工場").is_visible()
    # Every place of the bar is reachable: in the bar or, opened, in the menu.
    reachable = page.evaluate(
        """() => Array.from(document.querySelectorAll('header a'))
              .filter(a => a.offsetParent !== null).map(a => a.getAttribute('href'))"""
    )
    for place in ("/jobs/", "/orders/", "/workshops/"):
        assert place in reachable, reachable
    assert_touch_targets(page)
    context.close()
