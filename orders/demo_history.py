"""A year of the demo district's past work, so that its dashboard, ratings of load and lead
times show figures from the first visit (`seed_demo`).

Written in bulk, like orders/scale.py and for the same reason (a year through the services
would take minutes), but shaped as the services shape it: each job is routed along a
plausible process chain by one of the hubs, its outsourced steps are ordered from capable
shops in turn (so every process is done by several shops), orders are accepted and delivered
with their hand-offs, and each job's event log is in time order with no gaps. The rollups are
then rebuilt from these rows (`rollups.rebuild`), as `manage.py rebuild_rollups` does.

Everything ends at least a day ago: the notifications' repair sweep reads only the last day of
the log, so history tells nobody anything.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from workshops.models import Capability, District, Material, Process, Workshop

from . import rollups
from .models import (
    HandOff,
    HandOffStatus,
    Job,
    JobStatus,
    Order,
    OrderItem,
    OrderStatus,
    Part,
    ProgressEvent,
    Step,
    StepLink,
    StepStatus,
)

HISTORY_PREFIX = "HX-"
JOBS_PER_YEAR = 600

# (part, material, process chain): what the district's hubs make, end to end.
ROUTES = [
    ("シャフト", "S45C", ["L", "HT_QT", "GE", "INS"]),
    ("アルミハウジング", "A6061", ["M", "ANO", "INS"]),
    ("スピンドルユニット", "SUS304", ["L", "M", "PLT_ENI", "ASM", "CMM"]),
    ("制御盤筐体", "SPCC", ["SMT", "WLD_TIG", "PNT", "ASM", "INS"]),
    ("ブラケット", "SPHC", ["LSR", "PRS", "BLK", "INS"]),
    ("金型プレート", "SKD11", ["M", "GS", "HT_VAC", "INS"]),
    ("パンチ", "SKD11", ["SPEDW", "GS", "CMM"]),
    ("減速ギア", "SCM415", ["L", "GEAR", "HT_CARB", "GI", "INS"]),
    ("継手", "C3604", ["L", "D", "TAP", "PLT", "INS"]),
    ("シリンダブロック", "FC250", ["B", "REAM", "GH", "CMM"]),
    ("ベッドガイド", "S45C", ["P", "SH", "HT", "G", "INS"]),
    ("カバー", "A5052", ["M", "SB", "ANO", "INS"]),
    ("ゲージピン", "SUJ2", ["L", "GCL", "GSP", "GL", "CMM"]),
    ("フレーム", "SUS304", ["WLD", "WLD_LSR", "SPBF", "INS"]),
    ("ピストンロッド", "S45C", ["L", "BR", "HT_IND", "SPBR", "PLT_HCR", "INS"]),
    ("電極", "SKD61", ["SPED", "GS", "INS"]),
]
IN_HOUSE = {"ASM", "INS", "CMM"}  # the hub assembles and inspects itself when it can


def seed_history(district: District, *, seed: int = 2026, jobs: int = JOBS_PER_YEAR) -> int:
    """Add a year of jobs to the demo district unless it has them; returns how many were made."""
    if Job.objects.filter(drawing_number__startswith=HISTORY_PREFIX).exists():
        return 0
    with transaction.atomic():
        made = _build(district, random.Random(seed), jobs)
        rollups.rebuild()
    return made


def _build(district: District, rng: random.Random, count: int) -> int:
    shops = Workshop.objects.filter(districts=district)
    process = {p.code: p.pk for p in Process.objects.all()}
    material = {m.code: m.pk for m in Material.objects.all()}
    able: dict[int, list[int]] = defaultdict(list)
    for shop, proc in (
        Capability.objects.filter(workshop__in=shops)
        .order_by("workshop_id")
        .values_list("workshop_id", "process_id")
    ):
        able[proc].append(shop)
    hubs = [
        pk
        for pk in shops.order_by("pk").values_list("pk", flat=True)
        if pk in able[process["ASM"]] and pk in able[process["INS"]] + able[process["CMM"]]
    ]
    turn: dict[int, int] = defaultdict(int)

    def performer(code: str, hub: int) -> int:
        pk = process[code]
        if code in IN_HOUSE and hub in able[pk]:
            return hub
        others = [s for s in able[pk] if s != hub] or [hub]
        turn[pk] += 1
        return others[turn[pk] % len(others)]  # in turn: every capable shop gets work

    now = timezone.now() - dt.timedelta(days=1)
    start = now - dt.timedelta(days=365)
    plans = []
    for i in range(count):
        part, mat, chain = ROUTES[i % len(ROUTES)]
        hub = hubs[i % len(hubs)]
        created = start + dt.timedelta(days=365 * i / count, hours=rng.uniform(0, 8))
        quantity = rng.choice([5, 10, 20, 30, 50, 100, 200])
        steps, at = [], created + dt.timedelta(hours=rng.uniform(2, 20))
        for position, code in enumerate(chain):
            begin = at + dt.timedelta(hours=rng.uniform(4, 30))
            end = begin + dt.timedelta(hours=rng.uniform(3, 40))
            steps.append((code, performer(code, hub), begin, end, position))
            at = end
        plans.append((i, part, mat, hub, created, quantity, steps))
    job_rows = Job.objects.bulk_create(
        [
            Job(
                owner_id=hub,
                part_name=part,
                drawing_number=f"{HISTORY_PREFIX}{created:%y%m}-{i:04d}",
                material_id=material.get(mat),
                quantity=quantity,
                due_date=(steps[-1][3] + dt.timedelta(days=rng.uniform(-2, 6))).date(),
                status=JobStatus.OPEN,
                created_at=created,
            )
            for i, part, mat, hub, created, quantity, steps in plans
        ]
    )
    parts = Part.objects.make_main(job_rows)
    step_rows = []
    for job, (_i, _p, _m, _hub, _c, quantity, steps) in zip(job_rows, plans, strict=True):
        started_one, previous_shop = False, None
        for code, shop, begin, end, position in steps:
            if end <= now:
                status, s, f = StepStatus.DONE, begin, end
            elif begin <= now and not started_one:
                status, s, f = StepStatus.IN_PROGRESS, begin, None
            elif not started_one and previous_shop in (None, shop):
                # Its predecessor is done in the same shop: it may start (parts from another
                # shop would first have to be received, as the services require).
                status, s, f = StepStatus.READY, None, None
            else:
                status, s, f = StepStatus.PLANNED, None, None
            previous_shop = shop
            started_one = started_one or status != StepStatus.DONE
            scrap = rng.choice([0, 0, 0, 1, 2]) if status == StepStatus.DONE else None
            step_rows.append(
                Step(
                    job=job,
                    part=parts[job.pk],
                    process_id=process[code],
                    position=(position + 1) * 10,
                    planned_hours=Decimal(rng.choice([2, 4, 6, 8, 12])),
                    quantity=quantity,
                    workshop_id=shop,
                    status=status,
                    started_at=s,
                    finished_at=f,
                    good_qty=quantity - scrap if scrap is not None else None,
                    scrap_qty=scrap,
                )
            )
    Step.objects.bulk_create(step_rows)
    by_job: dict[int, list[Step]] = defaultdict(list)
    for step in step_rows:
        by_job[step.job_id].append(step)
    StepLink.objects.bulk_create(
        StepLink(predecessor=a, successor=b)
        for job_steps in by_job.values()
        for a, b in itertools.pairwise(job_steps)
    )
    _orders_and_log(job_rows, by_job, now, rng)
    return len(job_rows)


def _orders_and_log(jobs: list[Job], by_job: dict[int, list[Step]], now, rng) -> None:
    orders, order_steps, handoffs = [], [], []
    log: dict[int, list[tuple]] = defaultdict(list)  # job pk → (time, kind, fields)
    for job in jobs:
        hub = job.owner_id
        steps = by_job[job.pk]
        log[job.pk].append((job.created_at, "job.posted", {"workshop_id": hub}))
        for step in steps:
            log[job.pk].append((job.created_at, "step.added", {"workshop_id": hub, "step": step}))
        previous = None
        for step in steps:
            ready_at = previous.finished_at if previous else job.created_at
            if step.status != StepStatus.PLANNED:
                log[job.pk].append(
                    (ready_at, "step.ready", {"workshop_id": step.workshop_id, "step": step})
                )
            if step.started_at:
                log[job.pk].append(
                    (
                        step.started_at,
                        "step.started",
                        {"workshop_id": step.workshop_id, "step": step},
                    )
                )
            if step.finished_at:
                log[job.pk].append(
                    (step.finished_at, "step.done", {"workshop_id": step.workshop_id, "step": step})
                )
            if step.workshop_id != hub:
                asked = job.created_at + dt.timedelta(hours=1)
                decided = asked + dt.timedelta(hours=rng.uniform(1, 20))
                delivered = (
                    step.finished_at + dt.timedelta(hours=rng.uniform(2, 30))
                    if step.finished_at
                    else None
                )
                if delivered and delivered > now:
                    delivered = None
                due = (step.finished_at or decided + dt.timedelta(days=7)).date()
                order = Order(
                    job=job,
                    buyer_id=hub,
                    supplier_id=step.workshop_id,
                    status=OrderStatus.DELIVERED if delivered else OrderStatus.ACCEPTED,
                    price=Decimal(rng.randrange(8000, 400000, 1000)),
                    due_date=due + dt.timedelta(days=rng.choice([0, 1, 2, 3])),
                    delivery_place="本社工場",
                    payment_due_date=due + dt.timedelta(days=30),
                    payment_method="bank_transfer",
                    requested_at=asked,
                    decided_at=decided,
                    delivered_at=delivered,
                )
                orders.append(order)
                order_steps.append(step)
                job.joint_at = min(job.joint_at or decided, decided)
                log[job.pk] += [
                    (asked, "order.requested", {"workshop_id": hub, "order": order}),
                    (decided, "order.accepted", {"workshop_id": step.workshop_id, "order": order}),
                ]
                if delivered:
                    handoff = HandOff(
                        job=job,
                        part_id=step.part_id,
                        from_step=step,
                        to_step=None,
                        from_workshop_id=step.workshop_id,
                        to_workshop_id=hub,
                        status=HandOffStatus.RECEIVED,
                        quantity_shipped=step.good_qty or 0,
                        quantity_received=step.good_qty or 0,
                        quantity_accepted=step.good_qty or 0,
                        quantity_rejected=0,
                        shipped_at=delivered - dt.timedelta(hours=2),
                        received_at=delivered,
                    )
                    handoffs.append(handoff)
                    log[job.pk] += [
                        (
                            handoff.shipped_at,
                            "handoff.shipped",
                            {"workshop_id": step.workshop_id, "step": step, "handoff": handoff},
                        ),
                        (
                            delivered,
                            "handoff.received",
                            {"workshop_id": hub, "step": step, "handoff": handoff},
                        ),
                        (delivered, "order.delivered", {"workshop_id": hub, "order": order}),
                    ]
            previous = step
        if all(s.status == StepStatus.DONE for s in steps):
            job.status = JobStatus.DONE
            done_at = max(s.finished_at for s in steps)
            log[job.pk].append((done_at, "job.completed", {"workshop_id": hub}))
        elif any(s.started_at for s in steps):
            job.status = JobStatus.IN_PROGRESS
    Order.objects.bulk_create(orders)
    Order.steps.through.objects.bulk_create(
        [
            Order.steps.through(order_id=o.pk, step_id=s.pk)
            for o, s in zip(orders, order_steps, strict=True)
        ]
    )
    OrderItem.objects.bulk_create(
        [
            OrderItem(order=o, part_id=s.part_id, quantity=s.quantity)
            for o, s in zip(orders, order_steps, strict=True)
        ]
    )
    HandOff.objects.bulk_create(handoffs)
    events = []
    for job in jobs:
        entries = sorted(log[job.pk], key=lambda entry: entry[0])
        for seq, (at, kind, fields) in enumerate(entries, start=1):
            events.append(ProgressEvent(job=job, seq=seq, kind=kind, created_at=at, **fields))
        job.last_seq = len(entries)
    ProgressEvent.objects.bulk_create(events)
    Job.objects.bulk_update(jobs, ["status", "joint_at", "last_seq"])
