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
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db.backends.utils import CursorWrapper
from django.test import Client

from core import realtime
from orders import livepath
from orders.consumers import CLOSE_NOT_FOUND, CLOSE_REVOKED, CLOSE_UNAUTHENTICATED
from shopnet.asgi import application
from tests.orders.test_consumers import ORIGIN, run, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

SOCKETS = 30


class Queries:
    """Counts SQL statements run on any thread (the streams' database thread included)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        self.sql: list[str] = []
        real = CursorWrapper.execute

        def counted(cursor, sql, *args, **kwargs):
            self.count += 1
            self.sql.append(sql)
            return real(cursor, sql, *args, **kwargs)

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
    if isinstance(layer, RedisPubSubChannelLayer):  # groups are kept in each process
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
    assert queries.sql == []
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


class _Stream:
    """A stream as the pulse sees it, for the re-check alone."""

    def __init__(self) -> None:
        self.closed = False
        self.verdicts: list[dict] = []

    def recheck_request(self) -> dict:
        return {}

    async def rechecked(self, verdict: dict) -> None:
        self.verdicts.append(verdict)


async def _queued() -> None:
    """Let the event loop hand what it started to the database thread's queue."""
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_a_re_check_whose_streams_all_closed_while_it_queued_is_called_off():
    """The streams close, and the thread comes to their re-check before the event loop runs
    again (as when daphne kills a burst): the re-check must not reach the database."""
    asked: list[list] = []

    def recheck_all(requests: list) -> list:
        asked.append(requests)
        return [{"signed_in": True} for _ in requests]

    streams = [_Stream(), _Stream()]
    with Saturated():
        recheck = asyncio.ensure_future(livepath.Pulse()._recheck(recheck_all, streams))
        await _queued()
        for stream in streams:
            stream.closed = True
    # The thread has taken the call and finished with it before the loop ran again.
    await asyncio.wrap_future(livepath._executor.submit(lambda: None))
    await recheck
    assert asked == []
    assert [s.verdicts for s in streams] == [[], []]


@pytest.mark.asyncio
async def test_a_re_check_still_runs_while_one_of_its_streams_is_open():
    asked: list[list] = []

    def recheck_all(requests: list) -> list:
        asked.append(requests)
        return [{"n": i} for i, _ in enumerate(requests)]

    streams = [_Stream(), _Stream()]
    with Saturated():
        recheck = asyncio.ensure_future(livepath.Pulse()._recheck(recheck_all, streams))
        await _queued()
        streams[0].closed = True
    await recheck
    assert len(asked) == 1 and len(asked[0]) == 2
    assert streams[1].verdicts == [{"n": 1}]  # a closed stream is told nothing


class Lookups:
    """A handshake's lookup that notes what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, name: str) -> str:
        self.asked.append(name)
        return name

    async def ask_while_saturated(self, n: int, killed: list[int]) -> list[asyncio.Future]:
        """`n` sockets ask at once while the thread is busy; those in `killed` are killed
        (daphne cancels each instance, and with it its waiting call) before it is free."""
        with Saturated():
            sockets = [
                asyncio.ensure_future(livepath.batch().ask(("k", i), self, f"s{i}"))
                for i in range(n)
            ]
            await _queued()
            for index in killed:
                sockets[index].cancel()
        return sockets


@pytest.mark.asyncio
async def test_a_handshake_lookup_whose_sockets_were_killed_while_it_queued_is_called_off():
    lookup = Lookups()
    sockets = await lookup.ask_while_saturated(3, killed=[0, 1, 2])
    await asyncio.wrap_future(livepath._executor.submit(lambda: None))
    await asyncio.wait(sockets)
    assert lookup.asked == []
    assert all(socket.cancelled() for socket in sockets)
    # The batch is ready for the next socket.
    assert await livepath.batch().ask(("k", 9), lookup, "s9") == "s9"
    assert lookup.asked == ["s9"]


@pytest.mark.asyncio
async def test_a_handshake_lookup_still_runs_for_the_one_socket_left_waiting():
    """Two of three sockets asking together are killed while the call queues: the third still
    gets its answer from the one call."""
    lookup = Lookups()
    sockets = await lookup.ask_while_saturated(3, killed=[0, 2])
    assert await asyncio.wait_for(sockets[1], timeout=10) == "s1"
    assert sorted(lookup.asked) == ["s0", "s1", "s2"]  # one call answers every key it was asked


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
async def test_a_handshake_costs_one_database_call_of_seven_queries(chain, routed_job, monkeypatch):
    """Who it is, may they, and where the client is in the log: one call (two before, five
    before that: session, user, dispatch, access, head). Its queries:
    1. the session, 2. its user, 3. the job (its `last_seq` is where the hub starts),
    4. the user's memberships, 5. the job's orders, 6. their steps, 7. the job's steps."""
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    queries = Queries(monkeypatch)
    before = livepath.calls_made()
    [socket] = await open_many(f"/ws/jobs/{job.uuid}/", cookie, 1)
    assert livepath.calls_made() - before == 1
    tables = [sql.split(" FROM ", 1)[1].split()[0].strip('"') for sql in queries.sql]
    assert tables == [
        "django_session",
        "workshops_user",
        "orders_job",
        "workshops_membership",
        "orders_order",
        "orders_order_steps",
        "orders_step",
    ]
    await socket.disconnect()
    # Leaving needs no database call at all.
    assert livepath.calls_made() - before == 1
    assert queries.count == 7


