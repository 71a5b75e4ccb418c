"""The only module that talks to the channel layer, and only after a transaction commits.

The apps decide what a message says and which groups hear it (orders/broadcast.py for job
events, districts for the dashboards); this module names the groups and carries the message.

Delivery is at-most-once: a message dropped here is repaired by clients from the event log
(`?after=<seq>`), so a failure to publish is logged, never raised into the request.

A message on the layer has two parts: `event`, the wire form a client may receive (ids and
times only), and `route`, what a consumer needs to decide, without a query, whether its user
may see the event (internal keys; never forwarded).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import logging
import os
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import close_old_connections, connections, transaction

logger = logging.getLogger(__name__)


def job_group(job_uuid: str) -> str:
    return f"job.{job_uuid}"


def workshop_group(workshop_uuid: str) -> str:
    return f"workshop.{workshop_uuid}"


def district_group(district_uuid: str) -> str:
    return f"district.{district_uuid}"


def user_group(user_uuid: str) -> str:
    return f"user.{user_uuid}"


def session_group(session_key: str) -> str:
    # The session key is a credential: the group is named by a digest of it.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def access_changed(user) -> None:
    """After commit: the user's memberships changed; open sockets re-check what they may see."""
    message = {"type": "access.changed"}
    groups = [user_group(str(user.uuid))]
    transaction.on_commit(lambda: _send(groups, message))


def session_ended(session_key: str | None) -> None:
    """The session signed out: its sockets close."""
    if not session_key:
        return
    message = {"type": "session.ended"}
    groups = [session_group(session_key)]
    transaction.on_commit(lambda: _send(groups, message))


def board_changed(posting_uuid: str, workshop_uuids: list[str]) -> None:
    """After commit: a posting on the open board changed for these workshops (the hub and the
    invited shops). Only the posting's id travels: each page re-reads what its user may see,
    so nothing about other bidders or prices ever rides on the layer."""
    message = {"type": "board.update", "posting": posting_uuid}
    groups = [workshop_group(uuid) for uuid in dict.fromkeys(workshop_uuids)]
    transaction.on_commit(lambda: _send(groups, message))


def send_on_commit(groups: list[str], message: dict[str, Any]) -> None:
    """After commit: publish `message` to `groups`. Nothing is sent when the transaction rolls
    back, so no client ever hears of a change that did not happen."""
    transaction.on_commit(lambda: _send(groups, message))


def send_now(groups: list[str], message: dict[str, Any]) -> None:
    """Publish `message` to `groups` at once: for callers already past their commit."""
    _send(groups, message)


def unread_changed(counts: dict[str, int]) -> None:
    """After commit: these users' unread notification counts ({user uuid: count}), for the
    badge in the top bar of every page they have open. Only the count travels."""
    messages = [
        ([user_group(user_uuid)], {"type": "notification.unread", "unread": int(count)})
        for user_uuid, count in counts.items()
    ]
    if messages:
        transaction.on_commit(lambda: [_send(groups, message) for groups, message in messages])


