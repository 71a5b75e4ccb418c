"""The floor station on a tablet, against daphne serving HTTP and WebSockets: taps by the machine
appear on the hub's job page without a reload; taps made offline wait, visibly, and are sent
in order when the connection returns; a tap the server refuses is shown, not lost."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from orders.models import ProgressEvent, Step, StepStatus
from orders.services.progress import step_done, step_start
from orders.services.routing import order_accept, order_request
from tests.browser.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, tap_and_wait
from tests.browser.test_workshop_search import assert_touch_targets
from tests.orders.conftest import add, post_job, terms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms: generous, the machines are shared


def signed_in_page(browser, server, user, viewport=TABLET_LANDSCAPE):
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f"pw-{user.username}")
    tap_and_wait(page, page.locator("main form button[type=submit]"))
    return context, page


def wait_live(page) -> None:
    page.wait_for_selector("#live-indicator[data-state=live]", timeout=WAIT)


def eventually(check, timeout: float = 15.0):
    """Poll the database while the server thread writes to it. On SQLite's shared in-memory
    database a read can meet the server's write lock ("table is locked"): that is a retry."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except OperationalError:
            value = None
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def status_of(step) -> str:
    return Step.objects.get(pk=step.pk).status


def test_floor_taps_appear_live_on_the_hubs_job_page(asgi_live_server, browser, chain, routed_job):
    job, steps, _ = routed_job
    turn = steps["L"]
    floor_context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    hub_context, hub = signed_in_page(browser, asgi_live_server, chain.hub_owner)

    floor.goto(f"{asgi_live_server.url}/floor/")
    assert floor.get_attribute("html", "lang") == "ja"
    card = floor.locator(f"#floor-step-{turn.uuid}")
    assert card.locator(".revision").inner_text() == "—"
    assert "シャフト" in card.inner_text() and "MR-1001" in card.inner_text()
    wait_live(floor)
    assert_touch_targets(floor)

    hub.goto(f"{asgi_live_server.url}/jobs/{job.uuid}/")
    wait_live(hub)
    hub.evaluate("window.__notReloaded = true")

    card.locator("button", has_text="開始").tap()
    floor.wait_for_selector(f"#floor-step-{turn.uuid}.status-in_progress", timeout=WAIT)
    assert eventually(lambda: status_of(turn) == StepStatus.IN_PROGRESS)
    hub.wait_for_selector(f"#step-{turn.uuid}.status-in_progress", timeout=WAIT)

    # Done on the number pad: the good count is prefilled; type 98 over it, then 2 scrap.
    floor.locator(f"#floor-step-{turn.uuid} button", has_text="完了").tap()
    pad = floor.locator("#numpad")
    pad.wait_for(state="visible")
    assert pad.locator(".numpad-display.active strong").inner_text() == "100"
    assert_touch_targets(floor)  # the pad keys too
    pad.locator("[data-key='9']").tap()
    pad.locator("[data-key='8']").tap()
    pad.locator(".numpad-display").nth(1).tap()
    pad.locator("[data-key='2']").tap()
    pad.locator("[data-numpad-ok]").tap()
    assert eventually(lambda: status_of(turn) == StepStatus.DONE)
    done = Step.objects.get(pk=turn.pk)
    assert (done.good_qty, done.scrap_qty) == (98, 2)
    hub.wait_for_selector(f"#step-{turn.uuid}.status-done", timeout=WAIT)
    assert hub.evaluate("window.__notReloaded") is True

    # What to do next is on the floor: ship the 98 good parts on to the grinder.
    floor.wait_for_selector(f"#floor-ship-{turn.uuid}", timeout=WAIT)
    floor.set_viewport_size(TABLET_PORTRAIT)
    assert_touch_targets(floor)
    floor_context.close()
    hub_context.close()


