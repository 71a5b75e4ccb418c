"""The disconnect burst: sockets dropped while the database thread is saturated, then killed the
way daphne kills an instance that outlives `application_close_timeout` (it cancels the
instance's future; `disconnect()` never runs if the instance had not reached it).

Before the fix each such socket left its heartbeat task behind: with no socket open the process
kept re-checking access for ever, until its one database thread served nothing else.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db.backends.utils import CursorWrapper
from django.test import Client

from orders import livepath, realtime
from shopnet.asgi import application
from tests.orders.test_consumers import ORIGIN, run, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

SOCKETS = 30


class Queries:
    """Counts SQL statements run on any thread (the streams' database thread included)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        real = CursorWrapper.execute

        def counted(cursor, *args, **kwargs):
            self.count += 1
            return real(cursor, *args, **kwargs)

        monkeypatch.setattr(CursorWrapper, "execute", counted)


class Saturated:
    """Every executor the socket path may run database calls on, held busy until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.executors = [SyncToAsync.single_thread_executor, livepath._executor]

    def __enter__(self) -> Saturated:
        self.busy = [pool.submit(self.release.wait, 30) for pool in self.executors]
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        for future in self.busy:
            future.result(timeout=30)


async def group_members(group: str) -> int:
    layer = get_channel_layer()
    if type(layer).__name__ == "RedisPubSubChannelLayer":  # groups are kept in each process
        here = layer._get_layer()
        return len(here.groups.get(here._get_group_channel_name(group), ()))
    if hasattr(layer, "groups"):  # the in-memory layer
        return len(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    async with connection as redis:
        return await redis.zcard(layer._group_key(group))


async def open_many(path: str, cookie: bytes, n: int) -> list[WebsocketCommunicator]:
    headers = [(b"origin", ORIGIN), (b"cookie", cookie)]
    sockets = [WebsocketCommunicator(application, path, headers=headers) for _ in range(n)]
    for communicator in sockets:
        assert (await communicator.connect(timeout=10))[0]
        assert (await communicator.receive_json_from(timeout=10))["type"] == "hello"
    return sockets


def kill(communicator: WebsocketCommunicator) -> None:
    """What daphne's application checker does to an instance still running after a disconnect."""
    communicator.future.cancel()


async def settle(communicators) -> None:
    """Wait until every instance has ended, however it ended (closed, or killed)."""
    await asyncio.wait([c.future for c in communicators], timeout=10)
    assert all(c.future.done() for c in communicators)


@pytest.mark.asyncio
async def test_sockets_dropped_and_killed_in_a_burst_leave_nothing_running(
    chain, routed_job, settings, monkeypatch
):
    settings.WEBSOCKET_HEARTBEAT = 0.05
    settings.WEBSOCKET_RECONCILE_EVERY = 1
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    path = f"/ws/jobs/{job.uuid}/"
    sockets = await open_many(path, cookie, SOCKETS)
    group = realtime.job_group(str(job.uuid))
    assert await group_members(group) == SOCKETS

    with Saturated():
        # The clients drop while every database call waits; daphne tells each instance...
        for communicator in sockets:
            await communicator.send_input({"type": "websocket.disconnect", "code": 1001})
        # ...and a few more sockets are dropped before their handshake's lookup could run.
        late = [
            WebsocketCommunicator(application, path, headers=[(b"origin", ORIGIN)])
            for _ in range(5)
        ]
        for communicator in late:
            await communicator.send_input({"type": "websocket.connect"})
        await asyncio.sleep(0.3)
        for communicator in late:
            await communicator.send_input({"type": "websocket.disconnect", "code": 1001})
        await asyncio.sleep(0.3)
        # Past application_close_timeout, whatever still runs is killed.
        for communicator in sockets + late:
            if not communicator.future.done():
                kill(communicator)
    await settle(sockets + late)

    # No socket is open: nothing may query the database any more, however long we wait.
    queries = Queries(monkeypatch)
    await asyncio.sleep(20 * settings.WEBSOCKET_HEARTBEAT)
    assert queries.count == 0
    # Nothing of the sockets is still scheduled (the layer's one reader per process stays),
    # and the job's group holds none of them.
    leftovers = [
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        and not task.done()
        and task.get_coro().__qualname__ != "RedisSingleShardConnection._do_receiving"
    ]
    assert leftovers == []
    assert await group_members(group) == 0


@pytest.mark.asyncio
async def test_a_new_socket_is_served_after_the_burst(chain, routed_job, settings):
    settings.WEBSOCKET_HEARTBEAT = 0.05
    settings.WEBSOCKET_RECONCILE_EVERY = 1
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    path = f"/ws/jobs/{job.uuid}/"
    sockets = await open_many(path, cookie, SOCKETS)
    with Saturated():
        for communicator in sockets:
            await communicator.send_input({"type": "websocket.disconnect", "code": 1001})
        await asyncio.sleep(0.3)
        for communicator in sockets:
            if not communicator.future.done():
                kill(communicator)
    await settle(sockets)
    [fresh] = await open_many(path, cookie, 1)
    beat = await fresh.receive_json_from(timeout=5)
    assert beat["type"] == "heartbeat"
    await fresh.disconnect()


@pytest.mark.asyncio
async def test_the_pulse_stops_when_the_last_stream_closes(chain, routed_job, settings):
    settings.WEBSOCKET_HEARTBEAT = 0.05
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    sockets = await open_many(f"/ws/jobs/{job.uuid}/", cookie, 3)
    assert livepath.open_streams() == 3
    assert livepath.pulse().task is not None
    for communicator in sockets:
        await communicator.disconnect()
    assert livepath.open_streams() == 0
    await asyncio.sleep(3 * settings.WEBSOCKET_HEARTBEAT)
    assert livepath.pulse().task is None


@pytest.mark.asyncio
async def test_a_handshake_costs_two_database_calls(chain, routed_job):
    """Who it is and may they (one call), then where the client is in the log (one call),
    against five before (session, user, dispatch, access, head)."""
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    before = livepath.calls_made()
    [socket] = await open_many(f"/ws/jobs/{job.uuid}/", cookie, 1)
    assert livepath.calls_made() - before == 2
    await socket.disconnect()
    # Leaving needs no database call at all.
    assert livepath.calls_made() - before == 2


@pytest.mark.django_db
def test_healthz_answers_503_while_the_streams_database_thread_is_wedged(settings):
    settings.REDIS_URL = ""
    settings.WEBSOCKET_STALL_SECONDS = 0.2
    release = threading.Event()
    wedged = livepath._executor.submit(release.wait, 30)
    try:
        response = Client().get("/healthz")
    finally:
        release.set()
        wedged.result(timeout=30)
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "websocket": False}
    assert Client().get("/healthz").status_code == 200
