"""Projected start and finish of every step along the DAG, and who is at risk of being late.

Recomputed on every change to a job (inside the same transaction): one pass over the job's
steps in topological order, each scheduled in its own shop's working calendar
(workshops/calendar.py: working hours less breaks, weekly days off, public holidays, the shop's
own closed and extra working days). Cost is linear in the number of steps and links, with a
fixed number of queries: a shop's calendar rides on the workshop row the graph already loads.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connections, router
from django.utils import timezone

from core.prepared import save_fields
from core.together import queue_write
from workshops.calendar import Calendar

from .dag import StepGraph
from .events import locked_job, unwritten_seq
from .joborders import live_orders
from .models import (
    ENDED_JOB_STATES,
    FINISHED_STEP_STATES,
    Job,
    Step,
    StepStatus,
)


def end_of_day(day: dt.date) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)), tz)


def step_orders(job: Job) -> tuple[set[int], dict[int, dt.date], dict[int, set[int]]]:
    """(the steps a request is waiting on, the date each step is owed by its nearest order,
    each accepted order's steps where the order says the buyer supplies material), in one
    query, or none when the service already read them (`live_orders`). A step with no order
    is owed on the job's due date."""
    orders = live_orders(job)
    return orders.requested, orders.step_due, orders.supplied


def project_job(
    job: Job,
    *,
    now: dt.datetime | None = None,
    graph: StepGraph | None = None,
    step_due: dict[int, dt.date] | None = None,
) -> None:
    """Project every step of `job` and the job itself; only rows whose figures moved are
    written (one bulk update for the steps, one update for the job)."""
    now = now or timezone.now()
    if graph is None:
        graph = StepGraph.load(job, related=("workshop",))
    if step_due is None:
        _requested, step_due, _supplied = step_orders(job)
    steps = list(graph.steps.values())

    calendars: dict[int, Calendar] = {}
    start: dict[int, dt.datetime] = {}
    finish: dict[int, dt.datetime] = {}
    late: dict[int, bool] = {}
    for step in graph.topological():
        cal = calendars.setdefault(step.workshop_id, Calendar.of(step.workshop))
        hours = float(step.planned_hours or Decimal(0))
        earliest = max([now, *(finish[p] for p in graph.predecessors(step.pk) if p in finish)])
        if step.status in FINISHED_STEP_STATES:
            start[step.pk] = step.started_at or step.finished_at or now
            finish[step.pk] = step.finished_at or now
        elif step.status == StepStatus.IN_PROGRESS and step.started_at:
            start[step.pk] = step.started_at
            # Running late on its own plan: it cannot finish in the past.
            finish[step.pk] = max(
                cal.add_hours(step.started_at, hours), cal.next_working_moment(now)
            )
        else:
            start[step.pk] = cal.next_working_moment(earliest)
            finish[step.pk] = cal.add_hours(start[step.pk], hours)
        due = end_of_day(step_due.get(step.pk, job.due_date))
        late[step.pk] = step.status not in FINISHED_STEP_STATES and finish[step.pk] > due

    # A late step puts every step after it at risk: their shops are waiting on it.
    at_risk = {pk for pk, is_late in late.items() if is_late}
    stack = list(at_risk)
    while stack:
        for nxt in graph.successors(stack.pop()):
            if nxt not in at_risk:
                at_risk.add(nxt)
                stack.append(nxt)

    changed = []
    for step in steps:
        values = (
            start.get(step.pk),
            finish.get(step.pk),
            step.pk in at_risk and step.status not in FINISHED_STEP_STATES,
        )
        if (step.projected_start, step.projected_finish, step.late_risk) != values:
            step.projected_start, step.projected_finish, step.late_risk = values
            changed.append(step)
    # Steps the recompute made ready are written with the projection, status and all.
    moved = graph.status_moved
    written = {s.pk for s in changed}
    changed += [s for s in steps if s.pk in moved and s.pk not in written]
    write_projection(changed, status=bool(moved))
    graph.status_moved = set()

    projected = max(finish.values(), default=None)
    job_late = bool(at_risk) or (
        projected is not None
        and projected > end_of_day(job.due_date)
        and any(s.status not in FINISHED_STEP_STATES for s in steps)
    )
    if (job.projected_finish, job.late_risk) != (projected, job_late):
        job.projected_finish, job.late_risk = projected, job_late
        # The job's seq, when the service defers it, rides on the same update.
        save_fields(job, ["projected_finish", "late_risk", *unwritten_seq(job)])


PROJECTION = ("projected_start", "projected_finish", "late_risk")


def write_projection(steps: list[Step], *, status: bool = False) -> None:
    """Write these steps' projected start, finish and risk (and with `status`, their status),
    in one statement.

    bulk_update would write them with a CASE per column and row, which the ORM takes
    milliseconds to build for the few rows a done moves (docs/BENCHMARKS.md, "Writes, fourth
    pass"). One step is a plain UPDATE; several are one `UPDATE … FROM (VALUES …)`, which
    PostgreSQL and SQLite (3.33 and later) both read, the values prepared by the fields
    themselves for the database at hand."""
    if not steps:
        return
    names = (*PROJECTION, "status") if status else PROJECTION
    if len(steps) == 1:
        save_fields(steps[0], names)
        return
    connection = connections[router.db_for_write(Step)]
    if connection.vendor not in ("postgresql", "sqlite"):
        Step.objects.bulk_update(steps, list(names))
        return
    fields = [Step._meta.get_field(name) for name in names]
    params: list = []
    for step in steps:
        params.append(step.pk)
        params += [f.get_db_prep_value(getattr(step, f.attname), connection) for f in fields]
    quote = connection.ops.quote_name
    table = quote(Step._meta.db_table)
    columns = []
    for position, field in enumerate(fields, start=2):
        value = f"v.column{position}"
        if connection.vendor == "postgresql":  # a column of NULLs only would be text
            value = f"CAST({value} AS {field.db_type(connection)})"
        columns.append(f"{quote(field.column)} = {value}")
    rows = ", ".join(["(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"] * len(steps))
    queue_write(
        connection,
        f"UPDATE {table} SET {', '.join(columns)} FROM (VALUES {rows}) AS v "
        f"WHERE {table}.{quote(Step._meta.pk.column)} = v.column1",
        params,
        rows=len(steps),
    )


def reproject_workshop(workshop) -> int:
    """Project again every live job with an unfinished step at `workshop`, whose calendar has
    just changed (called inside that change's transaction; each job under its lock, as every
    change to a job is). Returns how many jobs were projected."""
    job_ids = list(
        Step.objects.filter(workshop=workshop)
        .exclude(status__in=FINISHED_STEP_STATES)
        .exclude(job__status__in=ENDED_JOB_STATES)
        .values_list("job_id", flat=True)
        .distinct()
        .order_by("job_id")
    )
    for job_id in job_ids:
        project_job(locked_job(job_id))
    return len(job_ids)
