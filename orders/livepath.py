"""What a process does for all of its open streams at once: their database calls, and one pulse.

Three rules, each learnt from an outage (a few thousand sockets opened and dropped by one user
left a daphne re-checking access for sockets that no longer existed until it refused every new
handshake, while `/healthz` still said 200):

- **Nothing of a socket outlives it.** A stream keeps no task of its own: one pulse per process
  (per event loop) sends every stream's heartbeat and re-checks access for all of them in one
  database call. A stream leaves the pulse however its instance ends, including when daphne
  cancels an instance that took too long to shut down (then `disconnect()` never runs). A
  database call queued for sockets that have all gone is called off on the thread (`db_while`).
- **A disconnect never waits for the database.** Channels runs `close_old_connections` on the
  ORM thread before every message it dispatches; under a burst that queues a socket's disconnect
  behind every other socket's queries, past daphne's `application_close_timeout`. Streams close
  stale connections inside their own calls instead (`db`), and handle messages without a hop.
- **The health check sees the socket path.** Stream database calls run on one executor of
  their own, so `/healthz` can tell when it has stopped serving (`stalled`).

With no stream open the pulse stops: the process makes no database call at all.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Protocol, TypeVar

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

T = TypeVar("T")

# One thread: what one process's sockets ask of the database runs in order, on one connection.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-db")
_counter = {"calls": 0}  # stream database calls made by this process (tests, benchmarks)
_counter_lock = threading.Lock()


class CalledOff(Exception):
    """A database call nobody wanted any more by the time the thread came to it."""


def _in_thread(
    fn: Callable[..., T], args: tuple, kwargs: dict, wanted: Callable[[], bool] | None = None
) -> T:
    # The sockets that asked may have gone while the call queued (a burst killed by daphne):
    # their cancellation reaches the queue only when the event loop next runs, which can be
    # after this thread has taken the call. Asked here, on the thread, nothing stale runs.
    if wanted is not None and not wanted():
        raise CalledOff
    with _counter_lock:
        _counter["calls"] += 1
    # What Channels would do before every message, done only when a stream needs the database.
    close_old_connections()
    return fn(*args, **kwargs)


async def db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` on the streams' database thread and return its result."""
    hop = SyncToAsync(_in_thread, thread_sensitive=False, executor=_executor)
    return await hop(fn, args, kwargs)


async def db_while(wanted: Callable[[], bool], fn: Callable[..., T], *args: Any) -> T:
    """`db(fn, *args)`, called off (`CalledOff`) if `wanted()` is false once the thread comes
    to it. `wanted` runs on the database thread: it may only read plain flags."""
    hop = SyncToAsync(_in_thread, thread_sensitive=False, executor=_executor)
    return await hop(fn, args, {}, wanted)


class _Shared:
    def __init__(self, future: asyncio.Future) -> None:
        self.future = future
        self.waiting = 0


_in_flight: dict[tuple, _Shared] = {}


async def db_shared(key: tuple, fn: Callable[..., T], *args: Any) -> T:
    """`db(fn, *args)`, shared by every caller that asks with the same `key` while the first
    call runs (sockets that reconnect together with the same credential ask the same thing).
    Nothing is kept once the call returns: a later caller asks the database again. When every
    caller has gone (their sockets closed) before it ran, the call is called off."""
    key = (id(asyncio.get_running_loop()), *key)
    shared = _in_flight.get(key)
    if shared is None:
        shared = _in_flight[key] = _Shared(asyncio.ensure_future(db(fn, *args)))

        def forget(_done: asyncio.Future, key: tuple = key, shared: _Shared = shared) -> None:
            if _in_flight.get(key) is shared:
                del _in_flight[key]

        shared.future.add_done_callback(forget)
    shared.waiting += 1
    try:
        # One caller giving up must not cancel the call for the others.
        return await asyncio.shield(shared.future)
    finally:
        shared.waiting -= 1
        if not shared.waiting and not shared.future.done():
            shared.future.cancel()


def _answer_all(calls: dict[tuple, tuple[Callable, tuple]]) -> dict[tuple, tuple[bool, Any]]:
    """On the streams' database thread: each call once, its answer or its error."""
    answers: dict[tuple, tuple[bool, Any]] = {}
    for key, (fn, args) in calls.items():
        try:
            answers[key] = (True, fn(*args))
        except Exception as exc:
            answers[key] = (False, exc)
    return answers


