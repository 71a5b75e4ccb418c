"""The floor for the live-path bench: the least a WebSocket server can do for shopnet's job.

A bare ASGI app (no Django, no database, no heartbeats) served by the same daphne: it accepts
every socket, says hello, and fans out what arrives on one Redis channel to every socket of the
process through one `redis.asyncio` PubSub per process. `GET /healthz` answers 200.

    daphne -b 127.0.0.1 -p 9000 floor_app:application     (cwd bench/, FLOOR_REDIS_URL set)
"""

from __future__ import annotations

import asyncio
import json
import os

import redis.asyncio as redis

CHANNEL = "bench.floor"
HELLO = json.dumps({"type": "hello", "seq": 0})

sockets: set = set()  # each open socket's `send`
state: dict[str, asyncio.Task] = {}  # the process's one listener


async def listen() -> None:
    client = redis.Redis.from_url(os.environ["FLOOR_REDIS_URL"])
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(CHANNEL)
    async for message in pubsub.listen():
        if message["type"] != "message":
            continue
        text = message["data"].decode()
        for send in list(sockets):
            try:
                await send({"type": "websocket.send", "text": text})
            except Exception:
                sockets.discard(send)


async def application(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"status": "ok"}'})
        return
    if "listener" not in state:
        state["listener"] = asyncio.get_running_loop().create_task(listen())
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": HELLO})
    sockets.add(send)
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    finally:
        sockets.discard(send)
