"""The live refresh re-reads the page from its canonical GET address: a page drawn as the answer
to a POST (an offer with errors) keeps updating instead of asking its POST-only address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from board import services as board_services
from tests.board.conftest import board  # noqa: F401
from tests.browser.conftest import sign_in, tap_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms


def test_it_refreshes_a_rejected_offer_page_from_the_postings_get_address(
    live_server,
    tablet,
    chain,
    board,  # noqa: F811
):
    posting = board_services.posting_create(
        job=board["job"],
        actor=chain.hub_owner,
        steps=[board["grind"]],
        districts=[board["ota"]],
        answer_by=timezone.now() + dt.timedelta(days=2),
    )
    page = tablet.new_page()
    sign_in(page, live_server, chain.turner_owner.username, f"pw-{chain.turner_owner.username}")
    page.goto(f"{live_server.url}/postings/{posting.uuid}/")
    page.fill("input[name=price]", "0")
    tap_and_wait(page, page.locator("main form button[type=submit]").first)
    assert page.url.endswith(f"/postings/{posting.uuid}/offer/")

    seen = []
    page.on(
        "response",
        lambda r: (
            seen.append((r.request.method, r.url, r.status))
            if r.request.headers.get("x-shopnet-live")
            else None
        ),
    )
    with page.expect_response(lambda r: bool(r.request.headers.get("x-shopnet-live"))) as answer:
        page.evaluate("window.shopnetLive.refresh()")
    response = answer.value
    assert response.request.method == "GET"
    assert response.url == (
        f"{live_server.url}/postings/{posting.uuid}/?workshop={chain.turner.uuid}"
    )
    assert response.status == 200
    assert all(status == 200 for _method, _url, status in seen), seen
