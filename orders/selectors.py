"""Reads about jobs and orders that are more than a lookup: the floor station's queues, parts
available, ratings and delivery records. Who may see what is in `access.py`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from workshops.models import Capability, Membership, Workshop
from workshops.selectors import Point, distance_km

from .dag import StepGraph
from .load import load_ratio
from .models import (
    ENDED_JOB_STATES,
    LIVE_ORDER_STATES,
    HandOff,
    HandOffKind,
    HandOffStatus,
    Job,
    JobStatus,
    Order,
    OrderItem,
    OrderStatus,
    ProgressEvent,
    Rating,
    Step,
    StepInput,
    StepLink,
    StepStatus,
    TradingTerms,
)
from .payment_terms import PaymentTerms

# --- the floor station ---------------------------------------------------------------------


def floor_queue(workshop) -> QuerySet[Step]:
    """A shop's steps waiting for its machines, most urgent first: late risk, the job's due date,
    its priority, the projected start; held steps last (they wait for a decision, not a machine)."""
    S = StepStatus
    return (
        Step.objects.filter(workshop=workshop, status__in=[S.READY, S.IN_PROGRESS, S.ON_HOLD])
        .select_related(*_FLOOR_RELATED)
        .annotate(held=Case(When(status=S.ON_HOLD, then=1), default=0))
        .order_by(
            "held",
            F("late_risk").desc(),
            F("job__late_risk").desc(),
            "job__due_date",
            "-job__priority",
            F("projected_start").asc(nulls_last=True),
            "pk",
        )
    )


def floor_due_dates(workshop, steps: list[Step]) -> dict[int, dt.date]:
    """The date each step's parts are due from `workshop`: the delivery date of the live order
    that asks them of it, or, on the job's own shop, the job's due date. A supplier never sees
    the hub's customer date. One query (none when every step is the job owner's)."""
    due = {s.pk: s.job.due_date for s in steps if s.job.owner_id == workshop.pk}
    others = [s.pk for s in steps if s.pk not in due]
    if others:
        for step_id, date in Order.steps.through.objects.filter(
            step_id__in=others,
            order__supplier=workshop,
            order__status__in=LIVE_ORDER_STATES,
        ).values_list("step_id", "order__due_date"):
            due[step_id] = date
    return due


def floor_to_ship(workshop) -> QuerySet[Step]:
    """A shop's done steps whose good parts have not all been shipped on (`shipped` annotated)."""
    return (
        Step.objects.filter(workshop=workshop, status=StepStatus.DONE)
        .exclude(job__status__in=ENDED_JOB_STATES)
        .annotate(
            shipped=Sum(
                "handoffs_out__quantity_shipped",
                filter=Q(handoffs_out__kind=HandOffKind.SHIP),
                default=0,
            )
        )
        .filter(good_qty__gt=F("shipped"))
        .select_related(*_FLOOR_RELATED)
        .order_by("job__due_date", "pk")
    )


def floor_arriving(workshop, *, manages: bool) -> QuerySet[HandOff]:
    """Parts shipped to a shop and not yet received. A delivery with no next step there (to the
    buyer) is for the buyer's owners and managers: its floor staff see none of the steps."""
    arriving = HandOff.objects.filter(to_workshop=workshop, status=HandOffStatus.SHIPPED)
    if not manages:
        arriving = arriving.filter(to_step__isnull=False)
    return arriving.select_related(
        "job", "part", "from_workshop", "from_step__process", "to_step__process"
    ).order_by("shipped_at", "pk")


def floor_shortfalls(steps: list[Step]) -> dict[int, list[HandOff]]:
    """Hand-offs that arrived short (or with rejects) at each of `steps`: one query."""
    found: dict[int, list[HandOff]] = {}
    if not steps:
        return found
    for h in (
        HandOff.objects.filter(
            to_step_id__in=[s.pk for s in steps],
            kind=HandOffKind.SHIP,
            status=HandOffStatus.RECEIVED,
        )
        .filter(Q(quantity_received__lt=F("quantity_shipped")) | Q(quantity_rejected__gt=0))
        .select_related("from_workshop")
        .order_by("received_at", "pk")
    ):
        found.setdefault(h.to_step_id, []).append(h)
    return found


