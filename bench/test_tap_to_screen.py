"""Tap → screen: a floor tap on one tablet until the hub's job page shows it on another.

    .venv/bin/python -m pytest bench/test_tap_to_screen.py -s -p no:cacheprovider

Two Chromium tablets against daphne (HTTP and WebSockets) serving the suite's chain of shops:
the turner's floor station holds and resumes a step in progress, K times each; the hub's job
page is open on the other tablet. The time is from the floor's final tap (`pointerdown`) to the
moment the hub's page shows the step's new state (a MutationObserver), both read from the same
clock. Not part of `make test` (a timing is never a test assertion); the browser test
tests/browser/test_floor_live.py proves the same path works.
"""

from __future__ import annotations

import statistics
import time

import pytest

from orders.models import Step, StepStatus
from orders.services.progress import step_start
from tests.browser.test_floor_live import WAIT, signed_in_page, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROUNDS = 10  # holds, and as many resumes

WATCH = """(selector) => {
  window.__shownAt = null;
  const seen = () => document.querySelector(selector);
  const observer = new MutationObserver(() => {
    if (seen()) { observer.disconnect(); window.__shownAt = Date.now(); }
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true});
}"""

STAMP = """() => document.addEventListener("pointerdown", () => { window.__tapAt = Date.now(); },
  {capture: true})"""


def test_tap_to_screen(asgi_live_server, browser, chain, routed_job):
    job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    floor_context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    hub_context, hub = signed_in_page(browser, asgi_live_server, chain.hub_owner)
    floor.goto(f"{asgi_live_server.url}/floor/")
    hub.goto(f"{asgi_live_server.url}/jobs/{job.uuid}/")
    wait_live(floor)
    wait_live(hub)
    floor.evaluate(STAMP)
    card = f"#floor-step-{turn.uuid}"
    times = {"hold": [], "resume": []}
    for _ in range(ROUNDS):
        for action, state in (("hold", "on_hold"), ("resume", "in_progress")):
            before = "in_progress" if action == "hold" else "on_hold"
            floor.wait_for_selector(f"{card}.status-{before}", timeout=WAIT)
            hub.evaluate(WATCH, f"#step-{turn.uuid}.status-{state}")
            time.sleep(0.05)
            if action == "hold":
                floor.locator(f"#hold-{turn.uuid} summary").tap()
                floor.locator(f"#hold-{turn.uuid} input[name=reason]").first.check()
                floor.locator(f"#hold-{turn.uuid} button[type=submit]").tap()
            else:
                floor.locator(f"{card} button", has_text="再開").tap()
            hub.wait_for_function("window.__shownAt !== null", timeout=WAIT)
            shown_at, tapped_at = hub.evaluate("window.__shownAt"), floor.evaluate("window.__tapAt")
            times[action].append(shown_at - tapped_at)
            floor.wait_for_selector(f"{card}.status-{state}", timeout=WAIT)
            assert Step.objects.get(pk=turn.pk).status == StepStatus(state)
            time.sleep(0.2)
    every = times["hold"] + times["resume"]
    print()
    print(
        f"tap → screen over {len(every)} taps (ms): median {statistics.median(every):.0f}, "
        f"p90 {sorted(every)[int(0.9 * len(every)) - 1]:.0f}, max {max(every):.0f}; "
        f"hold median {statistics.median(times['hold']):.0f}, "
        f"resume median {statistics.median(times['resume']):.0f}"
    )
    floor_context.close()
    hub_context.close()
