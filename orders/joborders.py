"""The orders of one job as one query reads them, for the recompute, the routing of events
and the answer to a tap (orders/schedule.py, orders/broadcast.py, orders/access.py)."""

from __future__ import annotations

import datetime as dt

from core.prepared import Prepared

from .models import LIVE_ORDER_STATES, Job, Order, OrderStatus

# Compiled once: core/prepared.py.
JOB_ORDERS = Prepared(
    lambda job_id: (
        Order.steps.through.objects.filter(order__job_id=job_id)
        .values_list(
            "id",
            "step_id",
            "order_id",
            "order__uuid",
            "order__status",
            "order__requested_at",
            "order__due_date",
            "order__material_supply",
            "order__buyer_id",
            "order__supplier_id",
            "order__buyer__uuid",
            "order__supplier__uuid",
        )
        .order_by("order__due_date", "order_id", "id")
    ),
    int,
    name="job orders",
)


class JobOrders:
    """The orders of one job, step by step, as one query reads them: what the recompute needs
    of the live ones (the steps a request is waiting on, the date each step is owed by its
    nearest order, each accepted order's steps where the buyer supplies material), what an
    event about a step needs to be routed (the shops party to the live orders covering it),
    and what the answer to a tap shows (every order covering the step or the steps it waits
    for, `access.step_access_from`). A service that changes no order reads them once for all
    three (`keep_orders`)."""

    def __init__(self, job: Job, rows: list[tuple] | None = None) -> None:
        self.requested: set[int] = set()
        self.step_due: dict[int, dt.date] = {}
        self.supplied: dict[int, set[int]] = {}
        self._parties: dict[int, list[tuple[str, str]]] = {}
        # step → [(requested_at, row id, order)]: every order, live or not.
        self._covering: dict[int, list[tuple[dt.datetime, int, Order]]] = {}
        orders: dict[int, Order] = {}
        for row in JOB_ORDERS(job.pk) if rows is None else rows:
            row_id, step_id, order_id, uuid, status, requested_at, due, supply = row[:8]
            buyer_id, supplier_id, buyer, supplier = row[8:]
            order = orders.get(order_id)
            if order is None:
                order = orders[order_id] = Order(
                    pk=order_id,
                    uuid=uuid,
                    job=job,
                    status=status,
                    buyer_id=buyer_id,
                    supplier_id=supplier_id,
                    requested_at=requested_at,
                    due_date=due,
                    material_supply=supply,
                )
            self._covering.setdefault(step_id, []).append((requested_at, row_id, order))
            if status not in LIVE_ORDER_STATES:
                continue
            if status == OrderStatus.REQUESTED:
                self.requested.add(step_id)
            elif status == OrderStatus.ACCEPTED and supply:
                self.supplied.setdefault(order_id, set()).add(step_id)
            self.step_due.setdefault(step_id, due)
            self._parties.setdefault(step_id, []).append((str(buyer), str(supplier)))

    def parties(self, step_id: int) -> list[tuple[str, str]]:
        """(buyer, supplier) public ids of each live order covering the step."""
        return self._parties.get(step_id, [])

    def covering(self, step_ids) -> list[tuple[Order, int]]:
        """(order, step) for every order, live or not, covering one of `step_ids`, in the
        order the orders were requested. Each order carries its id, public id, status,
        buyer and supplier (not a full row)."""
        rows = [
            (requested_at, row_id, order, step_id)
            for step_id in step_ids
            for requested_at, row_id, order in self._covering.get(step_id, ())
        ]
        rows.sort(key=lambda r: (r[0], r[1]))
        return [(order, step_id) for _at, _id, order, step_id in rows]


def keep_orders(job: Job, rows: list[tuple] | None = None) -> None:
    """The caller (holding `job` locked) changes no order of the job before its commit: the
    job's orders, once read, serve the rest of its transaction (`live_orders`). `rows`: the
    caller has read them already (`JOB_ORDERS`)."""
    job._keep_orders = True
    if rows is not None:
        job._orders = JobOrders(job, rows)


def live_orders(job: Job) -> JobOrders:
    """The job's orders (`JobOrders`): read here, or the ones already read in this
    transaction when its service changes no order (`keep_orders`)."""
    orders = getattr(job, "_orders", None)
    if orders is None:
        orders = JobOrders(job)
        if getattr(job, "_keep_orders", False):
            job._orders = orders
    return orders