def floor_returns_to_decide(workshop) -> QuerySet[HandOff]:
    """Returned parts `workshop` received and has not yet reworked or replaced."""
    return (
        HandOff.objects.filter(
            to_workshop=workshop,
            kind=HandOffKind.RETURN,
            status=HandOffStatus.RECEIVED,
            resolved_by_step__isnull=True,
            quantity_received__gt=0,
        )
        .exclude(job__status__in=(JobStatus.CLOSED, JobStatus.CANCELLED))
        .select_related("job", "part", "from_workshop", "to_step__process")
        .order_by("received_at", "pk")
    )


def order_deliveries(order: Order) -> dict[str, Any]:
    """An order's hand-offs as its parties see them: shipments that left it (分納, each with
    what was accepted, rejected and returned), returns, and supplied material; per item, how
    many were accepted so far. Three queries."""
    step_ids = set(order.steps.values_list("pk", flat=True))
    handoffs = list(
        HandOff.objects.filter(
            Q(order=order) | Q(kind=HandOffKind.SHIP, from_step_id__in=step_ids, order__isnull=True)
        )
        .exclude(kind=HandOffKind.SHIP, to_step_id__in=step_ids)
        .select_related("part", "from_workshop", "to_workshop", "from_step__process")
        .order_by("shipped_at", "pk")
    )
    returned: dict[int, int] = {}
    for h in handoffs:
        if h.kind == HandOffKind.RETURN and h.return_of_id:
            returned[h.return_of_id] = returned.get(h.return_of_id, 0) + h.quantity_shipped
    accepted: dict[int, int] = {}
    for h in handoffs:
        h.returned = returned.get(h.pk, 0)
        if h.kind == HandOffKind.SHIP:
            accepted[h.part_id] = accepted.get(h.part_id, 0) + (h.quantity_accepted or 0)
    items = list(order.items.select_related("part__material"))
    for item in items:
        item.accepted = accepted.get(item.part_id, 0)
        item.outstanding = max(item.quantity - item.accepted, 0)
    awaiting = [h for h in handoffs if h.status == HandOffStatus.RECEIVED and not h.inspected]
    return {
        "handoffs": handoffs,
        "items": items,
        "awaiting_inspection": awaiting,
        "inspection_overdue": bool(
            awaiting
            and order.inspection_due_date
            and order.inspection_due_date < timezone.localdate()
        ),
    }


_FLOOR_RELATED = ("job", "job__owner", "process", "workshop", "part")


def step_successors(step_ids) -> dict[int, list[Step]]:
    """The steps each of `step_ids` feeds, with their process and shop, in one query. A rework
    step is not a successor for the parts' way on: it ships where the step it redoes ships."""
    successors: dict[int, list[Step]] = {}
    for link in (
        StepLink.objects.filter(predecessor_id__in=step_ids)
        .exclude(successor__rework_of_id=F("predecessor_id"))
        .select_related("successor__process", "successor__workshop", "successor__part")
    ):
        successors.setdefault(link.predecessor_id, []).append(link.successor)
    return successors


def next_destinations(steps: list[Step]) -> dict[int, list[tuple[Step | None, Workshop]]]:
    """Where each step's parts go, in three queries whatever the number of steps: the one
    answer the job page, the floor station and `handoff_ship` share.

    Each successor at another shop; else, for the last step of the order under which the
    step's shop performs it, that order's buyer. Parts go straight to where they are owed, as
    they do to a successor at another shop: a sub-order's last step that is also its parent
    order's last step goes to the parent's buyer, not back to the sub-order's buyer, who does
    not perform the step and so could never ship the parts on. A rework step's parts go where
    the parts of the step it redoes went."""
    return {pk: [(d.step, d.shop) for d in found] for pk, found in _destinations(steps).items()}


@dataclass
class Destination:
    """One place a step's parts go: a step at another shop, or (`step` None) the buyer of
    `order`; `need` is how many of the part that place is owed."""

    step: Step | None
    shop: Workshop
    order: Order | None = None
    need: int = 0
    shipped: int = 0  # shipped there so far, less what came back
    left: int = 0  # what this step may still ship there
    part_name: str = ""

    @property
    def key(self) -> str:
        return str(self.step.uuid) if self.step is not None else "buyer"


