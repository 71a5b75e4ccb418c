"""The district dashboard's figures, read from the rollups (never from the event log).

Every function takes a `Scope` (a district, a date range and the filters) and returns plain
data: numbers, process codes and names, never a job, customer, price or workshop name. A figure
drawn from fewer than MIN_WORKSHOPS workshops is suppressed (None, with `suppressed` set), and
where a table shows a total, enough further cells are suppressed with it that the total minus
the cells shown never describes fewer than MIN_WORKSHOPS workshops. Definitions:
docs/DASHBOARD.md.

The number of queries is fixed: it does not grow with the workshops, jobs or days in range.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from board.models import Posting, PostingStatus
from districts.models import DistrictTarget, TargetMetric
from orders import load
from orders.models import LeadTime, PairDayStat, Step, StepDayStat, StepStatus, WorkshopDayStat
from workshops.models import Capability, District, Process, Workshop

from . import sql

MIN_WORKSHOPS = 3
PARTICIPATION_DAYS = 90
WIP_STATES = (StepStatus.IN_PROGRESS, StepStatus.ON_HOLD)
LOAD_WEEKS = 4

# Size bands by headcount (従業員数): code → (low, high inclusive or None, label).
SIZE_BANDS: dict[str, tuple[int, int | None]] = {
    "1-9": (1, 9),
    "10-29": (10, 29),
    "30-99": (30, 99),
    "100+": (100, None),
}

# One colour per process category (Okabe–Ito, readable by colour-blind eyes); every chart also
# writes the process name beside its colour.
CATEGORY_COLOURS = {
    "cutting": "#0072B2",
    "abrasive": "#E69F00",
    "edm": "#CC79A7",
    "forming": "#009E73",
    "joining": "#D55E00",
    "heat_treatment": "#882255",
    "surface": "#56B4E9",
    "assembly": "#8C6D00",
    "inspection": "#444444",
    "other": "#888888",
}
OTHER_COLOUR = "#BBBBBB"


@dataclass
class Scope:
    """What a dashboard shows: one district, a range of Japan dates, and optional filters."""

    district: District
    start: dt.date
    end: dt.date
    process: Process | None = None
    area: str = ""
    size: str = ""
    today: dt.date = field(default_factory=timezone.localdate)

    def workshops(self) -> QuerySet[Workshop]:
        """The district's workshops in the chosen sub-area and size band (a subquery)."""
        qs = Workshop.objects.filter(districts=self.district)
        if self.area:
            qs = qs.filter(postal_code__startswith=self.area)
        if self.size in SIZE_BANDS:
            low, high = SIZE_BANDS[self.size]
            qs = qs.filter(headcount__gte=low)
            if high is not None:
                qs = qs.filter(headcount__lte=high)
        return qs.values("pk")

    def processes(self, qs: QuerySet, field_name: str = "process") -> QuerySet:
        return qs.filter(**{field_name: self.process}) if self.process else qs


def shown(n: int | None) -> bool:
    return bool(n) and n >= MIN_WORKSHOPS


def area_of(postal_code: str) -> str:
    """A sub-area: the first three digits of the postal code (the delivery district, 郵便区)."""
    digits = "".join(ch for ch in (postal_code or "") if ch.isdigit())
    return digits[:3] if len(digits) >= 3 else ""


def district_areas(district: District) -> list[str]:
    codes = Workshop.objects.filter(districts=district).values_list("postal_code", flat=True)
    return sorted({area_of(c) for c in codes} - {""})


# --- percentiles ---------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont: the exact, interpolated percentile."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont in Python: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def lead_times(qs: QuerySet[LeadTime], group: str | None) -> dict[Any, dict[str, Any]]:
    """{group value: {median, p90 (hours), count, workshops}} in one query."""
    keys = [group] if group else []
    if connection.vendor == "postgresql":
        figures = {
            "median": PercentileCont("seconds", 0.5),
            "p90": PercentileCont("seconds", 0.9),
            "count": Count("pk"),
            "workshops": Count("workshop", distinct=True),
        }
        if keys:
            rows = list(qs.order_by().values(*keys).annotate(**figures))
        else:
            rows = [qs.order_by().aggregate(**figures)]
            rows = rows if rows[0]["count"] else []
        return {
            (row[group] if group else None): {
                "median": _hours(row["median"]),
                "p90": _hours(row["p90"]),
                "count": row["count"],
                "workshops": row["workshops"],
            }
            for row in rows
        }
    values: dict[Any, list[float]] = defaultdict(list)
    shops: dict[Any, set[int]] = defaultdict(set)
    for value, seconds, shop in qs.order_by().values_list(
        group or "kind", "seconds", "workshop_id"
    ):
        key = value if group else None
        values[key].append(float(seconds))
        shops[key].add(shop)
    return {
        key: {
            "median": _hours(percentile(v, 0.5)),
            "p90": _hours(percentile(v, 0.9)),
            "count": len(v),
            "workshops": len(shops[key]),
        }
        for key, v in values.items()
    }


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


