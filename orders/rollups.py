"""The rollup writes, called by the services that change state, inside their transaction.

Each hook is one line in a service (orders/services/progress.py and routing.py) and adds to a
row of the daily rollups; `rebuild` recomputes every row from the raw tables, and a test proves
the two agree. Days are Japan dates (`TIME_ZONE`), as on every page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
import uuid
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from core import realtime
from core.prepared import Prepared, add_to, insert
from workshops.models import District

from .models import (
    Job,
    LeadTime,
    Order,
    PairDayStat,
    ProgressEvent,
    Step,
    StepDayStat,
    StepStatus,
    WorkshopDayStat,
)

ROLLUPS: tuple[type[Model], ...] = (StepDayStat, WorkshopDayStat, PairDayStat, LeadTime)


logger = logging.getLogger(__name__)


def day_of(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def seconds_between(start: dt.datetime, end: dt.datetime) -> int:
    return max(int((end - start).total_seconds()), 0)


def _bump(model: type[Model], keys: dict[str, Any], **amounts: int) -> None:
    """Add `amounts` to the rollup row named by `keys`, creating it when it is the first: one
    statement (`core.prepared.add_to`); a concurrent first writer of the same row waits on the
    unique index, then adds."""
    amounts = {name: value for name, value in amounts.items() if value}
    if amounts:
        add_to(model, keys, amounts)


# --- hooks (one call each, from the services) --------------------------------------------------


def step_started(step: Step) -> None:
    _bump(
        StepDayStat,
        {
            "day": day_of(step.started_at),
            "workshop_id": step.workshop_id,
            "process_id": step.process_id,
        },
        steps_started=1,
    )
    district_stats_changed([step.workshop_id])


def step_done(step: Step) -> None:
    _bump(
        StepDayStat,
        {
            "day": day_of(step.finished_at),
            "workshop_id": step.workshop_id,
            "process_id": step.process_id,
        },
        steps_done=1,
        good_qty=step.good_qty or 0,
        scrap_qty=step.scrap_qty or 0,
    )
    if step.started_at is not None:
        insert(
            LeadTime(
                kind=LeadTime.Kind.STEP,
                object_id=step.pk,
                day=day_of(step.finished_at),
                workshop_id=step.workshop_id,
                process_id=step.process_id,
                seconds=seconds_between(step.started_at, step.finished_at),
            ),
            returning=False,
        )
    district_stats_changed([step.workshop_id])


def _unbump(model: type[Model], keys: dict[str, Any], **amounts: int) -> None:
    """Take back what `_bump` added (an undone tap): the row exists, since the tap made it.
    A row left with nothing counted goes, as a rebuild would not write it."""
    amounts = {name: value for name, value in amounts.items() if value}
    if not amounts:
        return
    rows = model.objects.filter(**keys)
    rows.update(**{name: F(name) - value for name, value in amounts.items()})
    counts = [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in keys
        and f.name != "id"
        and not f.is_relation
        and f.get_internal_type().endswith("IntegerField")
    ]
    rows.filter(**{name: 0 for name in counts}).delete()


def step_start_undone(step: Step) -> None:
    """Before `step_undo` clears `started_at`: the start leaves the day's counts."""
    _unbump(
        StepDayStat,
        {
            "day": day_of(step.started_at),
            "workshop_id": step.workshop_id,
            "process_id": step.process_id,
        },
        steps_started=1,
    )
    district_stats_changed([step.workshop_id])


def step_done_undone(step: Step) -> None:
    """Before `step_undo` clears the end: the end, its counts and its lead time go."""
    _unbump(
        StepDayStat,
        {
            "day": day_of(step.finished_at),
            "workshop_id": step.workshop_id,
            "process_id": step.process_id,
        },
        steps_done=1,
        good_qty=step.good_qty or 0,
        scrap_qty=step.scrap_qty or 0,
    )
    LeadTime.objects.filter(kind=LeadTime.Kind.STEP, object_id=step.pk).delete()
    district_stats_changed([step.workshop_id])