def _send(groups: list[str], message: dict[str, Any]) -> None:
    """Publish one message to these groups. A group that cannot be reached is logged and
    skipped: the state change is already committed, and pages repair what they missed from the
    event log.

    In a request that the server runs on a thread beside its event loop (every view under
    daphne), the message is handed to that loop's outbox and the request goes on without
    waiting for Redis; the outbox publishes in the order messages were handed to it. Elsewhere
    (the worker, commands, tests without a loop) the publish is made before this returns."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = server_loop()
    if loop is not None:
        try:
            loop.call_soon_threadsafe(_outbox(loop).put, groups, message)
            return
        except RuntimeError:  # the loop closed in between: publish here instead
            pass

    async def publish() -> None:
        await _publish(layer, groups, message)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(publish)()
        return
    # Sync code called on a thread that runs an event loop (a script driving a browser, a
    # notebook): async_to_sync will not block that loop, so the publish gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish") as pool:
        pool.submit(async_to_sync(publish)).result()


async def _publish(layer, groups: list[str], message: dict[str, Any]) -> None:
    for group in groups:
        try:
            await layer.group_send(group, message)
        except Exception:
            logger.warning(
                "Could not publish %s to %s",
                message.get("event", {}).get("kind", message["type"]),
                group,
                exc_info=True,
            )


def after_answer(work: Callable[[], None], *, delay: float = 0.0) -> None:
    """Run `work`, an after-commit side effect the request's answer does not wait for (the
    district dashboards' doorbell, say), once the request has handed it over, and `delay`
    seconds later when given (to gather the work of several requests into one).

    Under daphne it runs on the process's one after-answer thread, in the order handed over,
    and what it publishes goes through the server loop's outbox as a request's would; a
    failure is logged. Elsewhere (the worker, commands, tests) it runs at once, here."""
    loop = server_loop()
    if loop is None:
        work()
        return
    if delay > 0:
        submit = functools.partial(_after_answer.submit, _run_after_answer, loop, work)
        loop.call_soon_threadsafe(loop.call_later, delay, submit)
        return
    _after_answer.submit(_run_after_answer, loop, work)


_after_answer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="after-answer")
_after_answer_local = threading.local()


def close_connections() -> None:
    """Close the after-answer thread's database connections (before the database goes)."""
    _after_answer.submit(connections.close_all).result(timeout=30)


def _run_after_answer(loop: asyncio.AbstractEventLoop, work: Callable[[], None]) -> None:
    _after_answer_local.loop = loop
    try:
        work()
    except Exception:
        logger.exception("After-answer work failed")
    finally:
        _after_answer_local.loop = None
        # As at the end of a request: a connection past its age or broken is let go.
        close_old_connections()


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop whose server called this thread's sync code (asgiref notes it
    in the thread for `async_to_sync`; `after_answer` in its own thread), or None: no loop, or
    this thread runs one itself."""
    handed = getattr(_after_answer_local, "loop", None)
    if handed is not None and handed.is_running():
        return handed
    threadlocal = SyncToAsync.threadlocal
    loop = getattr(threadlocal, "main_event_loop", None)
    if loop is None or getattr(threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    if loop.is_closed() or not loop.is_running():
        return None
    try:
        if asyncio.get_running_loop() is loop:
            return None  # on the loop's own thread: nothing to hand over
    except RuntimeError:
        pass
    return loop


# At most this many messages wait in a process's outbox: past it (Redis unreachable for long
# under a stream of changes) the oldest are dropped, as a failed publish is, and logged.
OUTBOX_LIMIT = 10_000

_outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Outbox] = (
    weakref.WeakKeyDictionary()
)
_outboxes_lock = threading.Lock()


def _outbox(loop: asyncio.AbstractEventLoop) -> _Outbox:
    with _outboxes_lock:
        outbox = _outboxes.get(loop)
        if outbox is None:
            outbox = _outboxes[loop] = _Outbox(loop)
        return outbox


class _Outbox:
    """Messages handed over by request threads, published one after the other by one task on
    the loop (so in the order their transactions committed), which ends when none is left."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: collections.deque[tuple[list[str], dict[str, Any]]] = collections.deque()
        self.task: asyncio.Task | None = None

    def put(self, groups: list[str], message: dict[str, Any]) -> None:  # on the loop
        if len(self.pending) >= OUTBOX_LIMIT:
            dropped = self.pending.popleft()[1]
            logger.warning(
                "Outbox full: dropped %s",
                dropped.get("event", {}).get("kind", dropped["type"]),
            )
        self.pending.append((groups, message))
        if self.task is None:
            self.task = self.loop.create_task(self.drain())

    async def drain(self) -> None:
        try:
            layer = get_channel_layer()
            while self.pending:
                groups, message = self.pending.popleft()
                await _publish(layer, groups, message)
        finally:
            self.task = None

    async def flushed(self) -> None:
        """Wait until every message handed over so far is published (tests, shutdown)."""
        while self.task is not None:
            await asyncio.shield(self.task)