def _destinations(steps: list[Step]) -> dict[int, list[Destination]]:
    if not steps:
        return {}
    originals = {s.pk: (s.rework_of if s.rework_of_id else s) for s in steps}
    successors = step_successors({o.pk for o in originals.values()})
    orders = {
        o.pk: o
        for o in Order.objects.filter(job_id__in={s.job_id for s in steps}).select_related("buyer")
    }
    performing = (OrderStatus.ACCEPTED, OrderStatus.DELIVERED)
    order_steps: dict[int, set[int]] = {pk: set() for pk in orders}
    for order_id, step_id in Order.steps.through.objects.filter(
        order_id__in=list(orders)
    ).values_list("order_id", "step_id"):
        order_steps[order_id].add(step_id)
    result: dict[int, list[Destination]] = {}
    for step in steps:
        origin = originals[step.pk]
        nexts = successors.get(origin.pk, [])
        found = [Destination(n, n.workshop) for n in nexts if n.workshop_id != origin.workshop_id]
        # The order under which the step's shop performs it (a sub-order if any).
        order = next(
            (
                o
                for o in orders.values()
                if o.status in performing
                and o.supplier_id == origin.workshop_id
                and origin.pk in order_steps[o.pk]
            ),
            None,
        )
        following = {n.pk for n in nexts}
        if not found and order is not None and not following & order_steps[order.pk]:
            while order.parent_id in orders and not following & order_steps[order.parent_id]:
                order = orders[order.parent_id]
            found.append(Destination(None, order.buyer, order=order))
        else:
            for d in found:
                d.order = order
        result[step.pk] = found
    return result


def ship_plan(steps: list[Step]) -> dict[int, list[Destination]]:
    """Where each done step's parts go and how many it may still ship to each: what it made
    good, less what it shipped anywhere, and no more than each destination is owed less what
    it already has (a return puts back what came back). A rework step ships towards the places
    of the step it redoes. Four queries for any number of steps; a fifth when a destination
    assembles the part, a sixth when one is the buyer."""
    plan = _destinations(steps)
    if not plan:
        return plan
    family = {s.pk: (s.rework_of_id or s.pk) for s in steps}
    origins = set(family.values())
    # One read of every shipment from the steps (and their reworks) and every return of them.
    members: dict[int, set[int]] = {}
    shipped_from: dict[int, int] = {}
    to_place: dict[tuple[int, int | None], int] = {}
    returned: dict[tuple[int, int | None], int] = {}
    rows = HandOff.objects.filter(
        Q(kind=HandOffKind.SHIP)
        & (Q(from_step_id__in=origins) | Q(from_step__rework_of_id__in=origins))
        | Q(kind=HandOffKind.RETURN)
        & (
            Q(return_of__from_step_id__in=origins)
            | Q(return_of__from_step__rework_of_id__in=origins)
        )
    ).values_list(
        "kind",
        "from_step_id",
        "from_step__rework_of_id",
        "to_step_id",
        "return_of__from_step_id",
        "return_of__from_step__rework_of_id",
        "return_of__to_step_id",
        "quantity_shipped",
    )
    for kind, from_id, origin, to_id, ret_from, ret_origin, ret_to, n in rows:
        if kind == HandOffKind.SHIP:
            members.setdefault(origin or from_id, set()).add(from_id)
            shipped_from[from_id] = shipped_from.get(from_id, 0) + n
            to_place[(from_id, to_id)] = to_place.get((from_id, to_id), 0) + n
        else:
            members.setdefault(ret_origin or ret_from, set()).add(ret_from)
            returned[(ret_from, ret_to)] = returned.get((ret_from, ret_to), 0) + n
    dest_ids = {
        d.step.pk
        for step in steps
        for d in plan[step.pk]
        if d.step is not None and d.step.part_id != step.part_id
    }
    per_unit = (
        {
            (step_id, part_id): n
            for step_id, part_id, n in StepInput.objects.filter(step_id__in=dest_ids).values_list(
                "step_id", "part_id", "per_unit"
            )
        }
        if dest_ids
        else {}
    )
    buyer_orders = {
        d.order.pk for found in plan.values() for d in found if d.step is None and d.order
    }
    items = (
        {
            (order_id, part_id): n
            for order_id, part_id, n in OrderItem.objects.filter(
                order_id__in=buyer_orders
            ).values_list("order_id", "part_id", "quantity")
        }
        if buyer_orders
        else {}
    )
    parts = {s.pk: s.part for s in steps}
    for step in steps:
        origin = family[step.pk]
        own_left = (step.good_qty or 0) - shipped_from.get(step.pk, 0)
        for d in plan[step.pk]:
            to_id = d.step.pk if d.step is not None else None
            if d.step is not None:
                d.need = per_unit.get((d.step.pk, step.part_id), 1) * d.step.quantity
            elif d.order is not None:
                d.need = items.get((d.order.pk, step.part_id), step.quantity)
            else:
                d.need = step.quantity
            d.shipped = sum(
                to_place.get((m, to_id), 0) - returned.get((m, to_id), 0)
                for m in members.get(origin, set()) | {origin}
            )
            d.left = max(min(own_left, d.need - d.shipped), 0)
            d.part_name = parts[step.pk].name if parts[step.pk] is not None else ""
    return plan


