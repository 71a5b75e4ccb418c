"""The floor station as a tablet app: installed from the home screen, it reopens with the Wi-Fi
down and shows its last queue, the taps waiting to be sent and an offline notice; when the
connection returns the taps go out. Portrait and landscape."""

from __future__ import annotations

import pytest

from orders.models import HandOff, StepStatus
from orders.services.progress import step_done, step_start
from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, log_line
from tests.browser.test_floor_live import WAIT, eventually, signed_in_page, status_of, wait_live
from tests.browser.test_workshop_search import assert_touch_targets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEPT = "caches.open('shopnet-pages').then(c => c.match(location.href)).then(r => !!r)"


class WifiDown:
    """The Wi-Fi down for the whole tablet: the browser's offline mode for the pages, every
    request of the context aborted as a dropped connection, the service worker's own fetches
    included (the offline mode alone does not reach them, so a worker would still get through
    to the server), and the live server unplugged (see Unplugged in conftest.py: Chromium lets
    the first fetch of a page the worker has just answered from its copy through both of the
    others now and then). Records what was tried, to show the page came from the worker's copy.
    """

    def __init__(self, context, server) -> None:
        self.context = context
        self.server = server
        # (url, whether the service worker asked for it) of every request refused
        self.tried: list[tuple[str, bool]] = []
        log_line("WifiDown: down")
        server.network.unplug()
        context.set_offline(True)
        context.route("**/*", self._abort)

    def _abort(self, route) -> None:
        request = route.request
        self.tried.append((request.url, request.service_worker is not None))
        route.abort("internetdisconnected")

    def restore(self) -> None:
        # The server first: the page's "online" event sends the outbox at once.
        self.server.network.plug_in()
        self.context.unroute("**/*", self._abort)
        self.context.set_offline(False)
        log_line("WifiDown: restored")


def wait_until_kept(page) -> None:
    """The worker controls the page and has kept a copy of it. (The worker being ready is not
    enough: it takes control of an open page a moment later, when it claims it.)"""
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)", timeout=WAIT)
    page.wait_for_function("!!navigator.serviceWorker.controller", timeout=WAIT)
    page.wait_for_function(KEPT, timeout=WAIT)


@pytest.mark.parametrize(
    "viewport", [TABLET_LANDSCAPE, TABLET_PORTRAIT], ids=["landscape", "portrait"]
)
def test_the_floor_reopens_offline_with_its_queue_its_outbox_and_a_notice(
    asgi_live_server, browser, chain, routed_job, viewport
):
    _job, steps, _ = routed_job
    turn = steps["L"]
    context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor, viewport)
    floor.goto(f"{asgi_live_server.url}/floor/")
    wait_live(floor)
    wait_until_kept(floor)
    notice = floor.locator("#floor-offline")
    assert notice.is_hidden()

    # The Wi-Fi goes down; a tap waits in the outbox; the tablet reloads.
    wifi = WifiDown(context, asgi_live_server)
    floor.locator(f"#floor-step-{turn.uuid} button", has_text="開始").tap()
    outbox = floor.locator("#floor-outbox")
    outbox.wait_for(state="visible")
    floor.reload()

    card = floor.locator(f"#floor-step-{turn.uuid}")
    card.wait_for(state="visible")
    assert "シャフト" in card.inner_text()
    outbox.wait_for(state="visible")
    assert outbox.locator("li.pending").count() == 1
    assert "未送信" in outbox.inner_text()
    notice.wait_for(state="visible")
    assert "オフライン" in notice.inner_text()
    assert notice.locator("xpath=following-sibling::*[1]").get_attribute("id") == "floor-outbox"
    assert_touch_targets(floor)
    # The page is the worker's copy: the worker asked the network for it (and was refused,
    # as was every other request), then answered with what it had kept.
    assert notice.get_attribute("data-served") == "copy"
    assert any(
        by_worker and url.split("?")[0].endswith("/floor/") for url, by_worker in wifi.tried
    ), wifi.tried
    assert status_of(turn) == StepStatus.READY  # nothing reached the server

    # The connection returns: the tap goes out and the notice goes away.
    wifi.restore()
    outbox.wait_for(state="hidden", timeout=WAIT)
    assert eventually(lambda: status_of(turn) == StepStatus.IN_PROGRESS)
    notice.wait_for(state="hidden", timeout=WAIT)
    context.close()


def test_each_tap_on_the_kept_copy_is_sent_once_under_a_key_of_its_own(
    asgi_live_server, browser, chain, routed_job
):
    """The worker's copy of the floor was rendered once, keys in its forms included, and comes
    back the same on every reload: three shipments tapped on it, a reload between each, are
    three shipments when the connection returns, not one applied and two taken for repeats."""
    _job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    floor.goto(f"{asgi_live_server.url}/floor/")
    wait_live(floor)
    wait_until_kept(floor)

    wifi = WifiDown(context, asgi_live_server)
    pending = floor.locator("#floor-outbox li.pending")
    pad = floor.locator("#numpad")
    for count, quantity in enumerate("321", start=1):
        floor.reload()
        assert floor.locator("#floor-offline").get_attribute("data-served") == "copy"
        floor.locator(f"#floor-ship-{turn.uuid} button[data-numpad]").tap()
        pad.wait_for(state="visible")
        pad.locator(f"[data-key='{quantity}']").tap()
        pad.locator("[data-numpad-ok]").tap()
        pending.nth(count - 1).wait_for(state="visible")
    keys = floor.evaluate(
        """() => Object.keys(localStorage)
            .filter((name) => name.startsWith("shopnet.floor.outbox."))
            .flatMap((name) => JSON.parse(localStorage.getItem(name)).pending)
            .map((task) => task.key)"""
    )
    assert len(keys) == len(set(keys)) == 3, keys
    assert not HandOff.objects.filter(from_step=turn).exists()

    wifi.restore()
    floor.locator("#floor-outbox").wait_for(state="hidden", timeout=WAIT)
    shipped = lambda: sorted(h.quantity_shipped for h in HandOff.objects.filter(from_step=turn))  # noqa: E731
    assert eventually(lambda: shipped() == [1, 2, 3]), shipped()
    context.close()


def test_the_first_visit_is_kept_for_offline_without_a_second_one(
    asgi_live_server, browser, chain, routed_job
):
    context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    floor.goto(f"{asgi_live_server.url}/floor/?workshop={chain.turner.uuid}")
    wait_until_kept(floor)
    WifiDown(context, asgi_live_server)
    floor.reload()
    floor.locator(".floor-queue .floor-card").first.wait_for(state="visible")
    assert floor.locator("#floor-offline").is_visible()
    assert floor.locator("#floor-offline").get_attribute("data-served") == "copy"
    context.close()


def test_signing_out_drops_the_kept_floor(asgi_live_server, browser, chain, routed_job):
    context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    floor.goto(f"{asgi_live_server.url}/floor/")
    wait_until_kept(floor)
    with floor.expect_navigation():
        floor.locator("#topmenu > summary").click()  # sign-out sits behind the menu
        floor.locator("header form[action='/accounts/logout/'] button").click()
    floor.goto(f"{asgi_live_server.url}/accounts/login/")
    assert (
        floor.evaluate("caches.open('shopnet-pages').then(c => c.keys()).then(k => k.length)") == 0
    )
    context.close()
