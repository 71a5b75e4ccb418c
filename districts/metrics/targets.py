"""The association's targets: where the district stands, month by month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from board.models import Posting, PostingStatus
from districts.models import DistrictTarget, TargetMetric
from orders.models import StepDayStat, WorkshopDayStat
from workshops.models import District, Workshop

from .scope import Scope, day_of, start_of_day
from .summary import participating_count


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
                day_of(r["month"]): r["n"] or 0
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
            decided_at__gte=start_of_day(first),
            decided_at__lt=start_of_day(last + dt.timedelta(days=1)),
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
            active[day_of(month)].add(shop)
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
