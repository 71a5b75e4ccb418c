"""The pub/sub channel layer, without a Redis round trip per socket.

channels_redis's pub/sub layer subscribes every consumer's own channel in Redis (a SUBSCRIBE
when the socket opens, an UNSUBSCRIBE when it closes) and takes its connection's lock for every
`group_add`, even for a group the process already listens to. Both go through one lock per Redis
connection, handed from waiter to waiter one event-loop turn at a time: under a burst of
handshakes a socket waited ~85 ms for its channel and as long again for its groups
(docs/BENCHMARKS.md, "Handshakes").

shopnet only ever sends to groups (`core/realtime.py`); a consumer's own channel is reached
through the groups it joined, in process. So here a consumer's channel is a queue in this
process and nothing in Redis, and joining a group the process already listens to is a set
insertion. `send()` to a consumer's channel is therefore not supported: it would reach no one.
Groups still cost one Redis subscription per group per process, as before.
"""

from __future__ import annotations

import asyncio
import uuid

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from channels_redis.utils import _wrap_close


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Groups whose last member left and whose UNSUBSCRIBE is under way: a socket joining
        # one of them must wait for it and subscribe again.
        self.leaving: dict[str, int] = {}

    async def new_channel(self, prefix: str = "specific.") -> str:
        channel = f"{self.prefix}{prefix}{uuid.uuid4().hex}"
        self.channels[channel] = asyncio.Queue()
        return channel

    async def receive(self, channel: str):
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue()
        try:
            message = await queue.get()
        except (asyncio.CancelledError, TimeoutError, GeneratorExit):
            # The consumer is ending (Channels cancels its receive): forget its channel.
            self.channels.pop(channel, None)
            raise
        return self.channel_layer.deserialize(message)

    async def group_add(self, group: str, channel: str) -> None:
        if channel not in self.channels:
            raise RuntimeError("group_add() takes a channel made by this process's layer")
        group_channel = self._get_group_channel_name(group)
        self.groups.setdefault(group_channel, set()).add(channel)
        shard = self._get_shard(group_channel)
        if group_channel in shard._subscribed_to and group_channel not in self.leaving:
            return  # the process listens to it already
        await shard.subscribe(group_channel)

    async def group_discard(self, group: str, channel: str) -> None:
        group_channel = self._get_group_channel_name(group)
        members = self.groups.get(group_channel)
        if not members or channel not in members:
            return
        members.discard(channel)
        if members:
            return
        del self.groups[group_channel]
        self.leaving[group_channel] = self.leaving.get(group_channel, 0) + 1
        try:
            await self._get_shard(group_channel).unsubscribe(group_channel)
        finally:
            left = self.leaving[group_channel] - 1
            if left:
                self.leaving[group_channel] = left
            else:
                del self.leaving[group_channel]


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """channels_redis's pub/sub layer (same Redis channels, same messages), whose per-loop
    layer keeps consumers' own channels in process (above)."""

    def _get_layer(self) -> _LoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer
