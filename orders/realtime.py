"""The only module that talks to the channel layer, and only after a transaction commits.

Delivery is at-most-once: a message dropped here is repaired by clients from the event log
(`?after=<seq>`), so a failure to publish is logged, never raised into the request.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def job_group(job_uuid: str) -> str:
    return f"job.{job_uuid}"


def workshop_group(workshop_uuid: str) -> str:
    return f"workshop.{workshop_uuid}"


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


def _groups_for(event) -> list[str]:
    groups = [job_group(str(event.job.uuid))]
    if event.step_id:
        groups.append(workshop_group(str(event.step.workshop.uuid)))
    if event.handoff_id:
        groups.append(workshop_group(str(event.handoff.from_workshop.uuid)))
        groups.append(workshop_group(str(event.handoff.to_workshop.uuid)))
    if event.order_id:
        groups.append(workshop_group(str(event.order.supplier.uuid)))
        groups.append(workshop_group(str(event.order.buyer.uuid)))
    return list(dict.fromkeys(groups))


def publish_on_commit(event) -> None:
    # Build the message now, while the rows are at hand; send it only once they are committed.
    payload = event_payload(event)
    groups = _groups_for(event)
    transaction.on_commit(lambda: _send(groups, payload))


def _send(groups: list[str], payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, payload)
        except Exception:
            logger.warning("Could not publish %s to %s", payload.get("kind"), group, exc_info=True)
