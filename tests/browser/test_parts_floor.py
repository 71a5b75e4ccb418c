"""Parts on the floor, on a portrait tablet (820×1180): the turning shop's floor staff ship one
part to two destinations with two buttons that each name the part, the shop and the step; one
destination rejects a blank and sends it back; the turning shop's floor receives the return
from its card (marked 返品), and its owner opens a rework step from the return card."""

from __future__ import annotations

import pytest

from orders.models import HandOff, HandOffKind, Part, Step, StepStatus
from orders.services.handoffs import handoff_receive, handoff_return
from orders.services.jobs import step_add
from orders.services.parts import part_add
from orders.services.progress import step_done, step_start
from orders.services.routing import order_accept, order_request
from tests.browser.conftest import tap_and_wait
from tests.browser.test_floor_live import eventually, signed_in_page
from tests.browser.test_workshop_search import assert_touch_targets
from tests.orders.conftest import post_job, terms
from workshops.models import Process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTRAIT = {"width": 820, "height": 1180}
WAIT = 15_000


def _branched(chain):
    """38 blanks turned at the turner (ordered); 19 milled into brackets and 19 ground into
    shafts at the hub."""
    job = post_job(chain, part_name="ギアユニット", quantity=19)
    blank = part_add(job=job, actor=chain.hub_owner, data={"name": "素材", "quantity": 38})
    bracket = part_add(job=job, actor=chain.hub_owner, data={"name": "ブラケット", "quantity": 19})
    shaft = part_add(job=job, actor=chain.hub_owner, data={"name": "シャフト", "quantity": 19})

    def step(code, part, quantity, after=()):
        return step_add(
            job=job,
            actor=chain.hub_owner,
            process=Process.objects.get(code=code),
            planned_hours=2,
            quantity=quantity,
            after=after,
            part=part,
        )

    turn = step("L", blank, 38)
    mill = step("M", bracket, 19, [turn])
    grind = step("G", shaft, 19, [turn])
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=38)
    return job, turn, mill, grind


def _ship_through_the_pad(page, button) -> None:
    button.tap()
    pad = page.locator("#numpad")
    pad.wait_for(state="visible", timeout=WAIT)
    assert pad.locator(".numpad-display.active strong").inner_text() == "19"
    pad.locator("[data-numpad-ok]").tap()


