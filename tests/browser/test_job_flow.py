"""On a tablet: the floor at a supplier starts and finishes its step from the job page, the
hub sees the order graph; every control is big enough for a gloved finger."""

from __future__ import annotations

import pytest

from orders.models import Step, StepStatus
from tests.browser.conftest import TABLET_PORTRAIT, tap_and_wait
from tests.browser.test_workshop_search import assert_touch_targets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f"pw-{user.username}")
    tap_and_wait(page, page.locator("main form button[type=submit]"))


def test_floor_staff_start_and_finish_a_step_by_touch(live_server, browser, chain, routed_job):
    job, steps, _orders = routed_job
    context = browser.new_context(viewport=TABLET_PORTRAIT, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, chain.turner_floor)
    page.goto(f"{live_server.url}/jobs/{job.uuid}/")
    card = page.locator(f"#step-{steps['L'].uuid}")
    tap_and_wait(page, card.locator("button", has_text="開始"))
    assert Step.objects.get(pk=steps["L"].pk).status == StepStatus.IN_PROGRESS
    card = page.locator(f"#step-{steps['L'].uuid}")
    card.locator("input[name=good]").fill("98")
    card.locator("input[name=scrap]").fill("2")
    assert_touch_targets(page)
    tap_and_wait(page, card.locator("button", has_text="完了"))
    step = Step.objects.get(pk=steps["L"].pk)
    assert (step.status, step.good_qty, step.scrap_qty) == (StepStatus.DONE, 98, 2)
    # No prices anywhere for floor staff.
    assert "¥" not in page.inner_text("main")
    context.close()


def test_the_hub_sees_the_order_graph_and_the_customer(live_server, browser, chain, routed_job):
    job, _steps, _orders = routed_job
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    page = context.new_page()
    sign_in_as(page, live_server, chain.hub_owner)
    page.goto(f"{live_server.url}/jobs/{job.uuid}/")
    nodes = page.locator(".graph-across svg g[data-step]")
    assert nodes.count() == 5
    assert "株式会社 秘密顧客" in page.inner_text("main")
    # The sub-order's price stays between its two parties.
    assert "¥30,000" not in page.inner_text("main")
    assert "¥120,000" in page.inner_text("main")
    assert_touch_targets(page)
    context.close()
