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
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

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
    """Publish one message to these groups, in one trip through the event loop. A group that
    cannot be reached is logged and skipped: the state change is already committed, and pages
    repair what they missed from the event log."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def publish() -> None:
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

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(publish)()
        return
    # Sync code called on a thread that runs an event loop (a script driving a browser, a
    # notebook): async_to_sync will not block that loop, so the publish gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish") as pool:
        pool.submit(async_to_sync(publish)).result()