def supply_targets(order: Order) -> list[Step]:
    """The steps of an order that start from material: those with no predecessor inside it
    (rework steps aside). Two queries."""
    steps = list(order.steps.select_related("part").order_by("position", "pk"))
    return _first_steps(steps, _links_within({s.pk for s in steps}))


def _links_within(ids: set[int]) -> set[int]:
    return set(
        StepLink.objects.filter(successor_id__in=ids, predecessor_id__in=ids).values_list(
            "successor_id", flat=True
        )
    )


def _first_steps(steps: list[Step], fed: set[int]) -> list[Step]:
    return [s for s in steps if s.pk not in fed and not s.rework_of_id]


def awaiting_supply(graph: StepGraph, supplied: dict[int, set[int]]) -> set[int]:
    """The steps that wait for material their buyer supplies and that has not arrived:
    `supplied` is each accepted order's steps (for orders that say the buyer supplies
    material). No query without such an order, else one."""
    if not supplied:
        return set()
    waiting: set[int] = set()
    for step_ids in supplied.values():
        inside = {pk for pk in step_ids if pk in graph}
        fed = {pk for pk in inside if set(graph.predecessors(pk)) & inside}
        waiting |= {s.pk for s in _first_steps([graph.step(pk) for pk in inside], fed)}
    if not waiting:
        return set()
    arrived = set(
        HandOff.objects.filter(
            to_step_id__in=waiting,
            kind=HandOffKind.SUPPLY,
            status=HandOffStatus.RECEIVED,
            quantity_received__gt=0,
        ).values_list("to_step_id", flat=True)
    )
    return waiting - arrived


def parts_available(steps: list[Step], *, graph: StepGraph | None = None) -> dict[int, int]:
    """How many parts each step can have worked on: its planned quantity, or, once predecessors
    report, what they passed on (the fewest of any branch, since every branch feeds the step).
    Two queries for any number of steps; `step_done` checks its counts against this. Given the
    job's step graph, the predecessors come from it, and the hand-offs are read only when a
    predecessor done at another shop passed its parts on."""
    ids = [s.pk for s in steps]
    predecessors: dict[int, list[Step]] = {}
    if graph is None:
        for link in StepLink.objects.filter(successor_id__in=ids).select_related("predecessor"):
            predecessors.setdefault(link.successor_id, []).append(link.predecessor)
    else:
        for step in steps:
            predecessors[step.pk] = [graph.step(p) for p in graph.predecessors(step.pk)]
    received: dict[tuple[int, int], int] = {}
    crossing = any(
        p.status == StepStatus.DONE and p.workshop_id != step.workshop_id
        for step in steps
        for p in predecessors.get(step.pk, [])
    )
    if graph is None or crossing:
        for from_id, to_id, n in (
            HandOff.objects.filter(
                to_step_id__in=ids, status=HandOffStatus.RECEIVED, kind=HandOffKind.SHIP
            )
            # A rework step's parts count as those of the step it redoes.
            .annotate(source=Coalesce("from_step__rework_of_id", "from_step_id"))
            .values("source", "to_step_id")
            # Rejected parts are not worked on: what was accepted at receipt.
            .annotate(n=Sum("quantity_accepted"))
            .values_list("source", "to_step_id", "n")
        ):
            received[(from_id, to_id)] = n or 0
    per_unit: dict[tuple[int, int], int] = {}
    if any(p.part_id != step.part_id for step in steps for p in predecessors.get(step.pk, [])):
        per_unit = {
            (step_id, part_id): n
            for step_id, part_id, n in StepInput.objects.filter(step_id__in=ids).values_list(
                "step_id", "part_id", "per_unit"
            )
        }
    available = {}
    for step in steps:
        done = [p for p in predecessors.get(step.pk, []) if p.status == StepStatus.DONE]
        if not done or step.rework_of_id:
            # A rework step works on the parts that came back: its own quantity.
            available[step.pk] = step.quantity
            continue
        counts = [
            (
                (p.good_qty or 0)
                if p.workshop_id == step.workshop_id
                else received.get((p.pk, step.pk), 0)
            )
            // per_unit.get((step.pk, p.part_id), 1)
            for p in done
            if not p.rework_of_id
        ]
        available[step.pk] = max(min(counts), 0) if counts else step.quantity
    return available


