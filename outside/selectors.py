"""Reads for the outside shops' pages: what one link may show, and the hub's view of its
links. A link shows its own order and nothing else: what that order's supplier may see of
it, never another order of the same shop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from drawings.models import DrawingRevision
from drawings.selectors import DrawingAccess, drawing_access
from orders.access import get_order_for, is_uuid
from orders.models import (
    CounterStatus,
    HandOff,
    Order,
    OrderDocument,
    OrderStatus,
    Step,
    StepStatus,
)
from orders.selectors import ship_plan
from workshops.models import User

from .models import CapabilityLink, LinkUse, OutsideShop


def request_summary(link: CapabilityLink) -> dict[str, Any]:
    """What the mail, the printed sheet and the page say about the request: the hub, the
    parts and quantities owed, the steps, the terms."""
    order = link.order
    items = list(order.items.select_related("part").order_by("part__position", "pk"))
    steps = list(order.steps.select_related("process", "part").order_by("position", "pk"))
    return {"order": order, "job": order.job, "buyer": order.buyer, "items": items, "steps": steps}


@dataclass
class LinkView:
    """Everything the link's page shows, read once per request."""

    link: CapabilityLink
    order: Order
    steps: list[Step]
    items: list
    handoffs: list[HandOff]
    destinations: dict[int, list]
    open_counter: Any
    revisions: list[DrawingRevision]
    drawings: DrawingAccess | None
    documents: list[OrderDocument]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Each step of the order with where its parts may go."""
        return [{"step": s, "places": self.destinations.get(s.pk, [])} for s in self.steps]

    @property
    def accepted(self) -> bool:
        return self.order.status in (OrderStatus.ACCEPTED, OrderStatus.DELIVERED)

    @property
    def requested(self) -> bool:
        return self.order.status == OrderStatus.REQUESTED


def link_drawings(link: CapabilityLink) -> tuple[DrawingAccess | None, list[DrawingRevision]]:
    """The drawings the hub shared with this order (current revisions), seen as the order's
    supplier sees them: watermarked with the shop's name and the day."""
    access = drawing_access(link.shop.link_user, link.order.job)
    if access is None or access.sharing is None:
        return access, []
    shown = access.sharing.shown(link.order.pk)
    revisions = list(
        DrawingRevision.objects.filter(drawing_id__in=shown, is_current=True)
        .select_related("drawing")
        .order_by("drawing__number")
    )
    return access, revisions


def link_revision(
    link: CapabilityLink, revision_uuid: UUID | str
) -> tuple[DrawingAccess, DrawingRevision]:
    """A revision shared with this link's order, or 404."""
    if not is_uuid(revision_uuid):
        raise Http404("No such drawing.")
    access, revisions = link_drawings(link)
    found = next((r for r in revisions if str(r.uuid) == str(revision_uuid)), None)
    if access is None or found is None:
        raise Http404("No such drawing.")
    return access, found


def link_view(link: CapabilityLink) -> LinkView:
    order = link.order
    steps = list(order.steps.select_related("process", "part").order_by("position", "pk"))
    step_ids = [s.pk for s in steps]
    handoffs = list(
        HandOff.objects.filter(job=order.job)
        .filter(Q(from_step_id__in=step_ids) | Q(to_step_id__in=step_ids) | Q(order=order))
        .select_related("part", "from_workshop", "to_workshop")
        .order_by("shipped_at", "pk")
    )
    destinations = ship_plan([s for s in steps if s.status == StepStatus.DONE])
    drawings, revisions = link_drawings(link)
    return LinkView(
        link=link,
        order=order,
        steps=steps,
        items=list(order.items.select_related("part")),
        handoffs=handoffs,
        destinations=destinations,
        open_counter=order.counters.filter(status=CounterStatus.OPEN).first(),
        revisions=revisions,
        drawings=drawings,
        documents=list(order.documents.only("pk", "order_id", "version", "issued_at", "reason")),
    )


def link_documents(link: CapabilityLink) -> dict[int, OrderDocument]:
    """The 発注書 versions of this link's own order (the 第4条 明示 the shop is owed), by
    version."""
    return {document.version: document for document in link.order.documents.all()}


def link_step(link: CapabilityLink, step_uuid: UUID | str) -> Step:
    """One step of this link's own order, or 404 (a step of another order is not found)."""
    if not is_uuid(step_uuid):
        raise Http404("No such step.")
    step = link.order.steps.filter(uuid=step_uuid).first()
    if step is None:
        raise Http404("No such step.")
    return step


# --- the hub's side ---------------------------------------------------------------------


def hub_order(user: User, order_uuid: UUID | str) -> tuple[Order, OutsideShop]:
    """An order the user's shop placed with an outside shop, for its link page; else 404
    (the supplier, a third shop and anyone else alike)."""
    access, order = get_order_for(user, order_uuid)
    if order.buyer_id not in access.managed:
        raise Http404("No such order.")
    shop = (
        OutsideShop.objects.select_related("workshop", "link_user")
        .filter(workshop_id=order.supplier_id)
        .first()
    )
    if shop is None:
        raise Http404("No such order.")
    return order, shop


def order_links(order: Order) -> QuerySet[CapabilityLink]:
    return order.outside_links.select_related("shop__workshop", "created_by", "revoked_by")


def link_uses(order: Order, *, limit: int = 200) -> QuerySet[LinkUse]:
    return LinkUse.objects.filter(link__order=order).select_related("link")[:limit]
