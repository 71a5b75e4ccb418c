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


def test_a_request_thread_hands_the_publish_to_the_server_loop_without_waiting(monkeypatch):
    """Under daphne a view runs on a thread beside the event loop: the publish is the loop's
    to make, after the view has gone on. Here Redis is held up until the view has returned."""
    from asgiref.sync import sync_to_async

    layer = get_channel_layer()
    real_group_send = layer.group_send

    async def main():
        redis_answers = asyncio.Event()
        published = []

        async def slow_group_send(group, message):
            await redis_answers.wait()
            published.append(message["seq"])
            await real_group_send(group, message)

        monkeypatch.setattr(layer, "group_send", slow_group_send)
        (channel,) = await _listen(layer, ["job.publish-handed"])

        def view():  # what a request's thread does after its commit
            for seq in (1, 2, 3):
                realtime._send(["job.publish-handed"], {"type": "job.event", "seq": seq})
            return list(published)

        # (A view that waited for Redis would never return: give up after 5 s.)
        seen_by_the_view = await asyncio.wait_for(sync_to_async(view)(), timeout=5)
        redis_answers.set()
        received = [(await _received(layer, channel))["seq"] for _ in range(3)]
        return seen_by_the_view, received

    seen_by_the_view, received = asyncio.run(main())
    assert seen_by_the_view == []  # the view did not wait for Redis
    assert received == [1, 2, 3]  # and the loop published in the order they were handed over


def test_an_outbox_past_its_limit_drops_the_oldest_and_says_so(monkeypatch, caplog):
    monkeypatch.setattr(realtime, "OUTBOX_LIMIT", 2)
    layer = get_channel_layer()
    real_group_send = layer.group_send

    async def main():
        redis_answers = asyncio.Event()

        async def slow_group_send(group, message):
            await redis_answers.wait()
            await real_group_send(group, message)

        monkeypatch.setattr(layer, "group_send", slow_group_send)
        (channel,) = await _listen(layer, ["job.publish-full"])
        outbox = realtime._outbox(asyncio.get_running_loop())
        with caplog.at_level(logging.WARNING, logger=realtime.logger.name):
            # Four hand-overs taken by the loop before its outbox could publish one.
            for seq in (1, 2, 3, 4):
                outbox.put(["job.publish-full"], {"type": "job.event", "seq": seq})
            redis_answers.set()
            received = [(await _received(layer, channel))["seq"] for _ in range(2)]
            await outbox.flushed()
        return received

    assert asyncio.run(main()) == [3, 4]  # the two oldest went
    assert [r.getMessage() for r in caplog.records] == ["Outbox full: dropped job.event"] * 2


def test_after_answer_work_runs_once_the_view_has_returned_and_publishes_through_the_loop():
    """The district doorbell's kind of work (orders/rollups.py): after the commit, not waited
    for by the answer; what it publishes reaches the layer as a request's message does."""
    import threading

    from asgiref.sync import sync_to_async

    layer = get_channel_layer()
    view_returned = threading.Event()
    ran_on = []

    def work():
        assert view_returned.wait(timeout=5)
        ran_on.append(threading.current_thread().name)
        realtime.send_now(["district.after-answer"], {"type": "district.update", "seq": 1})

    async def main():
        (channel,) = await _listen(layer, ["district.after-answer"])

        def view():
            realtime.after_answer(work)
            return list(ran_on)

        seen_by_the_view = await asyncio.wait_for(sync_to_async(view)(), timeout=5)
        view_returned.set()
        return seen_by_the_view, await _received(layer, channel)

    seen_by_the_view, received = asyncio.run(main())
    assert seen_by_the_view == []
    assert received == {"type": "district.update", "seq": 1}
    assert ran_on and ran_on[0].startswith("after-answer")


def test_after_answer_work_outside_a_server_runs_at_once():
    ran = []
    realtime.after_answer(lambda: ran.append(1))
    assert ran == [1]


def test_the_doorbell_gathers_the_changes_of_a_moment_into_one_ring(monkeypatch):
    """Under a server loop, the district doorbell (orders/rollups.py) waits a moment after a
    change and rings once for every shop changed meanwhile: one lookup, not one per tap."""
    from asgiref.sync import sync_to_async

    from orders import rollups

    rung = []
    monkeypatch.setattr(rollups, "DOORBELL_GATHER_SECONDS", 0.3)
    monkeypatch.setattr(rollups, "_district_doorbell", rung.append)

    async def main():
        def view(ids):
            rollups._ring_soon(ids)
            return list(rung)

        seen = [await sync_to_async(view)(ids) for ids in ([3], [1, 3], [2])]
        for _ in range(100):
            if rung:
                break
            await asyncio.sleep(0.05)
        return seen

    assert asyncio.run(main()) == [[], [], []]  # none rang in the answer
    assert rung == [[1, 2, 3]]
    # Outside a server, a change rings at once, as before.
    rollups._ring_soon([4])
    assert rung == [[1, 2, 3], [4]]


def test_a_ring_arranged_on_a_server_that_stopped_does_not_swallow_the_next_change(monkeypatch):
    """A server (a test's live server, a process shutting down) stops before its gathered ring
    ran: the next change, here outside a server, rings at once for both shops."""
    from asgiref.sync import sync_to_async

    from orders import rollups

    rung = []
    monkeypatch.setattr(rollups, "DOORBELL_GATHER_SECONDS", 60)
    monkeypatch.setattr(rollups, "_district_doorbell", rung.append)

    async def main():
        await sync_to_async(rollups._ring_soon)([5])

    asyncio.run(main())  # the loop ends with the ring still arranged
    assert rung == []
    rollups._ring_soon([6])
    assert rung == [[5, 6]]
