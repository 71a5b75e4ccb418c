"""The weekly throughput chart: steps done per week and process."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncWeek

from orders.models import StepDayStat, WorkshopDayStat

from .. import sql
from .privacy import shown, suppress
from .scope import Scope, day_of, in_range


def weekly_throughput(scope: Scope, labels: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Steps done per week (weeks start on Monday) and process; per week, the processes drawn
    from too few workshops are folded into one "other" figure (itself from at least
    MIN_WORKSHOPS workshops, or the whole week is suppressed)."""
    inner = (
        scope.processes(
            StepDayStat.objects.filter(
                in_range(scope), workshop__in=scope.workshops(), steps_done__gt=0
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
        by_week[day_of(week)][process] = {"done": int(done), "workshops": shops}
    jobs = {
        day_of(r["week"]): r
        for r in WorkshopDayStat.objects.filter(
            in_range(scope), workshop__in=scope.workshops(), jobs_completed__gt=0
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