# --- a workshop's record: ratings and on-time delivery ------------------------------------------

# The last 12 months; a figure needs 3 ratings (or deliveries) so that one does not define a
# small shop.
RECORD_WINDOW = dt.timedelta(days=365)
MIN_SHOWN = 3


def rating_summary(workshop: Workshop, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Averages and count over the last 12 months; the averages only from 3 ratings on."""
    since = (now or timezone.now()) - RECORD_WINDOW
    row = Rating.objects.filter(supplier=workshop, created_at__gte=since).aggregate(
        count=Count("pk"), quality=Avg("quality"), delivery=Avg("delivery"), cost=Avg("cost")
    )
    shown = row["count"] >= MIN_SHOWN
    summary: dict[str, Any] = {"count": row["count"], "shown": shown}
    for key in ("quality", "delivery", "cost"):
        summary[key] = _two_places(row[key]) if shown else None
    summary["overall"] = (
        _two_places((row["quality"] + row["delivery"] + row["cost"]) / 3) if shown else None
    )
    return summary


def _two_places(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def delivery_record(workshop, *, now=None) -> dict:
    """The supplier's on-time delivery over the last 12 months, from what actually happened:
    an order counts as on time when its parts were received (the hand-off that settled it) on
    or before its delivery date, in Japan time. The rate is shown from 3 deliveries on."""
    since = (now or timezone.now()) - RECORD_WINDOW
    row = Order.objects.filter(
        supplier=workshop, status=OrderStatus.DELIVERED, delivered_at__gte=since
    ).aggregate(
        delivered=Count("pk"),
        on_time=Count("pk", filter=Q(delivered_at__date__lte=F("due_date"))),
    )
    shown = row["delivered"] >= MIN_SHOWN
    rate = round(100 * row["on_time"] / row["delivered"]) if shown else None
    return {"delivered": row["delivered"], "on_time": row["on_time"], "percent": rate}


def contracted_orders(job: Job) -> QuerySet[Order]:
    """The job's accepted, undelivered orders: contracts the hub cannot end alone (the job end
    service asks for the suppliers' agreement; the job end page lists them)."""
    return (
        Order.objects.filter(job=job, status=OrderStatus.ACCEPTED)
        .select_related("supplier")
        .order_by("requested_at", "pk")
    )


# --- asking a workshop for work -------------------------------------------------------------------

JOBS_TO_ASK_LIMIT = 50


def jobs_to_ask_of(user, supplier: Workshop) -> list[Job]:
    """The jobs of the shops `user` manages that still have a step to route (the one rule,
    `routable_by`), soonest due first, each with `routable_count`: what the user may ask
    `supplier` for from its profile. One query per managed shop (a handful)."""
    jobs: list[Job] = []
    for membership in Membership.objects.managed_by(user).select_related("workshop"):
        buyer = membership.workshop
        if buyer.pk == supplier.pk:
            continue
        routable = Step.objects.routable_by(buyer).filter(job=OuterRef("pk"))
        jobs += (
            Job.objects.filter(owner=buyer, status__in=[JobStatus.OPEN, JobStatus.IN_PROGRESS])
            .annotate(
                routable_count=Subquery(
                    routable.order_by().values("job").annotate(n=Count("pk")).values("n")[:1]
                )
            )
            .filter(routable_count__gt=0)
            .select_related("owner")
            .order_by("due_date", "pk")[:JOBS_TO_ASK_LIMIT]
        )
    return sorted(jobs, key=lambda j: (j.due_date, j.pk))[:JOBS_TO_ASK_LIMIT]


# --- The route form's suppliers -------------------------------------------------------------

ROUTE_FORM_SUPPLIERS = 50


def route_candidates(
    buyer: Workshop, steps: list[Step], requirements: dict[str, Any]
) -> list[dict[str, Any]]:
    """The shops the route form offers for `steps`, nearest first: exactly those
    `Workshop.objects.capable_of` finds under `requirements` (what `order_request` accepts),
    each with its distance, its usual lead time for the steps (the longest of their
    processes), whether the steps' quantity is within its usual lots, its load over the next
    weeks and its rating.

    Queries: the shops, their capabilities for the processes, and the load (two)."""
    processes = {s.process_id for s in steps}
    shops = list(
        Workshop.objects.capable_of(processes, **requirements)
        .exclude(pk=buyer.pk)
        .order_by("name_kana", "name")[:ROUTE_FORM_SUPPLIERS]
    )
    if not shops:
        return []
    ids = [w.pk for w in shops]
    quantity = max(s.quantity for s in steps)
    leads: dict[int, list[int]] = {}
    outside_lots: set[int] = set()
    for workshop_id, days, lot_min, lot_max in Capability.objects.filter(
        workshop_id__in=ids, process_id__in=processes
    ).values_list("workshop_id", "lead_time_days", "lot_min", "lot_max"):
        if days is not None:
            leads.setdefault(workshop_id, []).append(days)
        if (lot_min is not None and quantity < lot_min) or (
            lot_max is not None and quantity > lot_max
        ):
            outside_lots.add(workshop_id)
    load = load_ratio(ids, next(iter(processes)) if len(processes) == 1 else None)
    origin = Point.of(buyer)
    rows = []
    for shop in shops:
        here = Point.of(shop)
        ratio = load.get(shop.pk)
        rows.append(
            {
                "shop": shop,
                "km": distance_km(origin, here) if origin and here else None,
                "lead_time_days": max(leads[shop.pk]) if shop.pk in leads else None,
                "lot_ok": shop.pk not in outside_lots,
                "load_percent": None if ratio is None else round(ratio * 100),
                "rating": shop.rating_average if shop.rating_count else None,
                "rating_count": shop.rating_count,
            }
        )
    rows.sort(key=lambda r: (r["km"] is None, r["km"] or 0, r["shop"].name_kana or r["shop"].name))
    return rows


def wire_events(events: QuerySet[ProgressEvent], *, limit: int) -> list[dict[str, Any]]:
    """Events as the API's event cursor answers them (and webhooks send them), oldest first:
    public ids, never primary keys. One query."""
    rows = events.order_by("seq").values(
        "seq",
        "kind",
        "created_at",
        "data",
        "actor__display_name",
        "actor__username",
        "workshop__uuid",
        "step__uuid",
        "order__uuid",
        "handoff__uuid",
    )[:limit]
    return [
        {
            "seq": row["seq"],
            "kind": row["kind"],
            "at": row["created_at"],
            "actor": row["actor__display_name"] or row["actor__username"],
            "workshop": row["workshop__uuid"],
            "step": row["step__uuid"],
            "order": row["order__uuid"],
            "handoff": row["handoff__uuid"],
            "data": row["data"],
        }
        for row in rows
    ]


def trading_terms(buyer_id: int, supplier_id: int) -> PaymentTerms | None:
    """The payment terms `buyer` pays `supplier` on, if the pair agreed any. One query."""
    row = trading_pair(buyer_id, supplier_id)
    return row.as_terms() if row else None


def trading_pair(buyer_id: int, supplier_id: int) -> TradingTerms | None:
    """The pair's standing terms row (payment terms and who bears the transfer fee), if any.
    One query."""
    return TradingTerms.objects.filter(buyer_id=buyer_id, supplier_id=supplier_id).first()
