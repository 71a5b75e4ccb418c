"""Notifications on tablets, against daphne serving HTTP and WebSockets: the badge of a second
tablet counts up live when a request arrives; floor staff land on the floor station."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from orders.services.routing import order_request
from tests.browser.test_floor_live import signed_in_page
from tests.orders.conftest import add, post_job, terms
from tests.tasks import run_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms: generous, the machines are shared


def run_worker_tasks() -> int:
    """Run the queued tasks as the worker does, from daphne's event loop (so the in-memory
    channel layer of this process delivers their messages to its sockets)."""
    from twisted.internet import reactor

    loop = reactor._asyncioEventloop
    future = asyncio.run_coroutine_threadsafe(
        sync_to_async(run_tasks, thread_sensitive=False)(), loop
    )
    return future.result(timeout=60)


def test_the_badge_counts_up_live_on_a_second_tablet(asgi_live_server, browser, chain):
    context, tablet = signed_in_page(browser, asgi_live_server, chain.turner_owner)
    badge = tablet.locator("[data-notifications-badge] [data-count]")
    link = tablet.locator("[data-notifications-badge]")
    tablet.wait_for_function(
        "document.querySelector('[data-notifications-badge]').dataset.unread === '0'",
        timeout=WAIT,
    )
    assert not badge.is_visible() or badge.inner_text() == ""
    box = link.bounding_box()
    assert box["height"] >= 48
    job = post_job(chain)
    step = add(job, chain, "L")
    order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    assert run_worker_tasks() >= 1
    tablet.wait_for_function(
        "document.querySelector('[data-notifications-badge]').dataset.unread === '1'",
        timeout=WAIT,
    )
    assert badge.inner_text() == "1"
    # A tap on the badge opens the inbox; the notification opens the order.
    with tablet.expect_navigation():
        link.tap()
    assert tablet.url.endswith("/notifications/")
    with tablet.expect_navigation():
        tablet.locator(".inbox-open").first.tap()
    assert "/orders/" in tablet.url
    context.close()


def test_floor_staff_land_on_the_floor_station(asgi_live_server, browser, chain):
    context, page = signed_in_page(browser, asgi_live_server, chain.turner_floor)
    assert page.url == f"{asgi_live_server.url}/floor/"
    context.close()
