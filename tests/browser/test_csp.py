"""Pages under the Content-Security-Policy, in Chromium: every page carries the header, none
logs a violation (nothing inline is left for it to block), and what used to be inline still
works: bars get their widths and swatches their colours from data- attributes, the live
stream connects."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET_LANDSCAPE
from tests.browser.test_job_flow import sign_in_as
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") +
    " " + (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""


@pytest.fixture
def watched(browser):
    context = browser.new_context(
        viewport=TABLET_LANDSCAPE, has_touch=True, locale="ja-JP", bypass_csp=False
    )
    context.add_init_script(WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    yield page, console
    context.close()


def visit(page, console, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy, url
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [] and console == [], (url, violations, console)


def test_the_pages_of_a_hub_show_no_csp_violation(asgi_live_server, watched, chain, routed_job):
    page, console = watched
    job, _steps, orders = routed_job
    base = asgi_live_server.url
    visit(page, console, f"{base}/accounts/login/")
    visit(page, console, f"{base}/accounts/password/reset/")
    sign_in_as(page, asgi_live_server, chain.hub_owner)
    for path in (
        "/",
        "/jobs/",
        f"/jobs/{job.uuid}/",
        f"/jobs/{job.uuid}/drawings/",
        "/orders/",
        f"/orders/{orders['plating'].uuid}/",
        "/board/",
        "/workshops/",
        f"/workshops/{chain.turner.uuid}/",
        f"/workshops/{chain.hub.uuid}/edit/",
        f"/workshops/{chain.hub.uuid}/members/",
        f"/workshops/{chain.hub.uuid}/load/",
        f"/workshops/{chain.hub.uuid}/history/",
        "/accounts/password/change/",
    ):
        visit(page, console, base + path)
    # The live stream connected under connect-src 'self'.
    visit(page, console, f"{base}/jobs/{job.uuid}/")
    # A locator, not wait_for_function: Playwright polls the latter with eval(), which the
    # policy refuses.
    expect(page.locator("html")).to_have_attribute("data-live", "live")
    assert page.evaluate("window.__cspViolations") == []


def test_floor_staff_pages_show_no_csp_violation(asgi_live_server, watched, chain, routed_job):
    page, console = watched
    sign_in_as(page, asgi_live_server, chain.turner_floor)
    visit(page, console, f"{asgi_live_server.url}/floor/")


def test_the_load_bars_get_their_widths(asgi_live_server, watched, chain, routed_job):
    from orders.models import Step
    from tests.orders.test_load import capacity, project

    _job, steps, _orders = routed_job
    project(Step.objects.get(pk=steps["L"].pk), 0, 1)
    capacity(chain.turner, "L", 40)
    page, console = watched
    sign_in_as(page, asgi_live_server, chain.turner_owner)
    visit(page, console, f"{asgi_live_server.url}/workshops/{chain.turner.uuid}/load/")
    widths = page.eval_on_selector_all(
        "[data-bar-width]",
        "nodes => nodes.map(n => [n.getAttribute('data-bar-width'), n.style.width])",
    )
    assert widths, "the load page shows bars"
    for wanted, applied in widths:
        assert applied == f"{min(float(wanted), 100):g}%"


def test_the_district_dashboard_shows_no_csp_violation(asgi_live_server, watched):
    from tests.districts.district import END, START, build

    page, console = watched
    hm = build()
    sign_in_as(page, asgi_live_server, hm.staff)
    visit(
        page,
        console,
        f"{asgi_live_server.url}/districts/{hm.district.slug}/dashboard/"
        f"?start={START.isoformat()}&end={END.isoformat()}",
    )
    swatches = page.eval_on_selector_all(
        "[data-swatch]", "nodes => nodes.map(n => getComputedStyle(n).backgroundColor)"
    )
    assert swatches and all(colour != "rgba(0, 0, 0, 0)" for colour in swatches)
    # A locator, not wait_for_function: Playwright polls the latter with eval(), which the
    # policy refuses.
    expect(page.locator("html")).to_have_attribute("data-live", "live")
    assert page.evaluate("window.__cspViolations") == []


def test_the_admin_shows_no_csp_violation(asgi_live_server, watched, chain):
    page, console = watched
    operator = make_user("operator", is_staff=True, is_superuser=True)
    page.goto(f"{asgi_live_server.url}/admin/login/")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "pw-operator")
    with page.expect_navigation():
        page.click("input[type=submit]")
    for path in (
        "/admin/",
        "/admin/workshops/user/",
        f"/admin/workshops/user/{operator.pk}/change/",
        "/admin/orders/order/",
    ):
        visit(page, console, asgi_live_server.url + path)
