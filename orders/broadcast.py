"""What a job event says on the wire, and which groups hear it. The channel layer itself is
reached only through core/realtime.py.

A message on the layer has two parts: `event`, the wire form a client may receive (ids and
times only), and `route`, what a consumer needs to decide, without a query, whether its user
may see the event (internal keys; never forwarded).
"""

from __future__ import annotations

from typing import Any

from core import realtime
from core.realtime import job_group, workshop_group

from .joborders import live_orders


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
        if handoff.from_step_id:  # supplied material comes from no step
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
        parties = live_orders(event.job).parties(event.step_id)
        for buyer, supplier in parties:
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
    realtime.send_on_commit(groups, message)