# --- suppression ---------------------------------------------------------------------------------


def suppress(rows: list[dict[str, Any]], value_keys: Iterable[str]) -> list[dict[str, Any]]:
    """Blank every row drawn from fewer than MIN_WORKSHOPS workshops; then, while the blanked
    rows together come from fewer than MIN_WORKSHOPS, blank the smallest shown row too, so
    that a total minus the rows shown never describes one or two workshops."""
    value_keys = list(value_keys)
    hidden = [r for r in rows if not shown(r["workshops"])]
    visible = sorted((r for r in rows if shown(r["workshops"])), key=lambda r: r["workshops"])
    while hidden and visible and sum(r["workshops"] or 0 for r in hidden) < MIN_WORKSHOPS:
        hidden.append(visible.pop(0))
    for row in hidden:
        row["suppressed"] = True
        row["workshops"] = None
        for key in value_keys:
            row[key] = None
    for row in visible:
        row["suppressed"] = False
    return rows


def _total(rows: list[dict[str, Any]], key: str, workshops: int) -> int | None:
    """The sum of a column over every row (suppressed ones included), when the whole table
    describes at least MIN_WORKSHOPS workshops."""
    if not shown(workshops):
        return None
    return sum(r["_" + key] for r in rows)


# --- the figures ---------------------------------------------------------------------------------


def process_labels() -> dict[int, dict[str, Any]]:
    return {
        p.pk: {
            "code": p.code,
            "name": p.name,
            "symbol": p.jis_symbol,
            "colour": CATEGORY_COLOURS.get(p.category, OTHER_COLOUR),
            "order": (p.sort_order, p.code),
        }
        for p in Process.objects.all()
    }


def _in_range(scope: Scope) -> Q:
    return Q(day__gte=scope.start, day__lte=scope.end)


