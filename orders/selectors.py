"""Reads about jobs and orders that are more than a lookup: the floor station's queues, parts
available, ratings and delivery records. Who may see what is in `access.py`."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.utils import timezone

from workshops.models import Capability, Membership, Workshop
from workshops.selectors import Point, distance_km

from .dag import StepGraph
from .load import load_ratio
from .models import (
    ENDED_JOB_STATES,
    LIVE_ORDER_STATES,
    HandOff,
    HandOffStatus,
    Job,
    JobStatus,
    Order,
    OrderStatus,
    Rating,
    Step,
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
        .annotate(shipped=Sum("handoffs_out__quantity_shipped", default=0))
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
        "job", "from_workshop", "from_step__process", "to_step__process"
    ).order_by("shipped_at", "pk")


_FLOOR_RELATED = ("job", "job__owner", "process", "workshop")


def step_successors(step_ids) -> dict[int, list[Step]]:
    """The steps each of `step_ids` feeds, with their process and shop, in one query."""
    successors: dict[int, list[Step]] = {}
    for link in StepLink.objects.filter(predecessor_id__in=step_ids).select_related(
        "successor__process", "successor__workshop"
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
    not perform the step and so could never ship the parts on."""
    if not steps:
        return {}
    successors = step_successors([s.pk for s in steps])
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
    result: dict[int, list[tuple[Step | None, Workshop]]] = {}
    for step in steps:
        nexts = successors.get(step.pk, [])
        found: list[tuple[Step | None, Workshop]] = [
            (n, n.workshop) for n in nexts if n.workshop_id != step.workshop_id
        ]
        # The order under which the step's shop performs it (a sub-order if any).
        order = next(
            (
                o
                for o in orders.values()
                if o.status in performing
                and o.supplier_id == step.workshop_id
                and step.pk in order_steps[o.pk]
            ),
            None,
        )
        following = {n.pk for n in nexts}
        if not found and order is not None and not following & order_steps[order.pk]:
            while order.parent_id in orders and not following & order_steps[order.parent_id]:
                order = orders[order.parent_id]
            found.append((None, order.buyer))
        result[step.pk] = found
    return result


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
            HandOff.objects.filter(to_step_id__in=ids, status=HandOffStatus.RECEIVED)
            .values("from_step_id", "to_step_id")
            .annotate(n=Sum("quantity_received"))
            .values_list("from_step_id", "to_step_id", "n")
        ):
            received[(from_id, to_id)] = n or 0
    available = {}
    for step in steps:
        done = [p for p in predecessors.get(step.pk, []) if p.status == StepStatus.DONE]
        if not done:
            available[step.pk] = step.quantity
            continue
        counts = [
            (p.good_qty or 0)
            if p.workshop_id == step.workshop_id
            else received.get((p.pk, step.pk), 0)
            for p in done
        ]
        available[step.pk] = max(min(counts), 0)
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


def trading_terms(buyer_id: int, supplier_id: int) -> PaymentTerms | None:
    """The payment terms `buyer` pays `supplier` on, if the pair agreed any. One query."""
    row = TradingTerms.objects.filter(buyer_id=buyer_id, supplier_id=supplier_id).first()
    return row.as_terms() if row else None