@pytest.mark.asyncio
async def test_a_replay_rides_the_handshakes_call(chain, routed_job, monkeypatch):
    """A client that comes back with `?after=` gets what it missed from the same call."""
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    head = await run(lambda: type(job).objects.get(pk=job.pk).last_seq)
    queries = Queries(monkeypatch)
    before = livepath.calls_made()
    socket = WebsocketCommunicator(
        application,
        f"/ws/jobs/{job.uuid}/?after={head - 2}",
        headers=[(b"origin", ORIGIN), (b"cookie", cookie)],
    )
    assert (await socket.connect(timeout=10))[0]
    replayed = [await socket.receive_json_from(timeout=10) for _ in range(2)]
    hello = await socket.receive_json_from(timeout=10)
    assert [m["seq"] for m in replayed] == [head - 1, head]
    assert hello == {"type": "hello", "job": str(job.uuid), "seq": head}
    assert livepath.calls_made() - before == 1
    assert queries.count == 8  # the seven of a handshake and one page of the log
    await socket.disconnect()


@pytest.mark.asyncio
async def test_a_socket_is_in_its_jobs_group_before_the_lookup_reads_the_log(
    chain, routed_job, monkeypatch
):
    """What is sent while the handshake's call runs reaches the socket, after its hello and
    once: an event the call's read already counted is not sent again."""
    from orders.consumers import JobStream

    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    group = realtime.job_group(str(job.uuid))
    real_begin = JobStream.begin
    seen = {}

    def begin(state, params):
        head, at, payloads = real_begin(state, params)
        seen["head"] = head
        for seq in (head, head + 1):  # one the read counted, one committed after it
            event = {"type": "job.event", "kind": "job.updated", "job": str(job.uuid), "seq": seq}
            route = {"steps": [], "order": None, "performers": []}
            realtime.send_now([group], {"type": "job.event", "event": event, "route": route})
        return head, at, payloads

    monkeypatch.setattr(JobStream, "begin", staticmethod(begin))
    [socket] = await open_many(f"/ws/jobs/{job.uuid}/", cookie, 1)
    event = await socket.receive_json_from(timeout=5)
    assert event["seq"] == seen["head"] + 1
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


@pytest.mark.asyncio
async def test_a_refused_socket_forwards_nothing_and_leaves_the_group(chain, routed_job):
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.stranger_owner)
    group = realtime.job_group(str(job.uuid))
    socket = WebsocketCommunicator(
        application, f"/ws/jobs/{job.uuid}/", headers=[(b"origin", ORIGIN), (b"cookie", cookie)]
    )
    assert (await socket.connect(timeout=10))[0]
    closed = await socket.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_FOUND}
    event = {"type": "job.event", "kind": "job.updated", "job": str(job.uuid), "seq": 10**6}
    route = {"steps": [], "order": None, "performers": []}
    await get_channel_layer().group_send(
        group, {"type": "job.event", "event": event, "route": route}
    )
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
    await socket.wait(timeout=5)
    assert await group_members(group) == 0


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


# --- handshakes that share a lookup ------------------------------------------------------------


