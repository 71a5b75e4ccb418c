"""The live orders of one job as one query reads them, for the recompute and the routing of
events (orders/schedule.py, orders/broadcast.py)."""

from __future__ import annotations

import datetime as dt

from .models import LIVE_ORDER_STATES, Job, Order, OrderStatus


class JobOrders:
    """The live orders of one job, step by step, as one query reads them: what the recompute
    needs (the steps a request is waiting on, the date each step is owed by its nearest order,
    each accepted order's steps where the buyer supplies material) and what an event about a
    step needs to be routed (the shops party to the orders covering it). A service that
    changes no order reads them once for both (`keep_orders`)."""

    def __init__(self, job: Job) -> None:
        self.requested: set[int] = set()
        self.step_due: dict[int, dt.date] = {}
        self.supplied: dict[int, set[int]] = {}
        self._parties: dict[int, list[tuple[str, str]]] = {}
        for step_id, order_id, status, due, supply, buyer, supplier in (
            Order.steps.through.objects.filter(
                order__job_id=job.pk, order__status__in=LIVE_ORDER_STATES
            )
            .values_list(
                "step_id",
                "order_id",
                "order__status",
                "order__due_date",
                "order__material_supply",
                "order__buyer__uuid",
                "order__supplier__uuid",
            )
            .order_by("order__due_date", "order_id")
        ):
            if status == OrderStatus.REQUESTED:
                self.requested.add(step_id)
            elif status == OrderStatus.ACCEPTED and supply:
                self.supplied.setdefault(order_id, set()).add(step_id)
            self.step_due.setdefault(step_id, due)
            self._parties.setdefault(step_id, []).append((str(buyer), str(supplier)))

    def parties(self, step_id: int) -> list[tuple[str, str]]:
        """(buyer, supplier) public ids of each live order covering the step."""
        return self._parties.get(step_id, [])


def keep_orders(job: Job) -> None:
    """The caller (holding `job` locked) changes no order of the job before its commit: the
    job's live orders, once read, serve the rest of its transaction (`live_orders`)."""
    job._keep_orders = True


def live_orders(job: Job) -> JobOrders:
    """The job's live orders: read here, or the ones already read in this transaction when
    its service changes no order (`keep_orders`)."""
    orders = getattr(job, "_orders", None)
    if orders is None:
        orders = JobOrders(job)
        if getattr(job, "_keep_orders", False):
            job._orders = orders
    return orders
