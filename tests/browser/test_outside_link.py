"""An outside shop on a phone (375×667) accepts a request through its link, starts, finishes
and ships, with no account; the hub's job page, open in another browser, follows each step
live without a reload."""

from __future__ import annotations

import pytest

from orders.models import HandOff, Order, Step, StepStatus
from outside.links import token_for
from outside.services import outside_order_request
from tests.browser.conftest import tap_and_wait
from tests.browser.test_floor_live import WAIT, eventually, signed_in_page, wait_live
from tests.browser.test_workshop_search import assert_touch_targets
from tests.orders.conftest import add, post_job, terms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}


def test_an_outside_shop_accepts_and_ships_by_phone_while_the_hub_watches(
    asgi_live_server, browser, chain
):
    job = post_job(chain)
    turn = add(job, chain, "L", 6)
    add(job, chain, "G", 3, after=[turn])
    link = outside_order_request(
        job=job,
        actor=chain.hub_owner,
        steps=[turn],
        terms=terms(),
        shop={"name": "大森研磨", "email": "omori@example.jp"},
    )
    hub_context, hub = signed_in_page(browser, asgi_live_server, chain.hub_owner)
    hub.goto(f"{asgi_live_server.url}/jobs/{job.uuid}/")
    wait_live(hub)
    hub.evaluate("window.__notReloaded = true")

    phone_context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, locale="ja-JP"
    )
    phone = phone_context.new_page()
    response = phone.goto(f"{asgi_live_server.url}/l/{token_for(link)}/")
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert "¥120,000" in phone.inner_text("main")
    # Nothing wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_touch_targets(phone)

    # Accept, through the confirm step.
    phone.locator("button[data-action=accept]").tap()
    with phone.expect_navigation():
        phone.locator("#confirm-dialog button[value=yes]").tap()
    assert eventually(lambda: Order.objects.get(pk=link.order.pk).status == "accepted")
    hub.wait_for_selector(f"#step-{turn.uuid}.status-ready", timeout=WAIT)

    tap_and_wait(phone, phone.locator("button[data-action=start]"))
    hub.wait_for_selector(f"#step-{turn.uuid}.status-in_progress", timeout=WAIT)

    phone.locator(f"#done-good-{turn.uuid}").fill("98")
    phone.locator(f"#done-scrap-{turn.uuid}").fill("2")
    assert_touch_targets(phone)
    tap_and_wait(phone, phone.locator("button[data-action=done]"))
    hub.wait_for_selector(f"#step-{turn.uuid}.status-done", timeout=WAIT)
    step = Step.objects.get(pk=turn.pk)
    assert (step.status, step.good_qty, step.scrap_qty) == (StepStatus.DONE, 98, 2)

    phone.locator(f"input[name=ship-{turn.uuid}-quantity]").fill("60")
    tap_and_wait(phone, phone.locator("button[data-action=ship]"))
    handoff = eventually(lambda: HandOff.objects.filter(from_step=turn).first())
    assert handoff is not None and handoff.quantity_shipped == 60
    assert phone.locator(f"[data-handoff='{handoff.uuid}']").count() == 1

    # The hub's page followed every step by itself, and says who did it.
    hub.wait_for_function("document.body.innerText.includes('大森研磨（リンク）')", timeout=WAIT)
    assert hub.evaluate("window.__notReloaded") is True
    phone_context.close()
    hub_context.close()
