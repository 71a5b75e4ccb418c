"""Live updates of the dashboard over /ws/districts/<slug>/: a step completing rings the
district's doorbell, at most once per period, and the message carries nothing private."""

from __future__ import annotations

import json

import pytest

from core import realtime
from orders import rollups
from orders.services.progress import step_done, step_start
from tests.orders.conftest import add, post_job
from tests.orders.test_consumers import QUIET, open_stream, run

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED_KEYS = {"type", "data"}
ALLOWED_DATA = {"at", "every"}


def _join_district(chain):
    district = chain.staff.district_staff.first().district
    for shop in (chain.hub, chain.turner):
        shop.districts.add(district)
    return district


@pytest.mark.asyncio
async def test_a_step_done_updates_the_district_stream_once_per_period(chain, settings):
    settings.DISTRICT_UPDATE_SECONDS = 60
    district = await run(_join_district, chain)

    def in_house_job():
        job = post_job(chain, customer_name="SECRET-CUSTOMER", part_name="SECRET-PART")
        first = add(job, chain, "ASM", 1, title="SECRET-STEP")
        second = add(job, chain, "INS", 1, after=[first])
        return first, second

    first, _second = await run(in_house_job)
    communicator, connected = await open_stream(f"/ws/districts/{district.slug}/", chain.staff)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await run(lambda: step_start(step=first, actor=chain.hub_floor))
    raw = await communicator.receive_from(timeout=5)
    message = json.loads(raw)
    assert set(message) == ALLOWED_KEYS and message["type"] == "district.update"
    assert set(message["data"]) == ALLOWED_DATA and message["data"]["every"] == 60
    for secret in ("SECRET", str(chain.hub.uuid), "120000", chain.hub.name):
        assert secret not in raw
    # Within the period further changes are folded in: nothing more arrives.
    await run(lambda: step_done(step=first, actor=chain.hub_floor, good=100))
    assert await communicator.receive_nothing(timeout=QUIET)
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_new_period_sends_again_and_other_districts_hear_nothing(chain, settings):
    from django.core.cache import cache

    settings.DISTRICT_UPDATE_SECONDS = 60
    district = await run(_join_district, chain)

    def job_with_step():
        job = post_job(chain)
        return add(job, chain, "ASM", 1)

    step = await run(job_with_step)
    communicator, _ = await open_stream(f"/ws/districts/{district.slug}/", chain.staff)
    await communicator.receive_json_from(timeout=5)
    await run(lambda: step_start(step=step, actor=chain.hub_floor))
    assert (await communicator.receive_json_from(timeout=5))["type"] == "district.update"
    await run(lambda: cache.delete(f"district-update:{district.uuid}"))  # the period is over
    await run(lambda: step_done(step=step, actor=chain.hub_floor, good=1))
    assert (await communicator.receive_json_from(timeout=5))["type"] == "district.update"
    await communicator.disconnect()


def test_the_doorbell_payload_survives_json_and_msgpack(chain):
    import msgpack

    sent = []
    district = _join_district(chain)
    original = realtime._send
    try:
        realtime._send = lambda groups, message: sent.append((groups, message))
        rollups._district_doorbell([chain.hub.pk])
    finally:
        realtime._send = original
    assert sent and sent[0][0] == [realtime.district_group(str(district.uuid))]
    message = sent[0][1]
    assert json.loads(json.dumps(message)) == message
    assert msgpack.unpackb(msgpack.packb(message)) == message
