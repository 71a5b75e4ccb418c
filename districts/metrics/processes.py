"""The per-process tables: throughput, lead times, work in progress and queue, capacity
against committed load; and the live counters."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum

from orders import load
from orders.models import LeadTime, Step, StepDayStat, StepStatus
from workshops.models import Workshop

from .. import sql
from .aggregates import lead_times, percent
from .privacy import public, shown, suppress, total
from .scope import LOAD_WEEKS, WIP_STATES, Scope, in_range, process_labels


def step_totals(scope: Scope) -> dict[int | None, dict[str, int]]:
    """Steps done, good and scrap parts, and the workshops that finished any, over the range:
    per process, and (under None) for all processes together. One query: the daily rows are
    summed per process and workshop first, then per process and overall."""
    inner = (
        scope.processes(
            StepDayStat.objects.filter(
                in_range(scope), workshop__in=scope.workshops(), steps_done__gt=0
            )
        )
        .order_by()
        .values(p=F("process"), w=F("workshop"))
        .annotate(done=Sum("steps_done"), good=Sum("good_qty"), scrap=Sum("scrap_qty"))
    )
    rows = sql.over(
        inner,
        """WITH t AS {inner}
        SELECT p, SUM(done), SUM(good), SUM(scrap), COUNT(*) FROM t GROUP BY p
        UNION ALL
        SELECT NULL, SUM(done), SUM(good), SUM(scrap), COUNT(DISTINCT w) FROM t""",
    )
    return {
        process: {
            "done": int(done or 0),
            "good": int(good or 0),
            "scrap": int(scrap or 0),
            "workshops": int(shops or 0),
        }
        for process, done, good, scrap, shops in rows
    }


def process_table(
    scope: Scope,
    labels: dict[int, dict[str, Any]],
    steps: dict[int | None, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """Per process over the range: steps done, parts good and scrap, lead time of a step
    (median and 90th percentile, hours); right now: work in progress and the queue; and
    declared capacity against committed load over the next weeks. `steps`: `step_totals`,
    when the caller has it already."""
    workshops = scope.workshops()
    steps = step_totals(scope) if steps is None else steps
    done = {pk: row for pk, row in steps.items() if pk is not None}
    total_done_workshops = steps.get(None, {}).get("workshops", 0)
    leads = lead_times(
        scope.processes(
            LeadTime.objects.filter(
                in_range(scope), kind=LeadTime.Kind.STEP, workshop__in=workshops
            )
        ),
        "process",
    )
    capacity = capacity_by_process(scope)

    def base(pk: int) -> dict[str, Any]:
        label = labels[pk]
        return {"process": label["code"], "name": label["name"], "colour": label["colour"]}

    def ordered(pks: Iterable[int]) -> list[int]:
        return sorted(pks, key=lambda pk: labels[pk]["order"])

    throughput = []
    for pk in ordered(done):
        row = done[pk]
        if not row["done"]:
            continue
        throughput.append(
            {
                **base(pk),
                "steps_done": row["done"],
                "good_qty": row["good"],
                "scrap_qty": row["scrap"],
                "_steps_done": row["done"],
                "_good_qty": row["good"],
                "_scrap_qty": row["scrap"],
                "workshops": row["workshops"],
            }
        )
    suppress(throughput, ["steps_done", "good_qty", "scrap_qty"])
    throughput_total = {
        key: total(throughput, key, total_done_workshops)
        for key in ("steps_done", "good_qty", "scrap_qty")
    }

    lead_rows = []
    for pk in ordered(k for k in leads if k is not None):
        row = leads[pk]
        lead_rows.append(
            {
                **base(pk),
                "median_hours": row["median"],
                "p90_hours": row["p90"],
                "steps": row["count"],
                "workshops": row["workshops"],
            }
        )
    # Percentiles do not add up: a suppressed row cannot be recovered from the others.
    for row in lead_rows:
        if not shown(row["workshops"]):
            row.update(
                suppressed=True, workshops=None, median_hours=None, p90_hours=None, steps=None
            )
        else:
            row["suppressed"] = False

    capacity_rows = []
    for pk in ordered(capacity):
        row = capacity[pk]
        capacity_rows.append(
            {
                **base(pk),
                "capacity_hours": row["capacity"],
                "committed_hours": row["committed"],
                "load_percent": percent(row["committed"], row["capacity"]),
                "workshops": row["workshops"],
            }
        )
    for row in capacity_rows:
        if not shown(row["workshops"]):
            row.update(
                suppressed=True,
                workshops=None,
                capacity_hours=None,
                committed_hours=None,
                load_percent=None,
            )
        else:
            row["suppressed"] = False

    return {
        "throughput": [public(r) for r in throughput],
        "throughput_total": throughput_total,
        "lead_times": lead_rows,
        **process_table_live(scope, labels),
        "capacity": capacity_rows,
        "capacity_weeks": LOAD_WEEKS,
    }


def capacity_by_process(scope: Scope) -> dict[int, dict[str, Any]]:
    """Declared capacity (hours over LOAD_WEEKS weeks) and committed planned hours over the same
    weeks, summed per process over the workshops in scope (orders/load.py); `workshops` counts
    those declaring a capacity for the process. Three queries."""

    ids = list(Workshop.objects.filter(pk__in=scope.workshops()).values_list("pk", flat=True))
    if not ids:
        return {}
    committed = load.committed_hours(ids, weeks=LOAD_WEEKS, today=scope.today)
    declared = load.declared_capacity(ids)
    result: dict[int, dict[str, Any]] = {}
    for (shop, process), per_week in declared.items():
        if not per_week or (scope.process and process != scope.process.pk):
            continue
        row = result.setdefault(process, {"capacity": 0, "committed": Decimal(0), "shops": set()})
        row["capacity"] += per_week * LOAD_WEEKS
        row["committed"] += sum(committed.get((shop, process), ()), Decimal(0))
        row["shops"].add(shop)
    return {
        process: {
            "capacity": row["capacity"],
            "committed": float(round(row["committed"], 1)),
            "workshops": len(row["shops"]),
        }
        for process, row in result.items()
    }


def live_counters(scope: Scope) -> dict[str, Any]:
    """What the live panels show: today's steps done and the work in progress right now."""
    labels = process_labels()
    done = scope.processes(
        StepDayStat.objects.filter(day=scope.today, workshop__in=scope.workshops())
    ).aggregate(
        n=Sum("steps_done"), shops=Count("workshop", distinct=True, filter=Q(steps_done__gt=0))
    )
    table = process_table_live(scope, labels)
    return {
        "steps_done_today": (done["n"] or 0) if shown(done["shops"]) else None,
        **table,
    }


def process_table_live(scope: Scope, labels: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Work in progress and queue per process, right now (two queries)."""
    workshops = scope.workshops()
    base = scope.processes(
        Step.objects.filter(workshop__in=workshops, status__in=[*WIP_STATES, StepStatus.READY])
    ).order_by()
    rows = []
    for row in base.values("process").annotate(
        wip=Count("pk", filter=Q(status__in=WIP_STATES)),
        queue=Count("pk", filter=Q(status=StepStatus.READY)),
        workshops=Count("workshop", distinct=True),
    ):
        label = labels[row["process"]]
        rows.append(
            {
                "process": label["code"],
                "name": label["name"],
                "colour": label["colour"],
                "wip": row["wip"],
                "queue": row["queue"],
                "_wip": row["wip"],
                "_queue": row["queue"],
                "workshops": row["workshops"],
                "_order": label["order"],
            }
        )
    rows.sort(key=lambda r: r["_order"])
    suppress(rows, ["wip", "queue"])
    n = base.aggregate(n=Count("workshop", distinct=True))["n"]
    totals = {key: total(rows, key, n) for key in ("wip", "queue")}
    return {"wip": [public(r) for r in rows], "wip_total": totals}