def test_floor_ships_one_part_to_two_destinations_and_receives_a_return(
    asgi_live_server, browser, chain
):
    job, turn, mill, grind = _branched(chain)
    server = asgi_live_server.url
    context, floor = signed_in_page(browser, asgi_live_server, chain.turner_floor, PORTRAIT)
    floor.goto(f"{server}/floor/")
    card = floor.locator(f"#floor-ship-{turn.uuid}")
    buttons = card.locator("button[data-numpad]")
    assert buttons.count() == 2
    labels = [buttons.nth(i).inner_text() for i in range(2)]
    # Two buttons, never alike: each names the part, the shop and the step.
    assert labels[0] != labels[1]
    for label, process in zip(labels, ("フライス", "研削"), strict=True):
        assert "素材" in label and "丸山製作所" in label and process in label, label
    assert_touch_targets(floor)

    _ship_through_the_pad(floor, card.locator("button", has_text="フライス"))
    assert eventually(lambda: HandOff.objects.filter(from_step=turn, to_step=mill).exists())
    floor.goto(f"{server}/floor/")
    # The first branch's 19 do not use up the lot: the second button is still there.
    card = floor.locator(f"#floor-ship-{turn.uuid}")
    assert card.locator("button[data-numpad]").count() == 1
    _ship_through_the_pad(floor, card.locator("button", has_text="研削"))
    assert eventually(lambda: HandOff.objects.filter(from_step=turn, to_step=grind).exists())
    shipped = {h.to_step_id: h for h in HandOff.objects.filter(from_step=turn)}
    assert {h.quantity_shipped for h in shipped.values()} == {19}
    assert {h.part.name for h in shipped.values()} == {"素材"}

    # The hub rejects one blank for grinding and sends it back.
    to_grind = shipped[grind.pk]
    handoff_receive(
        handoff=to_grind, actor=chain.hub_floor, quantity=19, rejected=1, cause="dimension"
    )
    back = handoff_return(
        handoff=to_grind, actor=chain.hub_owner, quantity=1, cause="dimension", note="外径不良"
    )

    # The turning shop's floor sees the return arriving, marked as such, and receives it.
    floor.goto(f"{server}/floor/")
    arriving = floor.locator(f"#floor-handoff-{back.uuid}")
    arriving.wait_for(state="visible", timeout=WAIT)
    assert "返品" in arriving.inner_text() and "素材" in arriving.inner_text()
    assert_touch_targets(floor)
    arriving.locator("button[data-numpad]").tap()
    floor.locator("#numpad").wait_for(state="visible", timeout=WAIT)
    floor.locator("#numpad [data-numpad-ok]").tap()
    assert eventually(lambda: HandOff.objects.get(pk=back.pk).quantity_received == 1)
    floor.goto(f"{server}/floor/")
    # Received: no longer arriving; what to do with it is for the shop's managers.
    assert floor.locator(f"#floor-handoff-{back.uuid}").count() == 0
    assert floor.locator(f"#floor-return-{back.uuid}").count() == 0
    context.close()

    # Its owner opens a rework step from the return card.
    context, owner = signed_in_page(browser, asgi_live_server, chain.turner_owner, PORTRAIT)
    owner.goto(f"{server}/floor/")
    returned = owner.locator(f"#floor-return-{back.uuid}")
    returned.wait_for(state="visible", timeout=WAIT)
    assert "外径不良" in returned.inner_text() and "素材" in returned.inner_text()
    assert_touch_targets(owner)
    returned.locator("input[value=rework]").check()
    tap_and_wait(owner, returned.locator("button[type=submit]"))
    rework = eventually(lambda: Step.objects.filter(rework_of=turn).first())
    assert rework is not None
    assert (rework.status, rework.workshop_id, rework.quantity) == (
        StepStatus.READY,
        chain.turner.pk,
        1,
    )
    assert rework.part == Part.objects.get(job=job, name="素材")
    assert HandOff.objects.get(pk=back.pk).resolved_by_step_id == rework.pk
    assert HandOff.objects.get(pk=back.pk).kind == HandOffKind.RETURN
    # The rework is on the turning shop's queue.
    owner.goto(f"{server}/floor/")
    owner.locator(f"#floor-step-{rework.uuid}").wait_for(state="visible", timeout=WAIT)
    context.close()


def test_the_hub_adds_a_part_on_a_portrait_tablet_seeing_every_error_at_once(
    asgi_live_server, browser, chain
):
    job = post_job(chain, part_name="ギアユニット", quantity=19)
    server = asgi_live_server.url
    context, page = signed_in_page(browser, asgi_live_server, chain.hub_owner, PORTRAIT)
    page.goto(f"{server}/jobs/{job.uuid}/")
    tap_and_wait(page, page.locator("#job-parts a", has_text="部品を追加"))
    assert_touch_targets(page)
    page.fill("input[name=name]", "")
    page.fill("input[name=quantity]", "-1")
    tap_and_wait(page, page.locator("#part-form button[type=submit]"))
    # The name and the quantity, in one answer.
    assert page.locator(".has-error input[name=name]").count() == 1
    assert page.locator(".has-error input[name=quantity]").count() == 1
    assert (
        "1以上" in page.locator(".has-error", has=page.locator("input[name=quantity]")).inner_text()
    )
    assert_touch_targets(page)
    page.fill("input[name=name]", "ブラケット")
    page.fill("input[name=quantity]", "３８")
    page.fill("input[name=revision]", "B")
    tap_and_wait(page, page.locator("#part-form button[type=submit]"))
    assert page.url.endswith(f"/jobs/{job.uuid}/")
    assert "ブラケット" in page.locator("#job-parts").inner_text()
    part = Part.objects.get(job=job, name="ブラケット")
    assert (part.quantity, part.revision) == (38, "B")
    context.close()