class Batch:
    """The database calls of handshakes, run together: whatever sockets ask while one call runs
    is asked in the next, in one trip to the streams' thread, and what sockets ask with the same
    `key` (the same credential, object and position in the log) is answered once per trip.

    A request never joins a trip already under way, whose reads may come before what its socket
    did before asking (joining the job's group): every answer is read after its request was
    made. Under a reconnect storm the trips grow instead of queueing one per socket; a lone
    handshake costs one trip, as before."""

    def __init__(self) -> None:
        self.pending: list[tuple[tuple, Callable, tuple, asyncio.Future]] = []
        self.task: asyncio.Task | None = None
        self.trips = 0  # calls made, for tests and benchmarks

    async def ask(self, key: tuple, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self.pending.append((key, fn, args, future))
        if self.task is None:
            self.task = loop.create_task(self.run(), name="live-batch")
        return await future

    async def run(self) -> None:
        try:
            while self.pending:
                # A socket that closed while waiting has nothing left to ask.
                requests = [r for r in self.pending if not r[3].done()]
                self.pending = []
                if not requests:
                    continue
                calls: dict[tuple, tuple[Callable, tuple]] = {}
                for key, fn, args, _future in requests:
                    calls.setdefault(key, (fn, args))
                self.trips += 1
                waiters = [future for *_, future in requests]
                trip = asyncio.ensure_future(
                    db_while(lambda w=waiters: not all(f.done() for f in w), _answer_all, calls)
                )
                try:
                    answers = await _unless_all_gone(trip, waiters)
                except asyncio.CancelledError:
                    for future in waiters:
                        future.cancel()
                    raise
                except CalledOff:
                    continue  # every socket that asked had gone when the thread came to it
                except Exception as exc:
                    for *_, future in requests:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                if answers is None:
                    continue  # every socket that asked has gone: the trip was called off
                for key, _fn, _args, future in requests:
                    if future.done():
                        continue
                    ok, value = answers[key]
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self.task = None
            for *_, future in self.pending:  # only when this loop is being torn down
                future.cancel()
            self.pending = []


async def _unless_all_gone(trip: asyncio.Future, waiters: list[asyncio.Future]) -> Any:
    """The trip's answers, or None when every socket that asked has gone before it ran (as
    when daphne kills a burst of sockets): the trip is then called off, so the database is not
    asked about sockets that no longer exist."""
    try:
        while not trip.done():
            open_ = [f for f in waiters if not f.done()]
            if not open_:
                trip.cancel()
                try:
                    await trip
                except asyncio.CancelledError:
                    return None
                return None  # it had already run: nobody is left to answer
            await asyncio.wait([trip, *open_], return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        trip.cancel()
        raise
    return trip.result()


_batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batch] = weakref.WeakKeyDictionary()


def batch() -> Batch:
    """This event loop's batch of handshake calls."""
    loop = asyncio.get_running_loop()
    found = _batches.get(loop)
    if found is None:
        found = _batches[loop] = Batch()
    return found


def close_connections() -> None:
    """Close the database connections the streams' thread holds (at shutdown, or before a test
    database is dropped)."""

    _executor.submit(connections.close_all).result(timeout=30)


def calls_made() -> int:
    return _counter["calls"]


def stalled(timeout: float) -> bool:
    """Whether the streams' database thread failed to run a no-op within `timeout` seconds:
    new sockets would wait that long for their first answer, or forever."""
    try:
        _executor.submit(lambda: None).result(timeout=timeout)
    except FutureTimeout:
        return True
    return False


class Beating(Protocol):
    closed: bool

    async def beat(self) -> None: ...

    def recheck_request(self) -> dict[str, Any]: ...

    async def rechecked(self, verdict: dict[str, Any]) -> None: ...

    @staticmethod
    def recheck_all(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """On the database thread: a verdict for each request, in a few queries."""


class Pulse:
    """The one timer of a process's streams: heartbeats every `WEBSOCKET_HEARTBEAT` seconds and,
    every `WEBSOCKET_RECONCILE_EVERY` beats, one batched re-check of every stream's access."""

    def __init__(self) -> None:
        self.streams: set[Beating] = set()
        self.task: asyncio.Task | None = None

    def join(self, stream: Beating) -> None:
        self.streams.add(stream)
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.run(), name="live-pulse")

    def leave(self, stream: Beating) -> None:
        self.streams.discard(stream)

    async def run(self) -> None:
        beats = 0
        try:
            while self.streams:
                await asyncio.sleep(float(settings.WEBSOCKET_HEARTBEAT))
                beats += 1
                streams = [s for s in self.streams if not s.closed]
                for stream in streams:
                    try:
                        await stream.beat()
                    except Exception:
                        logger.warning("A heartbeat failed", exc_info=True)
                if streams and beats % max(int(settings.WEBSOCKET_RECONCILE_EVERY), 1) == 0:
                    await self.recheck(streams)
        finally:
            self.task = None

    async def recheck(self, streams: list[Beating]) -> None:
        """One database call for every stream that shares a way of re-checking."""
        by_kind: dict[Callable, list[Beating]] = {}
        for stream in streams:
            by_kind.setdefault(type(stream).recheck_all, []).append(stream)
        for recheck_all, group in by_kind.items():
            await self._recheck(recheck_all, group)

    async def _recheck(self, recheck_all: Callable, streams: list[Beating]) -> None:
        try:
            verdicts = await db_while(
                lambda: not all(s.closed for s in streams),
                recheck_all,
                [s.recheck_request() for s in streams],
            )
        except CalledOff:
            return  # every stream closed while the re-check waited for the thread
        except Exception:
            logger.warning("The streams' access re-check failed", exc_info=True)
            return
        for stream, verdict in zip(streams, verdicts, strict=True):
            if stream.closed:
                continue
            try:
                await stream.rechecked(verdict)
            except Exception:
                logger.warning("A stream's re-check failed", exc_info=True)


_pulses: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Pulse] = weakref.WeakKeyDictionary()


def pulse() -> Pulse:
    """This event loop's pulse (daphne runs one loop per process; tests run many)."""
    loop = asyncio.get_running_loop()
    found = _pulses.get(loop)
    if found is None:
        found = _pulses[loop] = Pulse()
    return found


def open_streams() -> int:
    """How many streams this event loop's pulse is beating."""
    try:
        return len(pulse().streams)
    except RuntimeError:
        return 0
