"""Forms and controls on a tablet (1180×820 landscape and 820×1180 portrait, Japanese): every
control is big enough for a finger, and acts that bind ask first in a dialog."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from board import services as board_services
from board.models import PostingStatus
from orders.models import Order, OrderStatus
from orders.services.routing import order_request
from tests.browser.conftest import tap_and_wait
from tests.orders.conftest import add, in_days, post_job, terms
from workshops.models import Material

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDSCAPE = {"width": 1180, "height": 820}
PORTRAIT = {"width": 820, "height": 1180}
MIN_TARGET = 48

# Every interactive element the user can see, measured in its smaller dimension. A checkbox or
# radio is measured by the label that wraps it (the label is what the finger hits). Links
# inside running text (a <p> of prose, a help line) are left out on purpose: making a word in
# a sentence 48 px wide would break the sentence, and such links repeat a control that is
# also offered as a button on the same page; every other link must be a 48 px target.
MEASURE = """(min) => {
  const seen = new Set();
  return Array.from(document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary'))
    .filter(el => !el.closest('dialog:not([open])'))
    .filter(el => !(el.tagName === 'A' && el.closest('p, .help, .muted, td p')))
    .map(el => (el.type === 'checkbox' || el.type === 'radio') && el.closest('label')
               ? el.closest('label') : el)
    .filter(el => { if (seen.has(el)) return false; seen.add(el); return true; })
    .map(el => { const r = el.getBoundingClientRect();
                 return {html: el.outerHTML.slice(0, 100), h: Math.round(r.height),
                         w: Math.round(r.width), hidden: el.offsetParent === null}; })
    .filter(r => !r.hidden && r.w > 0 && r.h > 0)
    .filter(r => Math.min(r.h, r.w) < min - 0.5);
}"""


def sign_in_as(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f"pw-{user.username}")
    tap_and_wait(page, page.locator("main form button[type=submit]"))


@pytest.fixture
def district_job(chain, district):
    """The chain in the Ota district; a job with a routed turning step (requested, not yet
    accepted) and a grinding step posted on the board with the grinder's offer."""
    for shop in (chain.hub, chain.turner, chain.grinder, chain.plater):
        shop.districts.add(district)
    job = post_job(chain, material=Material.objects.get(code="SUS304"))
    turn = add(job, chain, "L", 6)
    grind = add(job, chain, "G", 3, after=[turn])
    add(job, chain, "ASM", 2, after=[grind])
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    posting = board_services.posting_create(
        job=job,
        actor=chain.hub_owner,
        steps=[grind],
        districts=[district],
        answer_by=timezone.now() + dt.timedelta(hours=48),
        description="外径研削 Ra0.4",
    )
    board_services.offer_submit(
        posting=posting,
        workshop=chain.grinder,
        actor=chain.grinder_owner,
        price=30000,
        promised_date=in_days(12),
        valid_until=in_days(20),
    )
    return {"job": job, "order": order, "posting": posting, "turn": turn, "grind": grind}


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_every_control_on_the_main_pages_is_at_least_48px(
    live_server, browser, chain, district, staff, district_job, viewport
):
    job, posting = district_job["job"], district_job["posting"]
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, chain.hub_owner)
    pages = {
        "home": "/",
        "job": f"/jobs/{job.uuid}/",
        "floor": "/floor/",
        "board": "/board/",
        "posting": f"/postings/{posting.uuid}/",
        "posting form": f"/jobs/{job.uuid}/post/",
        "route form (steps)": f"/jobs/{job.uuid}/route/",
        "route form": f"/jobs/{job.uuid}/route/?step={district_job['turn'].uuid}",
        "search": "/workshops/",
    }
    too_small = {}
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        found = page.evaluate(MEASURE, MIN_TARGET)
        if found:
            too_small[name] = found
    context.close()
    context = browser.new_context(viewport=viewport, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, staff)
    response = page.goto(f"{live_server.url}/districts/{district.slug}/dashboard/")
    assert response.status == 200
    found = page.evaluate(MEASURE, MIN_TARGET)
    if found:
        too_small["dashboard"] = found
    context.close()
    assert too_small == {}


def test_the_answer_by_field_and_the_drawings_checkbox_are_full_size(
    live_server, browser, chain, district, district_job
):
    context = browser.new_context(viewport=LANDSCAPE, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, chain.hub_owner)
    page.goto(f"{live_server.url}/jobs/{district_job['job'].uuid}/post/")
    answer_by = page.locator("input[name=answer_by]").bounding_box()
    due = page.locator("input[name=due_date]").bounding_box()
    font = page.eval_on_selector(
        "input[name=answer_by]", "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert answer_by["height"] >= MIN_TARGET and font >= 16
    # It sits in its row like its neighbour, not as a 178×25 px island beside it.
    assert abs(answer_by["height"] - due["height"]) < 1
    label = page.locator("label:has(input[name=share_drawings])").bounding_box()
    box = page.locator("input[name=share_drawings]").bounding_box()
    assert label["height"] >= MIN_TARGET and box["width"] >= 20
    context.close()


def test_accepting_an_order_asks_first_in_a_dialog(live_server, browser, chain, district_job):
    order = district_job["order"]
    context = browser.new_context(viewport=PORTRAIT, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, chain.turner_owner)
    page.goto(f"{live_server.url}/orders/{order.uuid}/")
    dialog = page.get_by_role("dialog")

    page.locator("form[action$='/accept/'] button").tap()
    dialog.wait_for(state="visible")
    assert "発注書" in dialog.inner_text()
    # The safe answer has the focus; going back sends nothing.
    assert page.evaluate("document.activeElement.value") == "no"
    dialog.get_by_role("button", name="戻る").tap()
    dialog.wait_for(state="hidden")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REQUESTED

    page.locator("form[action$='/accept/'] button").tap()
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        dialog.get_by_role("button", name="受注する").tap()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED
    assert order.documents.count() == 1
    context.close()


def test_awarding_and_withdrawing_a_posting_ask_first(live_server, browser, chain, district_job):
    posting = district_job["posting"]
    context = browser.new_context(viewport=LANDSCAPE, has_touch=True, locale="ja-JP")
    page = context.new_page()
    sign_in_as(page, live_server, chain.hub_owner)
    page.goto(f"{live_server.url}/postings/{posting.uuid}/")
    dialog = page.get_by_role("dialog")

    page.locator("form[action$='/withdraw/'] button").tap()
    dialog.wait_for(state="visible")
    page.keyboard.press("Escape")  # Escape is "no"
    dialog.wait_for(state="hidden")
    posting.refresh_from_db()
    assert posting.status == PostingStatus.OPEN

    page.locator("form[action$='/award/'] label:has(input[type=radio])").first.tap()
    page.fill("input[name=payment_due_date]", in_days(40).isoformat())
    page.locator("form[action$='/award/'] button[type=submit]").tap()
    dialog.wait_for(state="visible")
    assert posting.status == PostingStatus.OPEN
    with page.expect_navigation():
        dialog.locator("button[value=yes]").tap()
    posting.refresh_from_db()
    assert posting.status == PostingStatus.AWARDED
    context.close()