def job_completion_undone(job: Job, *, at: dt.datetime) -> None:
    """The job's completion at `at` was undone with the tap that caused it."""
    _unbump(WorkshopDayStat, {"day": day_of(at), "workshop_id": job.owner_id}, jobs_completed=1)
    LeadTime.objects.filter(kind=LeadTime.Kind.JOB, object_id=job.pk).delete()
    district_stats_changed([job.owner_id])


def job_completed(job: Job, *, at: dt.datetime) -> None:
    """`at`: when the job became done (its `job.completed` event)."""
    _bump(WorkshopDayStat, {"day": day_of(at), "workshop_id": job.owner_id}, jobs_completed=1)
    LeadTime.objects.create(
        kind=LeadTime.Kind.JOB,
        object_id=job.pk,
        day=day_of(at),
        workshop_id=job.owner_id,
        process_id=None,
        seconds=seconds_between(job.created_at, at),
    )
    district_stats_changed([job.owner_id])


def order_accepted(order: Order, job: Job) -> None:
    """After `order_accept`; the job's `joint_at` equal to this decision means the job became a
    joint order with it."""
    day = day_of(order.decided_at)
    _bump(WorkshopDayStat, {"day": day, "workshop_id": order.supplier_id}, orders_accepted=1)
    _bump(WorkshopDayStat, {"day": day, "workshop_id": order.buyer_id}, orders_placed=1)
    _bump(
        PairDayStat,
        {"day": day, "buyer_id": order.buyer_id, "supplier_id": order.supplier_id},
        orders=1,
    )
    if job.joint_at is not None and job.joint_at == order.decided_at:
        _bump(
            WorkshopDayStat,
            {"day": day_of(job.joint_at), "workshop_id": job.owner_id},
            jobs_joint=1,
        )
    district_stats_changed([order.supplier_id, order.buyer_id])


def order_delivered(order: Order) -> None:
    day = day_of(order.delivered_at)
    _bump(
        WorkshopDayStat,
        {"day": day, "workshop_id": order.supplier_id},
        orders_delivered=1,
        orders_on_time=int(day <= order.due_date),
    )
    district_stats_changed([order.supplier_id, order.buyer_id])


# --- rebuild from the raw rows -----------------------------------------------------------------

CHUNK = 5000


def raw_rollups() -> dict[type[Model], dict[tuple, dict[str, int]]]:
    """Every rollup row, recomputed from steps, jobs, orders and the event log."""
    steps: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    shops: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    pairs: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    leads: dict[tuple, dict[str, int]] = {}

    for started, shop, process in (
        Step.objects.filter(started_at__isnull=False)
        .order_by()
        .values_list("started_at", "workshop_id", "process_id")
        .iterator(chunk_size=CHUNK)
    ):
        steps[(day_of(started), shop, process)]["steps_started"] += 1
    for pk, started, finished, shop, process, good, scrap in (
        Step.objects.filter(status=StepStatus.DONE, finished_at__isnull=False)
        .order_by()
        .values_list(
            "pk", "started_at", "finished_at", "workshop_id", "process_id", "good_qty", "scrap_qty"
        )
        .iterator(chunk_size=CHUNK)
    ):
        row = steps[(day_of(finished), shop, process)]
        row["steps_done"] += 1
        row["good_qty"] += good or 0
        row["scrap_qty"] += scrap or 0
        if started is not None:
            leads[(LeadTime.Kind.STEP.value, pk)] = {
                "day": day_of(finished),
                "workshop_id": shop,
                "process_id": process,
                "seconds": seconds_between(started, finished),
            }
    # A completion taken back with the tap that caused it (`step.undone`) does not count, nor a
    # second completion of a job reopened by returned parts: a job counts once, when first done.
    undone = set(
        ProgressEvent.objects.filter(kind="step.undone", data__reopened_seq__isnull=False)
        .exclude(data__reopened_seq=None)
        .values_list("job_id", "data__reopened_seq")
    )
    completed: set[int] = set()
    for job_id, at, owner, created, seq in (
        ProgressEvent.objects.filter(kind="job.completed")
        .order_by("job_id", "seq")
        .values_list("job_id", "created_at", "job__owner_id", "job__created_at", "seq")
        .iterator(chunk_size=CHUNK)
    ):
        if (job_id, seq) in undone or job_id in completed:
            continue
        completed.add(job_id)
        shops[(day_of(at), owner)]["jobs_completed"] += 1
        leads[(LeadTime.Kind.JOB.value, job_id)] = {
            "day": day_of(at),
            "workshop_id": owner,
            "process_id": None,
            "seconds": seconds_between(created, at),
        }
    for decided, buyer, supplier in (
        Order.objects.filter(
            pk__in=ProgressEvent.objects.filter(kind="order.accepted").values("order_id")
        )
        .order_by()
        .values_list("decided_at", "buyer_id", "supplier_id")
        .iterator(chunk_size=CHUNK)
    ):
        day = day_of(decided)
        shops[(day, supplier)]["orders_accepted"] += 1
        shops[(day, buyer)]["orders_placed"] += 1
        pairs[(day, buyer, supplier)]["orders"] += 1
    for joint, owner in (
        Job.objects.filter(joint_at__isnull=False)
        .order_by()
        .values_list("joint_at", "owner_id")
        .iterator(chunk_size=CHUNK)
    ):
        shops[(day_of(joint), owner)]["jobs_joint"] += 1
    for delivered, supplier, due in (
        Order.objects.filter(delivered_at__isnull=False)
        .order_by()
        .values_list("delivered_at", "supplier_id", "due_date")
        .iterator(chunk_size=CHUNK)
    ):
        day = day_of(delivered)
        shops[(day, supplier)]["orders_delivered"] += 1
        shops[(day, supplier)]["orders_on_time"] += int(day <= due)
    return {StepDayStat: steps, WorkshopDayStat: shops, PairDayStat: pairs, LeadTime: leads}


