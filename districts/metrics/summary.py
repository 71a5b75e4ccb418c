"""The headline figures: steps, parts, jobs, joint orders, matches, deliveries, lead time,
participation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, Sum

from board.models import Posting, PostingStatus
from orders.models import LeadTime, StepDayStat, WorkshopDayStat
from workshops.models import Workshop

from .. import sql
from .aggregates import lead_times, percent
from .privacy import shown
from .processes import step_totals
from .scope import PARTICIPATION_DAYS, Scope, in_range, start_of_day


def workshop_totals(scope: Scope) -> dict[str, int]:
    """Jobs completed and made joint (as hub), orders delivered and on time (as supplier) over
    the range, with the workshops behind each. One query, summed per workshop first."""
    inner = (
        WorkshopDayStat.objects.filter(in_range(scope), workshop__in=scope.workshops())
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
        LeadTime.objects.filter(in_range(scope), kind=LeadTime.Kind.JOB, workshop__in=workshops),
        None,
    ).get(None, {})
    matches = Posting.objects.filter(
        status=PostingStatus.AWARDED,
        districts=scope.district,
        buyer__in=workshops,
        decided_at__gte=start_of_day(scope.start),
        decided_at__lt=start_of_day(scope.end + dt.timedelta(days=1)),
    )
    if scope.process:
        matches = matches.filter(process=scope.process)
    match_row = matches.aggregate(n=Count("pk"), buyers=Count("buyer", distinct=True))
    participating = participating_count(scope, scope.today)
    outside = outside_shops(scope)
    in_district = Workshop.objects.filter(pk__in=workshops).count()

    def gated(value, n):
        return (value or 0) if shown(n) else None

    delivered = shop["delivered"] or 0
    on_time_shown = shown(shop["suppliers"]) and delivered > 0
    return {
        "workshops": in_district,
        "participating": participating if shown(participating) else None,
        "participation_days": PARTICIPATION_DAYS,
        "outside_invited": gated(outside["invited"], outside["hubs"]),
        "outside_joined": gated(outside["joined"], outside["hubs"]),
        "steps_done": gated(step_totals_row["done"], step_totals_row["shops"]),
        "good_qty": gated(step_totals_row["good"], step_totals_row["shops"]),
        "jobs_completed": gated(shop["completed"], shop["hubs"]),
        "joint_orders": gated(shop["joint"], shop["joint_hubs"]),
        "matches": match_row["n"] if shown(match_row["buyers"]) else None,
        "orders_delivered": gated(delivered, shop["suppliers"]),
        "on_time_percent": percent(shop["on_time"] or 0, delivered) if on_time_shown else None,
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


def outside_shops(scope: Scope) -> dict[str, int]:
    """Shops outside shopnet the scope's workshops brought in with a request (ever, not
    only in the range: an invitation is a standing fact), how many of them joined, and how
    many workshops invited them (the suppression count: fewer than 3 inviting workshops
    would single them out). One query. docs/OUTSIDE_SHOPS.md."""
    row = Workshop.objects.filter(invited_by__in=scope.workshops()).aggregate(
        invited=Count("pk"),
        joined=Count("pk", filter=Q(is_member=True)),
        hubs=Count("invited_by", distinct=True),
    )
    return {name: int(row[name] or 0) for name in ("invited", "joined", "hubs")}