@pytest.mark.asyncio
async def test_sockets_opened_together_with_one_credential_share_the_lookup(chain, routed_job):
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    path = f"/ws/jobs/{job.uuid}/"
    headers = [(b"origin", ORIGIN), (b"cookie", cookie)]
    sockets = [WebsocketCommunicator(application, path, headers=headers) for _ in range(10)]
    before = livepath.calls_made()
    with Saturated():  # all ten handshakes ask while the first lookup waits
        for communicator in sockets:
            await communicator.send_input({"type": "websocket.connect"})
        await asyncio.sleep(0.3)
    for communicator in sockets:
        assert (await communicator.receive_output(timeout=10))["type"] == "websocket.accept"
        assert (await communicator.receive_json_from(timeout=10))["type"] == "hello"
    # At most two calls for all ten (eleven before): whoever asked before the first call ran
    # rides it, the rest ride the next one.
    assert livepath.calls_made() - before <= 2
    for communicator in sockets:
        await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_shared_lookup_never_serves_another_credential(chain, routed_job):
    from rest_framework.authtoken.models import Token

    job, _, _ = routed_job
    token = await run(lambda: Token.objects.create(user=chain.hub_owner).key)
    path = f"/ws/jobs/{job.uuid}/"
    good = WebsocketCommunicator(
        application, path, headers=[(b"authorization", b"Token " + token.encode())]
    )
    forged = WebsocketCommunicator(
        application, path, headers=[(b"authorization", b"Token " + b"0" * 40)]
    )
    outsider_cookie = await run(session_cookie, chain.stranger_owner)
    outsider = WebsocketCommunicator(
        application, path, headers=[(b"origin", ORIGIN), (b"cookie", outsider_cookie)]
    )
    with Saturated():
        for communicator in (good, forged, outsider):
            await communicator.send_input({"type": "websocket.connect"})
        await asyncio.sleep(0.3)
    for communicator in (good, forged, outsider):
        assert (await communicator.receive_output(timeout=10))["type"] == "websocket.accept"
    assert (await good.receive_json_from(timeout=10))["type"] == "hello"
    assert (await forged.receive_output(timeout=10))["code"] == CLOSE_UNAUTHENTICATED
    assert (await outsider.receive_output(timeout=10))["code"] == CLOSE_NOT_FOUND
    for communicator in (good, forged, outsider):
        await communicator.disconnect()


# --- the pulse's batched re-check --------------------------------------------------------------


def scope_for(user, *, token: str | None = None, cookie: bytes | None = None) -> dict:
    from django.contrib.sessions.backends.db import SessionStore

    if token is not None:
        return {"auth": "token", "token": token, "user": user}
    key = cookie.decode().partition("=")[2]
    return {"auth": "session", "session": SessionStore(session_key=key), "user": user}


def credentials(chain) -> list[tuple[str, dict]]:
    """Sockets' credentials in every state a re-check must tell apart."""
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.authtoken.models import Token

    signed_out = Client()
    signed_out.force_login(chain.turner_owner)
    out_cookie = f"sessionid={signed_out.cookies['sessionid'].value}".encode()
    signed_out.post("/accounts/logout/")
    moved_on = session_cookie(chain.plater_owner)
    chain.plater_owner.set_password("a-new-password-2026")
    chain.plater_owner.save()
    gone = session_cookie(chain.grinder_owner)
    type(chain.grinder_owner).objects.filter(pk=chain.grinder_owner.pk).update(is_active=False)
    token = Token.objects.create(user=chain.hub_owner).key
    borrowed = scope_for(chain.hub_floor, cookie=session_cookie(chain.hub_owner))
    rotated = Token.objects.create(user=chain.turner_floor).key
    Token.objects.filter(key=rotated).delete()
    return [
        ("session", scope_for(chain.hub_owner, cookie=session_cookie(chain.hub_owner))),
        ("signed out", scope_for(chain.turner_owner, cookie=out_cookie)),
        ("password changed", scope_for(chain.plater_owner, cookie=moved_on)),
        ("deactivated", scope_for(chain.grinder_owner, cookie=gone)),
        ("token", scope_for(chain.hub_owner, token=token)),
        ("rotated token", scope_for(chain.turner_floor, token=rotated)),
        ("another user's session", borrowed),
        ("anonymous", {"auth": None, "user": AnonymousUser()}),
    ]


def test_the_batched_sign_in_check_agrees_with_the_one_socket_check(chain):
    from orders.consumers import signed_in_batch, still_signed_in

    cases = credentials(chain)
    scopes = [scope for _name, scope in cases]
    batch = signed_in_batch(scopes)
    single = [still_signed_in(scope) for scope in scopes]
    assert dict(zip([n for n, _ in cases], batch, strict=True)) == {
        "session": True,
        "signed out": False,
        "password changed": False,
        "deactivated": False,
        "token": True,
        "rotated token": False,
        "another user's session": False,
        "anonymous": False,
    }
    assert batch == single