def _day(value) -> dt.date:
    """A date from what a raw cursor returns for a truncated day: a date, a datetime or, on
    SQLite, an ISO string."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, dt.datetime) else value


def step_totals(scope: Scope) -> dict[int | None, dict[str, int]]:
    """Steps done, good and scrap parts, and the workshops that finished any, over the range:
    per process, and (under None) for all processes together. One query: the daily rows are
    summed per process and workshop first, then per process and overall."""
    inner = (
        scope.processes(
            StepDayStat.objects.filter(
                _in_range(scope), workshop__in=scope.workshops(), steps_done__gt=0
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
                _in_range(scope), kind=LeadTime.Kind.STEP, workshop__in=workshops
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
        key: _total(throughput, key, total_done_workshops)
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
                "load_percent": _percent(row["committed"], row["capacity"]),
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
        "throughput": [_public(r) for r in throughput],
        "throughput_total": throughput_total,
        "lead_times": lead_rows,
        **process_table_live(scope, labels),
        "capacity": capacity_rows,
        "capacity_weeks": LOAD_WEEKS,
    }


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its private totals (the unsuppressed values kept for sums)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _percent(part, whole) -> int | None:
    if not whole:
        return None
    return round(100 * float(part) / float(whole))


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


def weekly_throughput(scope: Scope, labels: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Steps done per week (weeks start on Monday) and process; per week, the processes drawn
    from too few workshops are folded into one "other" figure (itself from at least
    MIN_WORKSHOPS workshops, or the whole week is suppressed)."""
    inner = (
        scope.processes(
            StepDayStat.objects.filter(
                _in_range(scope), workshop__in=scope.workshops(), steps_done__gt=0
            )
        )
        .order_by()
        .values(week=TruncWeek("day"), p=F("process"), w=F("workshop"))
        .annotate(done=Sum("steps_done"))
    )
    by_week: dict[dt.date, dict[int, dict[str, int]]] = defaultdict(dict)
    for week, process, done, shops in sql.over(
        inner, "SELECT week, p, SUM(done), COUNT(*) FROM {inner} t GROUP BY week, p"
    ):
        by_week[_day(week)][process] = {"done": int(done), "workshops": shops}
    jobs = {
        _day(r["week"]): r
        for r in WorkshopDayStat.objects.filter(
            _in_range(scope), workshop__in=scope.workshops(), jobs_completed__gt=0
        )
        .order_by()
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(jobs=Sum("jobs_completed"), workshops=Count("workshop", distinct=True))
    }
    first = scope.start - dt.timedelta(days=scope.start.weekday())
    weeks = []
    week = first
    used: set[int] = set()
    while week <= scope.end:
        cells = [
            {
                "process": pk,
                "workshops": cell["workshops"],
                "done": cell["done"],
                "_done": cell["done"],
            }
            for pk, cell in sorted(
                by_week.get(week, {}).items(), key=lambda kv: labels[kv[0]]["order"]
            )
        ]
        suppress(cells, ["done"])
        hidden = sum(c["_done"] for c in cells if c["suppressed"])
        total = sum(c["_done"] for c in cells)
        job_row = jobs.get(week)
        segments = [
            {"process": labels[c["process"]]["code"], "done": c["done"]}
            for c in cells
            if not c["suppressed"]
        ]
        used.update(c["process"] for c in cells if not c["suppressed"])
        # The folded cells come from at least MIN_WORKSHOPS workshops unless everything was.
        all_hidden = cells and all(c["suppressed"] for c in cells)
        weeks.append(
            {
                "week": week.isoformat(),
                "segments": segments,
                "other": (hidden or None) if not all_hidden else None,
                "total": None if all_hidden else total,
                "suppressed": bool(all_hidden),
                "jobs_completed": job_row["jobs"]
                if job_row and shown(job_row["workshops"])
                else (None if job_row else 0),
            }
        )
        week += dt.timedelta(weeks=1)
    legend = [
        {k: labels[pk][k] for k in ("code", "name", "colour")}
        for pk in sorted(used, key=lambda pk: labels[pk]["order"])
    ]
    return {"weeks": weeks, "legend": legend}


