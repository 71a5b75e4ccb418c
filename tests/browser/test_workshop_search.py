"""A factory owner on a tablet finds a grinding shop near them, in Japanese, by touch."""

from __future__ import annotations

import pytest

from tests.browser.conftest import TABLET_PORTRAIT, sign_in, tap_and_wait
from tests.conftest import add_capability, make_user, make_workshop
from workshops.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Controls a gloved finger must hit: at least 48 CSS pixels tall (and wide for icons).
MIN_TARGET = 48


@pytest.fixture
def district_with_shops(db):
    owner = make_user("owner", display_name="大田 一郎")
    home = make_workshop(
        "田中精機", owner=owner, lat=35.5613, lng=139.7161, name_kana="タナカセイキ"
    )
    near = make_workshop("近所研削", lat=35.5650, lng=139.7180, name_kana="キンジョケンサク")
    far = make_workshop("遠方研削", lat=35.6100, lng=139.7800, name_kana="エンポウケンサク")
    add_capability(near, "G", materials=["SUS304"], size=(300, 100, 100), tolerance=2)
    add_capability(far, "G", materials=["SUS304"], size=(300, 100, 100), tolerance=2)
    add_capability(home, "L", materials=["S45C"], size=(200, 50, 50), tolerance=10)
    return owner, home, near, far


def assert_touch_targets(page) -> None:
    too_small = page.evaluate(
        """(min) => Array.from(document.querySelectorAll(
              'main button, main a, main input:not([type=hidden]), main select, ' +
              'main textarea, header button, header a'))
            // offsetParent is undefined on SVG links: a hidden one has no box at all.
            .filter(el => el.offsetParent !== null && el.getClientRects().length > 0)
            // A checkbox or radio is tapped through the label that wraps it.
            .map(el => (el.type === 'checkbox' || el.type === 'radio') && el.closest('label')
                       ? el.closest('label') : el)
            .map(el => { const r = el.getBoundingClientRect();
                         return {html: el.outerHTML.slice(0, 80), h: r.height, w: r.width}; })
            .filter(r => r.h < min - 0.5)""",
        MIN_TARGET,
    )
    assert too_small == [], too_small


def test_owner_searches_by_process_and_sees_the_nearest_first(
    live_server, tablet, district_with_shops
):
    _owner, _home, _near, _far = district_with_shops
    page = tablet.new_page()
    sign_in(page, live_server, "owner", "pw-owner")
    page.goto(f"{live_server.url}/workshops/")
    assert page.get_attribute("html", "lang") == "ja"
    page.locator("details.filters").first.locator("summary").tap()
    page.get_by_label("研削", exact=True).check()
    page.fill("input[name=size]", "120x40x30")
    tap_and_wait(page, page.locator("#search-form button[type=submit]"))
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "近所研削" in rows.nth(0).inner_text()
    assert "遠方研削" in rows.nth(1).inner_text()
    assert "km" in rows.nth(0).inner_text()
    assert_touch_targets(page)
    # The page still reads without sideways scrolling of the whole page in portrait.
    page.set_viewport_size(TABLET_PORTRAIT)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_touch_targets(page)


def test_owner_edits_the_profile_and_switches_to_english(live_server, tablet, district_with_shops):
    _owner, home, _near, _far = district_with_shops
    page = tablet.new_page()
    sign_in(page, live_server, "owner", "pw-owner")
    page.goto(f"{live_server.url}/workshops/{home.uuid}/edit/")
    page.fill("input[name=headcount]", "-3")
    tap_and_wait(page, page.locator("#profile button[type=submit]"))
    assert page.locator(".form-errors").is_visible()
    home.refresh_from_db()
    assert home.headcount is None
    page.fill("input[name=headcount]", "7")
    tap_and_wait(page, page.locator("#profile button[type=submit]"))
    assert page.input_value("input[name=headcount]") == "7"
    home.refresh_from_db()
    assert home.headcount == 7
    page.locator("#topmenu > summary").tap()
    tap_and_wait(page, page.locator("header button[name=language][value=en]"))
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("text=Capabilities").first.is_visible()
    assert_touch_targets(page)


def test_owner_invites_a_floor_member(live_server, browser, district_with_shops):
    _owner, home, _near, _far = district_with_shops
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, "owner", "pw-owner")
    page.goto(f"{live_server.url}/workshops/{home.uuid}/members/")
    page.fill("input[name=email]", "yamada@example.jp")
    page.select_option("select[name=role]", Role.FLOOR)
    tap_and_wait(page, page.locator("form[novalidate] button[type=submit]"))
    link = page.locator("input[readonly]").input_value()
    context.close()

    newcomer = browser.new_context(viewport={"width": 800, "height": 1280}, has_touch=True)
    page = newcomer.new_page()
    page.goto(link)
    page.fill("input[name=username]", "yamada")
    page.fill("input[name=display_name]", "山田 花子")
    page.fill("input[name=password1]", "kousaku-kikai-2026")
    page.fill("input[name=password2]", "kousaku-kikai-2026")
    tap_and_wait(page, page.locator("main button[type=submit]"))
    assert "田中精機" in page.inner_text("main")
    assert home.memberships.get(user__username="yamada").role == Role.FLOOR
    newcomer.close()


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT, {"width": 1180, "height": 820}])
def test_a_search_that_finds_nothing_says_so_first_and_one_tap_loosens_it(
    live_server, browser, district_with_shops, viewport
):
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in(page, live_server, "owner", "pw-owner")
    page.goto(f"{live_server.url}/workshops/?process=G&material=S45C")
    notice = page.locator("#no-hits")
    assert notice.is_visible()
    assert "すべての条件に合う工場はありません" in notice.inner_text()
    box = notice.bounding_box()
    assert box["y"] < viewport["height"], box  # on the first screen, not under the filters
    assert_touch_targets(page)
    tap_and_wait(page, notice.locator("a[data-drops='材質']"))
    assert "material" not in page.url and "process=G" in page.url
    assert page.locator("tbody tr").count() == 2
    context.close()
