"""Load (負荷): the hours a workshop has committed per week against the capacity it declares.

Committed work is every unfinished step a workshop performs (`Step.workshop`), either in-house
(the job's own hub) or through an accepted order, except the steps it is routing away: a step
with a requested order, or on an open posting, whose buyer is that workshop. Until the peer
accepts (or the posting is awarded) the hours are not the buyer's to plan on, and counting them
would make a shop look busier exactly when it is trying to shed work.

A step's planned hours are spread evenly over the working days between its projected start
and finish, in the shop's calendar (workshops/calendar.py, the one the schedule projects with);
a step not yet projected lands in the week of the job's due date. Work placed before the
current week counts in the current week (it is overdue, still to be done); work after the
window is left out. Weeks start on Monday, in Japan time.

Everything here reads only, in a fixed number of queries whatever the number of workshops or
steps: the suggestion ranking calls `load_ratio` for dozens of candidate shops at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from workshops.calendar import Calendar
from workshops.models import Capability, Process

from .models import (
    ENDED_JOB_STATES,
    FINISHED_STEP_STATES,
    Order,
    OrderStatus,
    Step,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")
DEFAULT_WEEKS = 8
RATIO_WEEKS = 4

Key = tuple[int, int]  # (workshop_id, process_id)


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def week_starts(*, weeks: int = DEFAULT_WEEKS, today: dt.date | None = None) -> list[dt.date]:
    """The Mondays of the `weeks` weeks of the window, the current week first."""
    first = week_start(today or _today())
    return [first + dt.timedelta(weeks=i) for i in range(weeks)]


def _today() -> dt.date:
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def committed_steps(workshop_ids: Iterable[int]):
    """The steps whose hours count as committed for `workshop_ids` (see the module docstring),
    as value rows; one query."""
    accepted = Order.objects.filter(
        steps=OuterRef("pk"), supplier_id=OuterRef("workshop_id"), status=OrderStatus.ACCEPTED
    )
    requested_away = Order.objects.filter(
        steps=OuterRef("pk"), buyer_id=OuterRef("workshop_id"), status=OrderStatus.REQUESTED
    )
    return (
        Step.objects.filter(workshop_id__in=list(workshop_ids))
        .exclude(status__in=FINISHED_STEP_STATES)
        .exclude(job__status__in=ENDED_JOB_STATES)
        .filter(Q(workshop_id=F("job__owner_id")) | Exists(accepted))
        .exclude(Exists(requested_away))
        .exclude(pk__in=Step.objects.on_open_board())
        .values(
            "pk",
            "workshop_id",
            "process_id",
            "planned_hours",
            "projected_start",
            "projected_finish",
            "job__due_date",
            "workshop__work_day_start",
            "workshop__work_day_end",
            "workshop__work_weekdays",
            "workshop__break_times",
            "workshop__closed_days",
            "workshop__extra_working_days",
            "workshop__observes_public_holidays",
        )
    )


def committed_hours(
    workshop_ids: Iterable[int], *, weeks: int = DEFAULT_WEEKS, today: dt.date | None = None
) -> dict[Key, list[Decimal]]:
    """Planned hours committed per week, for each (workshop_id, process_id) with any committed
    work, over `weeks` weeks from the Monday of `today`'s week (Japan time). A pair missing
    from the result has nothing committed. One query.

    An in-progress step counts its full planned hours: the floor reports when a step starts
    and when it is done, not how many hours are left, so anything less would be a guess.
    """
    starts = week_starts(weeks=weeks, today=today)
    first, end = starts[0], starts[-1] + dt.timedelta(weeks=1)
    per_day: dict[Key, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    calendars: dict[int, Calendar] = {}

    for row in committed_steps(workshop_ids).order_by():
        hours = row["planned_hours"] or ZERO
        if hours <= 0:
            continue
        key = (row["workshop_id"], row["process_id"])
        if row["projected_start"] and row["projected_finish"]:
            workshop_id = row["workshop_id"]
            calendar = calendars.get(workshop_id) or calendars.setdefault(
                workshop_id,
                Calendar.from_values(
                    row["workshop__work_day_start"],
                    row["workshop__work_day_end"],
                    row["workshop__work_weekdays"],
                    breaks=row["workshop__break_times"],
                    closed=row["workshop__closed_days"],
                    working=row["workshop__extra_working_days"],
                    public_holidays=row["workshop__observes_public_holidays"],
                ),
            )
            days = _working_days(
                _local_date(row["projected_start"]), _local_date(row["projected_finish"]), calendar
            )
        else:
            days = [row["job__due_date"]]
        share = hours / len(days)
        for day in days:
            if day >= end:
                continue  # beyond the window
            # Overdue (placed before this week): still to be done, so it loads this week.
            week = max((day - first).days // 7, 0)
            per_day[key][week] += share

    return {
        key: [by_week.get(i, ZERO).quantize(CENT, rounding=ROUND_HALF_UP) for i in range(weeks)]
        for key, by_week in per_day.items()
    }


def _working_days(first: dt.date, last: dt.date, calendar: Calendar) -> list[dt.date]:
    """The shop's working days from `first` to `last` inclusive (its whole calendar: days off,
    public holidays, closed and extra working days); never empty (a step projected within a
    closed day, or backwards, is placed on the day it finishes)."""
    if last < first:
        return [last]
    return calendar.working_days(first, last) or [last]


def declared_capacity(workshop_ids: Iterable[int]) -> dict[Key, int | None]:
    """Hours per week each workshop declares for each process it lists (None: not declared).
    One query."""
    return {
        (workshop_id, process_id): capacity
        for workshop_id, process_id, capacity in Capability.objects.filter(
            workshop_id__in=list(workshop_ids)
        )
        .order_by()
        .values_list("workshop_id", "process_id", "capacity_hours_per_week")
    }


def ratio(committed: Decimal, capacity: Decimal | int | None) -> Decimal | None:
    """Committed over capacity, to two places; None without a (non-zero) capacity."""
    if not capacity:
        return None
    return (Decimal(committed) / Decimal(capacity)).quantize(CENT, rounding=ROUND_HALF_UP)


def load_ratio(
    workshop_ids: Iterable[int],
    process_id: int | None = None,
    *,
    weeks: int = RATIO_WEEKS,
    today: dt.date | None = None,
) -> dict[int, Decimal | None]:
    """{workshop_id: committed hours over the next `weeks` weeks ÷ declared capacity over the
    same weeks}, for every workshop asked about. Two queries, whatever their number.

    With `process_id`: that process's hours against that process's capacity. Without: the
    workshop as a whole, summed over the processes it declares a capacity for (hours in a
    process without a declared capacity cannot be set against anything and are left out).
    None where no capacity is declared (or it is zero). 1.00 is fully loaded; above is over.
    """
    workshop_ids = list(workshop_ids)
    committed = committed_hours(workshop_ids, weeks=weeks, today=today)
    capacity = declared_capacity(workshop_ids)
    hours: dict[int, Decimal] = defaultdict(Decimal)
    declared: dict[int, int] = defaultdict(int)
    for (workshop_id, process), per_week in capacity.items():
        if per_week and (process_id is None or process == process_id):
            declared[workshop_id] += per_week * weeks
            hours[workshop_id] += sum(committed.get((workshop_id, process), ()), ZERO)
    return {
        workshop_id: ratio(hours[workshop_id], declared.get(workshop_id))
        for workshop_id in workshop_ids
    }


def workshop_load(workshop, *, weeks: int = DEFAULT_WEEKS, today: dt.date | None = None) -> dict:
    """One workshop's load table: a row per process it declares or has work in (taxonomy
    order), a cell per week with hours, capacity, percent and whether it is over. Three
    queries (the processes named, committed hours, capacities)."""
    starts = week_starts(weeks=weeks, today=today)
    committed = committed_hours([workshop.pk], weeks=weeks, today=today)
    capacity = declared_capacity([workshop.pk])
    process_ids = {p for (_w, p) in capacity} | {p for (_w, p) in committed}
    processes = Process.objects.filter(pk__in=process_ids).order_by("sort_order", "code")
    rows = []
    for process in processes:
        key = (workshop.pk, process.pk)
        per_week = capacity.get(key)
        hours = committed.get(key, [ZERO] * weeks)
        cells = []
        for start, committed_in_week in zip(starts, hours, strict=True):
            share = ratio(committed_in_week, per_week)
            cells.append(
                {
                    "week": start,
                    "hours": committed_in_week,
                    "capacity": per_week,
                    "percent": None if share is None else int((share * 100).to_integral_value()),
                    "over": bool(per_week) and committed_in_week > per_week,
                }
            )
        rows.append(
            {"process": process, "declared": key in capacity, "capacity": per_week, "weeks": cells}
        )
    # The same cells week by week: the page lists weeks down and processes across, which reads
    # well on a tablet in portrait (a shop has a few processes, and eight weeks).
    by_week = [
        {"week": start, "cells": [row["weeks"][i] for row in rows]}
        for i, start in enumerate(starts)
    ]
    return {"weeks": starts, "rows": rows, "by_week": by_week}