def _since(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def workshop_totals(scope: Scope) -> dict[str, int]:
    """Jobs completed and made joint (as hub), orders delivered and on time (as supplier) over
    the range, with the workshops behind each. One query, summed per workshop first."""
    inner = (
        WorkshopDayStat.objects.filter(_in_range(scope), workshop__in=scope.workshops())
        .order_by()
        .values(w=F("workshop"))
        .annotate(
            completed=Sum("jobs_completed"),
            joint=Sum("jobs_joint"),
            delivered=Sum("orders_delivered"),
            on_time=Sum("orders_on_time"),
        )
    )
    (row,) = sql.over(
        inner,
        """SELECT SUM(completed), SUM(joint), SUM(delivered), SUM(on_time),
            COUNT(CASE WHEN completed > 0 THEN 1 END),
            COUNT(CASE WHEN joint > 0 THEN 1 END),
            COUNT(CASE WHEN delivered > 0 THEN 1 END)
        FROM {inner} t""",
    )
    names = ("completed", "joint", "delivered", "on_time", "hubs", "joint_hubs", "suppliers")
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def summary(scope: Scope, steps: dict[int | None, dict[str, int]] | None = None) -> dict[str, Any]:
    """The headline figures over the range (and, for participation, the last 90 days).
    `steps`: `step_totals`, when the caller has it already."""
    workshops = scope.workshops()
    shop = workshop_totals(scope)
    steps = step_totals(scope) if steps is None else steps
    overall = steps.get(None) or {}
    step_totals_row = {
        "done": overall.get("done", 0),
        "good": overall.get("good", 0),
        "shops": overall.get("workshops", 0),
    }
    job_leads = lead_times(
        LeadTime.objects.filter(_in_range(scope), kind=LeadTime.Kind.JOB, workshop__in=workshops),
        None,
    ).get(None, {})
    matches = Posting.objects.filter(
        status=PostingStatus.AWARDED,
        districts=scope.district,
        buyer__in=workshops,
        decided_at__gte=_since(scope.start),
        decided_at__lt=_since(scope.end + dt.timedelta(days=1)),
    )
    if scope.process:
        matches = matches.filter(process=scope.process)
    match_row = matches.aggregate(n=Count("pk"), buyers=Count("buyer", distinct=True))
    participating = participating_count(scope, scope.today)
    in_district = Workshop.objects.filter(pk__in=workshops).count()

    def gated(value, n):
        return (value or 0) if shown(n) else None

    delivered = shop["delivered"] or 0
    on_time_shown = shown(shop["suppliers"]) and delivered > 0
    return {
        "workshops": in_district,
        "participating": participating if shown(participating) else None,
        "participation_days": PARTICIPATION_DAYS,
        "steps_done": gated(step_totals_row["done"], step_totals_row["shops"]),
        "good_qty": gated(step_totals_row["good"], step_totals_row["shops"]),
        "jobs_completed": gated(shop["completed"], shop["hubs"]),
        "joint_orders": gated(shop["joint"], shop["joint_hubs"]),
        "matches": match_row["n"] if shown(match_row["buyers"]) else None,
        "orders_delivered": gated(delivered, shop["suppliers"]),
        "on_time_percent": _percent(shop["on_time"] or 0, delivered) if on_time_shown else None,
        "job_lead_median_hours": job_leads.get("median")
        if shown(job_leads.get("workshops"))
        else None,
        "job_lead_p90_hours": job_leads.get("p90") if shown(job_leads.get("workshops")) else None,
    }


def participating_count(scope: Scope, today: dt.date) -> int:
    """Workshops of the scope with any activity (a step started or done, a job completed, an
    order placed, accepted or delivered) in the PARTICIPATION_DAYS days up to `today`. One
    query."""
    since = today - dt.timedelta(days=PARTICIPATION_DAYS - 1)
    window = Q(day__gte=since, day__lte=today)
    workshops = scope.workshops()
    steps = StepDayStat.objects.filter(window, workshop__in=workshops).values("workshop")
    shops = WorkshopDayStat.objects.filter(window, workshop__in=workshops).values("workshop")
    return steps.union(shops).count()


def main_processes(workshop_ids: Iterable[int]) -> dict[int, int]:
    """Each workshop's main process: the one it declares most weekly capacity for (then the
    first in the taxonomy). One query."""
    best: dict[int, tuple] = {}
    for shop, process, capacity, order, code in (
        Capability.objects.filter(workshop__in=workshop_ids)
        .order_by()
        .values_list(
            "workshop_id",
            "process_id",
            "capacity_hours_per_week",
            "process__sort_order",
            "process__code",
        )
    ):
        rank = (-(capacity or 0), order, code)
        if shop not in best or rank < best[shop][0]:
            best[shop] = (rank, process)
    return {shop: process for shop, (_rank, process) in best.items()}


OTHER = "other"


def network(scope: Scope, labels: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The inter-firm network over the range: workshops grouped by their main process are the
    nodes, orders accepted between them the weighted, directed edges. A group of fewer than
    MIN_WORKSHOPS workshops joins "other"; an edge is shown when at least MIN_WORKSHOPS buyers
    and MIN_WORKSHOPS suppliers make it up, the rest are counted together.

    Three queries, none returning a row per pair: the workshops that traded, their main
    processes, then the edges summed in the database with the workshops mapped to groups."""
    workshops = scope.workshops()
    traded = PairDayStat.objects.filter(
        _in_range(scope), buyer__in=workshops, supplier__in=workshops
    ).order_by()
    shops = set(
        traded.values_list("buyer_id", flat=True).union(
            traded.values_list("supplier_id", flat=True)
        )
    )
    main = main_processes(shops) if shops else {}
    members: dict[Any, set[int]] = defaultdict(set)
    for shop in shops:
        members[main.get(shop, OTHER)].add(shop)
    small = sorted((g for g in members if len(members[g]) < MIN_WORKSHOPS), key=str)
    for g in small:
        if g != OTHER:
            members[OTHER] |= members.pop(g)
    while OTHER in members and len(members[OTHER]) < MIN_WORKSHOPS and len(members) > 1:
        smallest = min((g for g in members if g != OTHER), key=lambda g: len(members[g]))
        members[OTHER] |= members.pop(smallest)
    groups = sorted(members, key=str)

    def group_of(field_name: str) -> Case:
        return Case(
            *(
                When(**{f"{field_name}__in": sorted(members[g])}, then=Value(index))
                for index, g in enumerate(groups)
            ),
            output_field=IntegerField(),
        )

    edges: dict[tuple, dict[str, Any]] = {}
    if shops:
        for row in (
            traded.annotate(source=group_of("buyer_id"), target=group_of("supplier_id"))
            .values("source", "target")
            .annotate(
                orders=Sum("orders"),
                buyers=Count("buyer", distinct=True),
                suppliers=Count("supplier", distinct=True),
                buyer_low=Min("buyer"),
                buyer_high=Max("buyer"),
                supplier_low=Min("supplier"),
                supplier_high=Max("supplier"),
            )
        ):
            edges[(groups[row["source"]], groups[row["target"]])] = {
                "orders": int(row["orders"]),
                # Whom an edge of one or two buyers (suppliers) comes from: its lowest and
                # highest. Only those small sides are ever united below; a side of three or
                # more shows on its own.
                "buyers": row["buyers"],
                "suppliers": row["suppliers"],
                "buyer_ids": {row["buyer_low"], row["buyer_high"]},
                "supplier_ids": {row["supplier_low"], row["supplier_high"]},
            }

    def big_enough(edge) -> bool:
        return shown(edge["buyers"]) and shown(edge["suppliers"])

    hidden = [k for k, e in edges.items() if not big_enough(e)]
    visible = sorted((k for k in edges if k not in hidden), key=lambda k: edges[k]["orders"])

    def side_shown(side: str) -> bool:
        """Whether the hidden edges together come from at least MIN_WORKSHOPS workshops on one
        side: exact, as a side of three or more is enough alone and a smaller side is known
        in full."""
        if any(shown(edges[k][side]) for k in hidden):
            return True
        return shown(len(set().union(*(edges[k][side[:-1] + "_ids"] for k in hidden))))

    while hidden and visible:
        if side_shown("buyers") and side_shown("suppliers"):
            break
        hidden.append(visible.pop(0))

    def node_label(g) -> dict[str, Any]:
        if g == OTHER:
            return {"id": OTHER, "name": _("Other processes"), "colour": OTHER_COLOUR}
        return {"id": labels[g]["code"], "name": labels[g]["name"], "colour": labels[g]["colour"]}

    nodes = []
    if len(shops) >= MIN_WORKSHOPS:
        for g in sorted(members, key=lambda g: (g == OTHER, labels.get(g, {}).get("order", ()))):
            nodes.append({**node_label(g), "workshops": len(members[g])})
    shown_edges = [
        {
            "source": node_label(a)["id"],
            "target": node_label(b)["id"],
            "orders": edges[(a, b)]["orders"],
        }
        for (a, b) in sorted(visible, key=lambda k: -edges[k]["orders"])
    ]
    other_orders = sum(edges[k]["orders"] for k in hidden)
    other_shown = bool(hidden) and side_shown("buyers") and side_shown("suppliers")
    return {
        "nodes": nodes,
        "edges": shown_edges if nodes else [],
        "other_orders": (other_orders if other_shown else None) if nodes else None,
        "suppressed": not nodes and bool(shops),
        "total_orders": sum(e["orders"] for e in edges.values()) if nodes else None,
    }


# --- targets -------------------------------------------------------------------------------------


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def targets_progress(district: District, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Each target with where the district stands and the monthly trend since it started, the
    straight path to the target beside it. A fixed number of queries: the targets, then one per
    kind of measure in use, over the union of their periods."""
    today = today or timezone.localdate()
    targets = list(DistrictTarget.objects.filter(district=district))
    if not targets:
        return []
    workshops = Workshop.objects.filter(districts=district).values("pk")
    first = min(t.starts_on for t in targets)
    last = min(max(t.ends_on for t in targets), today)
    monthly: dict[str, dict[dt.date, int]] = {}
    kinds = {t.metric for t in targets}
    window = Q(day__gte=first, day__lte=last)
    for metric, column in (
        (TargetMetric.JOINT_ORDERS, "jobs_joint"),
        (TargetMetric.JOBS_COMPLETED, "jobs_completed"),
    ):
        if metric in kinds:
            monthly[metric] = {
                _as_date(r["month"]): r["n"] or 0
                for r in WorkshopDayStat.objects.filter(window, workshop__in=workshops)
                .order_by()
                .annotate(month=TruncMonth("day"))
                .values("month")
                .annotate(n=Sum(column))
            }
    if TargetMetric.MATCHES in kinds:
        monthly[TargetMetric.MATCHES] = defaultdict(int)
        for decided in Posting.objects.filter(
            status=PostingStatus.AWARDED,
            districts=district,
            decided_at__gte=_since(first),
            decided_at__lt=_since(last + dt.timedelta(days=1)),
        ).values_list("decided_at", flat=True):
            monthly[TargetMetric.MATCHES][timezone.localdate(decided).replace(day=1)] += 1
    active: dict[dt.date, set[int]] = defaultdict(set)
    if TargetMetric.PARTICIPATING in kinds:
        since = first.replace(day=1) - dt.timedelta(days=62)
        steps = (
            StepDayStat.objects.filter(day__gte=since, day__lte=last, workshop__in=workshops)
            .annotate(month=TruncMonth("day"))
            .values_list("workshop", "month")
        )
        shops = (
            WorkshopDayStat.objects.filter(day__gte=since, day__lte=last, workshop__in=workshops)
            .annotate(month=TruncMonth("day"))
            .values_list("workshop", "month")
        )
        for shop, month in steps.union(shops):
            active[_as_date(month)].add(shop)
        current = participating_count(Scope(district, today, today, today=today), today)
    result = []
    for target in targets:
        end = min(target.ends_on, today)
        months = _months(target.starts_on, end) if target.starts_on <= today else []
        series = []
        running = 0
        for month in months:
            if target.metric == TargetMetric.PARTICIPATING:
                previous = (month - dt.timedelta(days=1)).replace(day=1)
                before = (previous - dt.timedelta(days=1)).replace(day=1)
                value = len(active[month] | active[previous] | active[before])
            else:
                running += monthly[target.metric].get(month, 0)
                value = running
            series.append({"month": month.isoformat()[:7], "value": value})
        if target.metric == TargetMetric.PARTICIPATING:
            value = current
        else:
            value = series[-1]["value"] if series else 0
        span = (target.ends_on - target.starts_on).days
        elapsed = min(max((today - target.starts_on).days, 0), span)
        expected = round(target.value * elapsed / span) if span else target.value
        result.append(
            {
                "uuid": str(target.uuid),
                "metric": target.metric,
                "label": str(TargetMetric(target.metric).label),
                "note": target.note,
                "target": target.value,
                "starts_on": target.starts_on.isoformat(),
                "ends_on": target.ends_on.isoformat(),
                "value": value,
                "percent": round(100 * value / target.value),
                "expected": expected,
                "on_track": value >= expected,
                "series": series,
            }
        )
    return result


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# --- everything on the page ------------------------------------------------------------------


SECTIONS = ("summary", "weekly", "processes", "network", "targets")


def dashboard_header(scope: Scope) -> dict[str, Any]:
    """What the figures are for: the range and the filters (no query)."""
    return {
        "range": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "filters": {
            "process": scope.process.code if scope.process else None,
            "area": scope.area or None,
            "size": scope.size or None,
        },
        "min_workshops": MIN_WORKSHOPS,
    }


def district_dashboard(
    scope: Scope,
    sections: Iterable[str] = SECTIONS,
    on_section: Callable[[str, Any], None] | None = None,
) -> dict[str, Any]:
    """The figures of the district dashboard, or of some of its sections (a CSV download
    needs one). `on_section(name, figures)` is called as each section is done."""
    sections = [name for name in SECTIONS if name in set(sections)]
    labels = process_labels() if {"weekly", "processes", "network"} & set(sections) else {}
    steps = step_totals(scope) if {"summary", "processes"} & set(sections) else None
    build = {
        "summary": lambda: summary(scope, steps),
        "weekly": lambda: weekly_throughput(scope, labels),
        "processes": lambda: process_table(scope, labels, steps),
        "network": lambda: network(scope, labels),
        "targets": lambda: targets_progress(scope.district, today=scope.today),
    }
    result = dashboard_header(scope)
    for name in sections:
        result[name] = build[name]()
        if on_section is not None:
            on_section(name, result[name])
    return result


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
    totals = {key: _total(rows, key, n) for key in ("wip", "queue")}
    return {"wip": [_public(r) for r in rows], "wip_total": totals}


# --- a workshop beside its peers -----------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return percentile(values, 0.5)


def workshop_comparison(
    workshop: Workshop,
    district: District | None,
    start: dt.date,
    end: dt.date,
    *,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The workshop's own figures over the range beside the median of the district's workshops
    that took part in it (any step, job or order in the range). The median is suppressed below
    MIN_WORKSHOPS peers; it never says which workshop it came from. A fixed number of queries."""

    today = today or timezone.localdate()
    window = Q(day__gte=start, day__lte=end)
    if district is not None:
        members = Workshop.objects.filter(districts=district).values("pk")
        ids = set(members.values_list("pk", flat=True)) | {workshop.pk}
    else:
        ids = {workshop.pk}
    steps = {
        r["workshop"]: r
        for r in StepDayStat.objects.filter(window, workshop__in=ids)
        .order_by()
        .values("workshop")
        .annotate(done=Sum("steps_done"), good=Sum("good_qty"))
    }
    shops = {
        r["workshop"]: r
        for r in WorkshopDayStat.objects.filter(window, workshop__in=ids)
        .order_by()
        .values("workshop")
        .annotate(
            completed=Sum("jobs_completed"),
            joint=Sum("jobs_joint"),
            accepted=Sum("orders_accepted"),
            delivered=Sum("orders_delivered"),
            on_time=Sum("orders_on_time"),
        )
    }
    leads = lead_times(
        LeadTime.objects.filter(window, kind=LeadTime.Kind.STEP, workshop__in=ids), "workshop"
    )
    live = {
        r["workshop"]: r
        for r in Step.objects.filter(workshop__in=ids, status__in=[*WIP_STATES, StepStatus.READY])
        .order_by()
        .values("workshop")
        .annotate(
            wip=Count("pk", filter=Q(status__in=WIP_STATES)),
            queue=Count("pk", filter=Q(status=StepStatus.READY)),
        )
    }
    loads = load.load_ratio(sorted(ids), weeks=LOAD_WEEKS, today=today)
    active = set(steps) | set(shops)
    peers = active - {workshop.pk}

    def value(pk: int, measure: str) -> float | None:
        s, w, lead = steps.get(pk, {}), shops.get(pk, {}), leads.get(pk)
        if measure == "steps_done":
            return s.get("done") or 0
        if measure == "good_qty":
            return s.get("good") or 0
        if measure == "lead_median_hours":
            return lead["median"] if lead else None
        if measure == "orders_accepted":
            return w.get("accepted") or 0
        if measure == "on_time_percent":
            return _percent(w.get("on_time") or 0, w.get("delivered") or 0)
        if measure == "jobs_completed":
            return w.get("completed") or 0
        if measure == "joint_orders":
            return w.get("joint") or 0
        if measure == "wip":
            return live.get(pk, {}).get("wip", 0)
        if measure == "queue":
            return live.get(pk, {}).get("queue", 0)
        if measure == "load_percent":
            ratio = loads.get(pk)
            return None if ratio is None else round(float(ratio) * 100)
        raise ValueError(measure)

    measures = [
        ("steps_done", _("Steps done"), ""),
        ("good_qty", _("Good parts"), ""),
        ("lead_median_hours", _("Step lead time, median"), "h"),
        ("orders_accepted", _("Orders received"), ""),
        ("on_time_percent", _("On-time delivery"), "%"),
        ("jobs_completed", _("Jobs completed as hub"), ""),
        ("joint_orders", _("Joint orders as hub"), ""),
        ("wip", _("In progress now"), ""),
        ("queue", _("Waiting to start now"), ""),
        ("load_percent", _("Load, next %(weeks)s weeks") % {"weeks": LOAD_WEEKS}, "%"),
    ]
    rows = []
    for key, label, unit in measures:
        population = peers if key not in ("wip", "queue", "load_percent") else ids - {workshop.pk}
        values = [v for v in (value(pk, key) for pk in population) if v is not None]
        # The median is over the workshop's peers and itself, as "the district's median".
        mine = value(workshop.pk, key)
        pool = values + ([mine] if mine is not None else [])
        median = _median([float(v) for v in pool]) if len(pool) >= MIN_WORKSHOPS else None
        rows.append(
            {
                "measure": key,
                "label": label,
                "unit": unit,
                "mine": mine,
                "median": None if median is None else round(median, 1),
                "peers": len(pool) if len(pool) >= MIN_WORKSHOPS else None,
            }
        )
    return rows
