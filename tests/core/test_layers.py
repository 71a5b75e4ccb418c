"""The pub/sub layer without a Redis round trip per socket (core/layers.py), against a private
redis-server: two layers stand for two daphne processes."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest
import redis.asyncio as redis

from core.layers import PubSubChannelLayer
from tests.integration.cluster import PrivateRedis

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


@pytest.fixture(scope="module")
def redis_url():
    workdir = Path(tempfile.mkdtemp(prefix="shopnet-layers-"))
    server = PrivateRedis(workdir)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def layers(url: str) -> tuple[PubSubChannelLayer, PubSubChannelLayer]:
    return tuple(PubSubChannelLayer(hosts=[url], prefix="test") for _ in range(2))


async def subscribed(url: str) -> set[str]:
    client = redis.Redis.from_url(url)
    try:
        return {name.decode() for name in await client.pubsub_channels()}
    finally:
        await client.aclose()


async def received(layer, channel: str) -> dict:
    return await asyncio.wait_for(layer.receive(channel), timeout=5)


def test_a_consumer_gets_its_groups_messages_from_another_process_with_no_channel_of_its_own(
    redis_url,
):
    here, there = layers(redis_url)

    async def main():
        channels = [await here.new_channel() for _ in range(3)]
        for channel in channels:
            await here.group_add("job.a", channel)
        await asyncio.sleep(0.2)  # the subscription reaches Redis
        # One Redis channel for the group; none for the consumers' own channels.
        assert await subscribed(redis_url) == {"test__group__job.a"}
        await there.group_send("job.a", {"type": "job.event", "seq": 1})
        got = [await received(here, channel) for channel in channels]
        await here.flush()
        await there.flush()
        return got

    assert asyncio.run(main()) == [{"type": "job.event", "seq": 1}] * 3


def test_a_socket_joining_while_the_last_member_leaves_keeps_the_group(redis_url):
    here, there = layers(redis_url)

    async def main():
        first, second = await here.new_channel(), await here.new_channel()
        await here.group_add("job.b", first)
        await asyncio.sleep(0.2)
        # The last member leaves (UNSUBSCRIBE under way) while another socket joins.
        leaving = asyncio.ensure_future(here.group_discard("job.b", first))
        await asyncio.sleep(0)
        await here.group_add("job.b", second)
        await leaving
        await asyncio.sleep(0.2)
        assert await subscribed(redis_url) == {"test__group__job.b"}
        await there.group_send("job.b", {"type": "job.event", "seq": 2})
        got = await received(here, second)
        await here.flush()
        await there.flush()
        return got

    assert asyncio.run(main()) == {"type": "job.event", "seq": 2}


def test_the_last_member_leaving_unsubscribes_and_an_ended_receive_forgets_its_channel(
    redis_url,
):
    (here, _there) = layers(redis_url)

    async def main():
        channel = await here.new_channel()
        await here.group_add("job.c", channel)
        waiting = asyncio.ensure_future(here.receive(channel))
        await asyncio.sleep(0.2)
        waiting.cancel()  # what Channels does when a consumer ends
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await here.group_discard("job.c", channel)
        await asyncio.sleep(0.2)
        loop_layer = here._get_layer()
        left = (await subscribed(redis_url), channel in loop_layer.channels, loop_layer.groups)
        await here.flush()
        return left

    assert asyncio.run(main()) == (set(), False, {})