KEYS: dict[type[Model], tuple[str, ...]] = {
    StepDayStat: ("day", "workshop_id", "process_id"),
    WorkshopDayStat: ("day", "workshop_id"),
    PairDayStat: ("day", "buyer_id", "supplier_id"),
    LeadTime: ("kind", "object_id"),
}


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Replace every rollup row with what the raw rows say. Returns rows written per table."""
    computed = raw_rollups()
    written = {}
    for model, rows in computed.items():
        model.objects.all().delete()
        fields = KEYS[model]
        model.objects.bulk_create(
            (
                model(**dict(zip(fields, key, strict=True)), **values)
                for key, values in rows.items()
            ),
            batch_size=CHUNK,
        )
        written[model.__name__] = len(rows)
    transaction.on_commit(figures_changed_everywhere)
    return written


def snapshot() -> dict[str, set[tuple]]:
    """The rollups as sets of plain tuples (zero counts left out), for comparing two states."""
    result: dict[str, set[tuple]] = {}
    for model in ROLLUPS:
        names = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        rows = set()
        for values in model.objects.order_by().values_list(*names):
            rows.add(tuple(values))
        result[model.__name__] = rows
    return result


def as_snapshot(computed: dict[type[Model], dict[tuple, dict[str, int]]]) -> dict[str, set[tuple]]:
    """`raw_rollups()` in the shape of `snapshot()`."""
    result: dict[str, set[tuple]] = {}
    for model, rows in computed.items():
        names = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        fields = KEYS[model]
        out = set()
        for key, values in rows.items():
            record = {**dict(zip(fields, key, strict=True)), **values}
            out.add(tuple(record.get(name, 0) for name in names))
        result[model.__name__] = out
    return result


# The dashboards' cache (districts/cached.py) keeps each district's figures under this token:
# a new one after every commit that moves the district's rollups, so that nothing computed
# before it is served as current.
VERSION_KEY = "district-stats-version:{}"


def figures_changed(district_uuids) -> None:
    """The districts' rollups moved: dashboard figures computed before now are stale."""
    try:
        cache.set_many({VERSION_KEY.format(u): uuid.uuid4().hex for u in district_uuids}, None)
    except Exception:
        # Without the cache nothing is shared either (see districts/cached.py), except what
        # was cached before it went away, which is refreshed when its fresh period ends.
        logger.warning("Could not mark the district figures as changed", exc_info=True)