def test_taps_made_offline_wait_as_pending_and_drain_in_order(
    asgi_live_server, browser, chain, routed_job
):
    _job, steps, _ = routed_job
    turn = steps["L"]
    other_job = post_job(chain, part_name="フランジ", drawing_number="MR-2002")
    other = add(other_job, chain, "L")
    order = order_request(
        job=other_job, actor=chain.hub_owner, supplier=chain.turner, steps=[other], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    other.refresh_from_db()
    assert other.status == StepStatus.READY

    context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    floor.goto(f"{asgi_live_server.url}/floor/")
    wait_live(floor)

    context.set_offline(True)
    floor.locator(f"#floor-step-{other.uuid} button", has_text="開始").tap()
    floor.locator(f"#floor-step-{turn.uuid} button", has_text="開始").tap()
    outbox = floor.locator("#floor-outbox")
    outbox.wait_for(state="visible")
    assert outbox.locator("li.pending").count() == 2
    assert "未送信" in outbox.inner_text()
    assert outbox.locator("h2.outbox-pending-title").is_visible()
    assert floor.locator(f"#floor-step-{turn.uuid} .pending-badge").is_visible()
    time.sleep(1)
    assert status_of(turn) == status_of(other) == StepStatus.READY  # nothing reached the server

    # The taps survive a reload while offline: they are kept on the tablet.
    context.set_offline(False)
    context.set_offline(True)
    assert (
        floor.evaluate(
            "JSON.parse(localStorage.getItem("
            f"'shopnet.floor.outbox.{chain.turner_floor.uuid}')).pending.length"
        )
        == 2
    )

    context.set_offline(False)
    outbox.wait_for(state="hidden", timeout=WAIT)
    assert eventually(lambda: status_of(turn) == status_of(other) == StepStatus.IN_PROGRESS)
    started = list(
        ProgressEvent.objects.filter(kind="step.started", step__in=[turn, other])
        .order_by("created_at", "pk")
        .values_list("step_id", flat=True)
    )
    assert started == [other.pk, turn.pk]  # in the order they were tapped, each once
    context.close()


def test_a_tap_the_server_refuses_is_shown_not_lost(asgi_live_server, browser, chain, routed_job):
    _job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    floor.goto(f"{asgi_live_server.url}/floor/")
    wait_live(floor)

    context.set_offline(True)
    floor.locator(f"#floor-step-{turn.uuid} button", has_text="完了").tap()
    floor.locator("#numpad [data-numpad-ok]").tap()
    floor.locator("#floor-outbox li.pending").wait_for()
    # Meanwhile the owner finishes the step from the office.
    step_done(step=turn, actor=chain.turner_owner, good=90, scrap=10)

    context.set_offline(False)
    refused = floor.locator("#floor-outbox li.refused")
    refused.wait_for(timeout=WAIT)
    assert "完了" in refused.inner_text() and "旋削" in refused.inner_text()
    # The service's own words from the error body's detail, not its code.
    assert "完了にできるのは進行中の工程だけです。" in refused.inner_text()
    assert "bad_state_done" not in refused.inner_text()
    assert floor.locator("#floor-outbox li.pending").count() == 0
    # Nothing waits any more: the outbox says what was refused, not "waiting to be sent".
    assert not floor.locator("#floor-outbox h2.outbox-pending-title").is_visible()
    assert floor.locator("#floor-outbox .outbox-refused-title").is_visible()
    step = Step.objects.get(pk=turn.pk)
    assert (step.good_qty, step.scrap_qty) == (90, 10)  # the office's counts stand
    # Dismissing it is the user's choice.
    refused.locator("button").tap()
    floor.locator("#floor-outbox").wait_for(state="hidden")
    context.close()


def test_the_hubs_page_shows_a_tap_from_the_event_itself_and_keeps_its_place(
    asgi_live_server, browser, chain, routed_job
):
    """The step's new state shows from the event alone, even before (here: without) the page
    being re-read; once re-read, the page is scrolled where the person left it."""
    job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    floor_context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    hub_context, hub = signed_in_page(browser, asgi_live_server, chain.hub_owner, TABLET_PORTRAIT)
    floor.goto(f"{asgi_live_server.url}/floor/")
    hub.goto(f"{asgi_live_server.url}/jobs/{job.uuid}/")
    wait_live(floor)
    wait_live(hub)
    card = hub.locator(f"#step-{turn.uuid}")
    assert card.locator("[data-status-label]").inner_text() == "進行中"

    # The page cannot be re-read: whatever changes, changes from the event.
    rereads = []

    def hold_back(route):
        rereads.append(route.request.url)
        route.abort()

    hub.route(f"**/jobs/{job.uuid}/", hold_back)
    floor.locator(f"#hold-{turn.uuid} summary").tap()
    floor.locator(f"#hold-{turn.uuid} input[name=reason]").first.check()
    floor.locator(f"#hold-{turn.uuid} button[type=submit]").tap()
    hub.wait_for_selector(f"#step-{turn.uuid}.status-on_hold", timeout=WAIT)
    assert card.locator("[data-status-label]").inner_text() == "保留中"
    assert rereads, "the page tried to re-read itself as well"
    hub.unroute(f"**/jobs/{job.uuid}/")

    # Re-read for real, scrolled down: the page stays where it was.
    hub.evaluate("window.scrollTo(0, 400)")
    scrolled = hub.evaluate("window.scrollY")
    assert scrolled > 0
    floor.locator(f"#floor-step-{turn.uuid} button", has_text="再開").tap()
    hub.wait_for_selector(f"#step-{turn.uuid}.status-in_progress", timeout=WAIT)
    hub.wait_for_function(
        f"!document.querySelector('#step-{turn.uuid}').hasAttribute('data-held-from')",
        timeout=WAIT,
    )
    assert hub.evaluate("window.scrollY") == scrolled
    floor_context.close()
    hub_context.close()
