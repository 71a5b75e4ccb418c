"""A workshop's own figures beside the median of its district's workshops."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import load
from orders.models import LeadTime, Step, StepDayStat, StepStatus, WorkshopDayStat
from workshops.models import District, Workshop

from .aggregates import lead_times, median, percent
from .privacy import MIN_WORKSHOPS
from .scope import LOAD_WEEKS, WIP_STATES


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
            return percent(w.get("on_time") or 0, w.get("delivered") or 0)
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
        middle = median([float(v) for v in pool]) if len(pool) >= MIN_WORKSHOPS else None
        rows.append(
            {
                "measure": key,
                "label": label,
                "unit": unit,
                "mine": mine,
                "median": None if middle is None else round(middle, 1),
                "peers": len(pool) if len(pool) >= MIN_WORKSHOPS else None,
            }
        )
    return rows
