"""Publishing to the channel layer after a commit: one trip for all groups, a group that fails
is logged and skipped, and a publish made from a thread that runs an event loop still lands."""

from __future__ import annotations

import asyncio
import logging

from channels.layers import get_channel_layer

from core import realtime


async def _listen(layer, groups):
    channels = []
    for group in groups:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        channels.append(channel)
    return channels


async def _received(layer, channel):
    return await asyncio.wait_for(layer.receive(channel), timeout=5)


def test_a_publish_from_a_thread_running_an_event_loop_is_delivered():
    layer = get_channel_layer()
    groups = ["job.publish-a", "workshop.publish-b"]

    async def main():
        channels = await _listen(layer, groups)
        # Sync code on this loop's thread, as under a browser driver or in a notebook.
        realtime._send(groups, {"type": "job.event", "seq": 7})
        return [await _received(layer, channel) for channel in channels]

    assert asyncio.run(main()) == [{"type": "job.event", "seq": 7}] * 2


def test_a_group_that_cannot_be_reached_is_logged_and_the_others_still_get_the_message(
    monkeypatch, caplog
):
    layer = get_channel_layer()
    real_group_send = layer.group_send

    async def flaky_group_send(group, message):
        if group == "job.publish-down":
            raise ConnectionError("the layer blipped")
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", flaky_group_send)

    async def main():
        # One loop throughout: on the pub/sub layer a subscription lives as long as its loop.
        (channel,) = await _listen(layer, ["workshop.publish-up"])
        with caplog.at_level(logging.WARNING, logger=realtime.logger.name):
            realtime._send(
                ["job.publish-down", "workshop.publish-up"],
                {"type": "board.update", "posting": "p"},
            )
        return await _received(layer, channel)

    assert asyncio.run(main()) == {"type": "board.update", "posting": "p"}
    assert [r.getMessage() for r in caplog.records] == [
        "Could not publish board.update to job.publish-down"
    ]