def figures_changed_everywhere() -> None:
    figures_changed(District.objects.values_list("uuid", flat=True))


# Seconds between two `district.update` messages to one district, at most.
DISTRICT_UPDATE_SECONDS = 10


def district_stats_changed(workshop_ids) -> None:
    """After commit: the rollups of these workshops moved; ring the doorbell of their districts'
    dashboards, at most once per `DISTRICT_UPDATE_SECONDS` per district.

    Coalescing without background work: the first change in a period claims a per-district key
    in the cache (`cache.add` is atomic, shared by every process through Redis) and sends; later
    changes in the period send nothing. The message carries only when it was sent and the
    period: each dashboard re-reads its own figures (as its user may see them) on the message
    and once more a period later, so a change folded into a quiet period still shows. Nothing
    about a job, an order or a single workshop ever rides on the layer."""
    ids = sorted({int(pk) for pk in workshop_ids if pk is not None})
    if ids:
        # The answer to the change does not wait for it (a query and two trips to Redis).
        transaction.on_commit(lambda: _ring_soon(ids))


# Under daphne the doorbell waits this long after a change, and rings for every change the
# process made meanwhile at once: a busy floor's taps share one lookup and one trip to Redis.
DOORBELL_GATHER_SECONDS = 0.2


class _Gathered:
    """The shops changed since the doorbell's ring was arranged, the server loop it was
    arranged on and when (monotonic seconds); loop None: no ring arranged."""

    lock = threading.Lock()
    ids: set[int] = set()
    loop: asyncio.AbstractEventLoop | None = None
    arranged_at = 0.0


def _ring_soon(workshop_ids: list[int]) -> None:
    loop = realtime.server_loop()
    with _Gathered.lock:
        _Gathered.ids.update(workshop_ids)
        # A ring is on its way only on this very loop, still running, and arranged lately: a
        # ring arranged on a loop that has stopped since (a server shut down) never comes.
        arranged = _Gathered.loop
        if (
            loop is not None
            and arranged is loop
            and loop.is_running()
            and time.monotonic() - _Gathered.arranged_at < 30
        ):
            return
        _Gathered.loop, _Gathered.arranged_at = loop, time.monotonic()
    if loop is None:  # outside a server: ring at once, for whatever was gathered too
        _ring_gathered()
        return
    try:
        realtime.after_answer(_ring_gathered, delay=DOORBELL_GATHER_SECONDS)
    except RuntimeError:  # the server's loop closed in between
        _ring_gathered()


def _ring_gathered() -> None:
    with _Gathered.lock:
        ids = sorted(_Gathered.ids)
        _Gathered.ids.clear()
        _Gathered.loop = None
    if ids:
        _district_doorbell(ids)


WORKSHOP_DISTRICTS = Prepared(
    lambda workshop_id: (
        District.objects.filter(workshops=workshop_id).order_by().values_list("uuid", flat=True)
    ),
    int,
    name="workshop districts",
)


def _district_doorbell(workshop_ids: list[int]) -> None:
    every = int(getattr(settings, "DISTRICT_UPDATE_SECONDS", DISTRICT_UPDATE_SECONDS))
    try:
        if len(workshop_ids) == 1:  # a tap: one shop
            districts = WORKSHOP_DISTRICTS(workshop_ids[0])
        else:
            districts = list(
                District.objects.filter(workshops__in=workshop_ids)
                .distinct()
                .values_list("uuid", flat=True)
            )
    except Exception:
        logger.warning("Could not find the districts to update", exc_info=True)
        return
    figures_changed(districts)  # never throttled: no dashboard reads figures from before this
    for district_uuid in districts:
        if every > 0 and not cache.add(f"district-update:{district_uuid}", 1, timeout=every):
            continue  # a message went out less than `every` seconds ago
        message = {
            "type": "district.update",
            "data": {"at": timezone.now().isoformat(), "every": every},
        }
        realtime.send_now([realtime.district_group(str(district_uuid))], message)
