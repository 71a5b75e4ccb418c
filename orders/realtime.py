"""The only module that talks to the channel layer, and only after a transaction commits.

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


def event_payload(event) -> dict[str, Any]:
    """The wire form of a ProgressEvent: JSON primitives only."""
    return {
        "type": "job.event",
        "job": str(event.job.uuid),
        "seq": int(event.seq),
        "kind": event.kind,
        "step": str(event.step.uuid) if event.step_id else None,
        "order": str(event.order.uuid) if event.order_id else None,
        "workshop": str(event.workshop.uuid) if event.workshop_id else None,
        "handoff": str(event.handoff.uuid) if event.handoff_id else None,
        "at": event.created_at.isoformat(),
    }


def event_route(event) -> dict[str, Any]:
    """Which steps, order and performing workshops an event is about (primary keys)."""
    steps, performers = [], []
    if event.step_id:
        steps.append(event.step_id)
        performers.append(event.step.workshop_id)
    if event.handoff_id:
        handoff = event.handoff
        steps.append(handoff.from_step_id)
        performers.append(handoff.from_workshop_id)
        if handoff.to_step_id:
            # A delivery with no next step (to the buyer) is received by the buyer's managers,
            # not its floor: its floor staff see none of the steps.
            steps.append(handoff.to_step_id)
            performers.append(handoff.to_workshop_id)
    if event.order_id and event.kind.startswith("order."):
        # Requesting or settling an order takes its steps off (or puts them back on) the
        # queue of the shop performing them: that shop's floor board must hear of it.
        performers.extend(event.order.steps.values_list("workshop_id", flat=True))
    if _job_wide_drawing_event(event):
        performers.extend(event.job.steps.values_list("workshop_id", flat=True))
    return {
        "steps": sorted(set(steps)),
        "order": event.order_id,
        "performers": sorted(set(performers)),
    }


def _job_wide_drawing_event(event) -> bool:
    """A drawing added or revised changes the revision every floor card of the job shows: the
    floor boards of every shop performing a step of the job hear of it."""
    return event.kind.startswith("drawing.") and not event.order_id and not event.step_id


def _groups_for(event) -> list[str]:
    groups = [job_group(str(event.job.uuid)), workshop_group(str(event.job.owner.uuid))]
    if _job_wide_drawing_event(event):
        for shop in event.job.steps.values_list("workshop__uuid", flat=True).distinct():
            groups.append(workshop_group(str(shop)))
    if event.step_id:
        groups.append(workshop_group(str(event.step.workshop.uuid)))
        # The shops party to the orders for this step (a supplier that passed it on to a
        # sub-supplier follows its progress too).
        from .models import LIVE_ORDER_STATES, Order

        for buyer, supplier in Order.objects.filter(
            steps=event.step_id, status__in=LIVE_ORDER_STATES
        ).values_list("buyer__uuid", "supplier__uuid"):
            groups += [workshop_group(str(buyer)), workshop_group(str(supplier))]
    if event.handoff_id:
        groups.append(workshop_group(str(event.handoff.from_workshop.uuid)))
        groups.append(workshop_group(str(event.handoff.to_workshop.uuid)))
    if event.order_id:
        groups.append(workshop_group(str(event.order.supplier.uuid)))
        groups.append(workshop_group(str(event.order.buyer.uuid)))
    return list(dict.fromkeys(groups))


def publish_on_commit(event) -> None:
    # Build the message now, while the rows are at hand; send it only once they are committed.
    message = {"type": "job.event", "event": event_payload(event), "route": event_route(event)}
    groups = _groups_for(event)
    transaction.on_commit(lambda: _send(groups, message))


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


# Seconds between two `district.update` messages to one district, at most.
DISTRICT_UPDATE_SECONDS = 10


def district_stats_changed(workshop_ids) -> None:
    """After commit: the rollups of these workshops moved; ring the doorbell of their districts'
    dashboards, at most once per `DISTRICT_UPDATE_SECONDS` per district.

    Coalescing without background work: the first change in a period claims a per-district key
    in the cache (`cache.add` is atomic, shared by every process through Redis) and sends; later
    changes in the period send nothing. The message carries only when it was sent and the
    period: each dashboard re-reads its own figures (as its user may see them) on the message
    and once more a period later, so a change folded into a quiet period still shows. Nothing
    about a job, an order or a single workshop ever rides on the layer."""
    ids = sorted({int(pk) for pk in workshop_ids if pk is not None})
    if ids:
        transaction.on_commit(lambda: _district_doorbell(ids))


def _district_doorbell(workshop_ids: list[int]) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone

    from workshops.models import District

    every = int(getattr(settings, "DISTRICT_UPDATE_SECONDS", DISTRICT_UPDATE_SECONDS))
    try:
        districts = list(
            District.objects.filter(workshops__in=workshop_ids)
            .distinct()
            .values_list("uuid", flat=True)
        )
    except Exception:
        logger.warning("Could not find the districts to update", exc_info=True)
        return
    from .stats import cached

    cached.bump(districts)  # never throttled: no dashboard reads figures from before this
    for district_uuid in districts:
        if every > 0 and not cache.add(f"district-update:{district_uuid}", 1, timeout=every):
            continue  # a message went out less than `every` seconds ago
        message = {
            "type": "district.update",
            "data": {"at": timezone.now().isoformat(), "every": every},
        }
        _send([district_group(str(district_uuid))], message)