def test_the_re_check_costs_the_same_few_queries_for_two_streams_or_forty(chain, routed_job):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.consumers import recheck_all

    job, _, _ = routed_job
    session = scope_for(chain.hub_owner, cookie=session_cookie(chain.hub_owner))
    token = scope_for(chain.turner_owner, token=Token_for(chain.turner_owner))
    counts = []
    for n in (2, 40):
        requests = [{"scope": session if i % 2 else token, "job": job.pk} for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            verdicts = recheck_all(requests)
        head = type(job).objects.get(pk=job.pk).last_seq
        assert all(v["signed_in"] and v["head"] == head for v in verdicts)
        counts.append(len(queries))
    # Tokens (1), sessions (1), their users (1), memberships (1), job heads (1).
    assert counts == [5, 5]


def Token_for(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


@pytest.mark.asyncio
async def test_the_pulse_closes_a_socket_whose_access_ended_when_the_doorbell_was_lost(
    chain, routed_job, settings, monkeypatch
):
    from workshops import services as workshop_services
    from workshops.models import Membership

    settings.WEBSOCKET_HEARTBEAT = 0.05
    settings.WEBSOCKET_RECONCILE_EVERY = 2
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.grinder_floor)
    [floor] = await open_many(f"/ws/workshops/{chain.grinder.uuid}/floor/", cookie, 1)
    [on_job] = await open_many(f"/ws/jobs/{job.uuid}/", cookie, 1)
    monkeypatch.setattr(realtime, "_send", lambda groups, message: None)  # access.changed lost
    membership = await run(Membership.objects.get, user=chain.grinder_floor, workshop=chain.grinder)
    await run(workshop_services.membership_remove, membership=membership, actor=chain.grinder_owner)
    for communicator in (floor, on_job):
        while (message := await communicator.receive_output(timeout=5))[
            "type"
        ] != "websocket.close":
            pass
        assert message["code"] == CLOSE_REVOKED


@pytest.mark.asyncio
async def test_one_user_may_hold_only_so_many_sockets_and_is_told_why(chain, routed_job, settings):
    from orders.consumers import CLOSE_TOO_MANY

    settings.WEBSOCKET_MAX_PER_USER = 3
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    path = f"/ws/jobs/{job.uuid}/"
    held = await open_many(path, cookie, 3)
    extra = WebsocketCommunicator(
        application, path, headers=[(b"origin", ORIGIN), (b"cookie", cookie)]
    )
    assert (await extra.connect(timeout=5))[0]
    assert (await extra.receive_output(timeout=5))["code"] == CLOSE_TOO_MANY
    await extra.disconnect()
    # Someone else is not counted against this user.
    [other] = await open_many(path, await run(session_cookie, chain.hub_floor), 1)
    # A socket closed gives its place back.
    await held[0].disconnect()
    [again] = await open_many(path, cookie, 1)
    for communicator in (*held[1:], other, again):
        await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_join_that_fails_once_is_tried_again(chain, routed_job, monkeypatch):
    """As after Redis came back: the layer's first command meets the connection it lost."""
    job, _, _ = routed_job
    cookie = await run(session_cookie, chain.hub_owner)
    layer = get_channel_layer()
    real_group_add = layer.group_add
    failed = []

    async def flaky_group_add(group, channel):
        if not failed:
            failed.append(group)
            raise ConnectionError("Connection closed by server.")
        await real_group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", flaky_group_add)
    group = realtime.job_group(str(job.uuid))
    [socket] = await open_many(f"/ws/jobs/{job.uuid}/", cookie, 1)
    assert failed == [group]
    assert await group_members(group) == 1
    await socket.disconnect()
    assert await group_members(group) == 0


@pytest.mark.asyncio
async def test_a_batch_trip_is_called_off_when_every_socket_that_asked_has_gone():
    calls = []
    with Saturated():
        # The streams' thread is busy: the trip waits for it while its sockets are killed.
        batch = livepath.Batch()
        asked = [asyncio.ensure_future(batch.ask(("k", n), calls.append, n)) for n in range(3)]
        await asyncio.sleep(0.05)
        for waiter in asked:
            waiter.cancel()
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    # The thread is free again, and nobody is left to answer: nothing was asked of it.
    assert calls == []
    assert batch.task is None and batch.trips == 1
    # The next handshake is served as usual.
    assert await batch.ask(("k", 9), str, 9) == "9"


@pytest.mark.asyncio
async def test_a_batch_answers_each_key_once_and_never_joins_a_call_under_way():
    calls = []
    running, release = threading.Event(), threading.Event()

    def look_up(name):
        calls.append(name)
        if name == "first":
            running.set()
            release.wait(10)
        if name == "broken":
            raise ValueError(name)
        return name.upper()

    batch = livepath.Batch()
    first = asyncio.ensure_future(batch.ask(("a",), look_up, "first"))
    await asyncio.to_thread(running.wait, 10)
    # Asked while the first call runs: all of them go into the next call.
    same = [asyncio.ensure_future(batch.ask(("b",), look_up, "same")) for _ in range(3)]
    broken = asyncio.ensure_future(batch.ask(("c",), look_up, "broken"))
    again = asyncio.ensure_future(batch.ask(("a",), look_up, "again"))
    await asyncio.sleep(0.05)
    release.set()
    assert await first == "FIRST"
    assert [await answer for answer in same] == ["SAME"] * 3
    with pytest.raises(ValueError):
        await broken
    # Same key as the call that was running, but read after the request: not its answer.
    assert await again == "AGAIN"
    assert calls == ["first", "same", "broken", "again"]
    assert batch.trips == 2
