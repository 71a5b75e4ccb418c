"""The badge's stream: the unread count on connect and live, through the real ASGI app, the
real subscriber and the worker's task."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from orders.services.routing import order_request
from tests.orders.conftest import add, post_job, terms
from tests.orders.test_consumers import closed_with, open_stream, watch
from tests.tasks import run_tasks

from .factories import notify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
async def test_it_says_my_unread_count_on_connect(owner):
    await database_sync_to_async(notify)(owner, 2)
    communicator, connected = await open_stream("/ws/notifications/", owner)
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "unread": 2}
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_it_refuses_the_anonymous():
    communicator, connected = await open_stream("/ws/notifications/")
    assert connected
    assert await closed_with(communicator) == 4401
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_the_count_goes_up_live_when_a_request_arrives_and_only_for_me(chain):
    supplier = await watch("/ws/notifications/", chain.turner_owner)
    bystander = await watch("/ws/notifications/", chain.stranger_owner)

    def request():
        job = post_job(chain)
        step = add(job, chain, "L")
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
        )
        return run_tasks()

    assert await database_sync_to_async(request)() >= 1
    assert await supplier.receive_json_from(timeout=5) == {
        "type": "notification.unread",
        "unread": 1,
    }
    assert await bystander.receive_nothing(timeout=0.3)
    await supplier.disconnect()
    await bystander.disconnect()
