"""Aggregates the figures share: percentiles (PostgreSQL's percentile_cont, or the same in
Python on SQLite), lead times in hours, percentages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, QuerySet

from orders.models import LeadTime


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


def median(values: list[float]) -> float | None:
    return percentile(values, 0.5)


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
                "median": hours(row["median"]),
                "p90": hours(row["p90"]),
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
            "median": hours(percentile(v, 0.5)),
            "p90": hours(percentile(v, 0.9)),
            "count": len(v),
            "workshops": len(shops[key]),
        }
        for key, v in values.items()
    }


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def percent(part, whole) -> int | None:
    if not whole:
        return None
    return round(100 * float(part) / float(whole))
