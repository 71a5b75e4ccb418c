"""A year of history for a big district, written in bulk for benchmarks (`seed_demo --scale N
--jobs M`): jobs of about five steps routed across the district's workshops, their orders,
hand-offs and event log, then the rollups rebuilt from those rows.

The rows are shaped like the services' (the same states, timestamps and events) but are not
made through them: a year of a 4,000-workshop district through the services would take hours.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from workshops.models import Capability, District, Process, Workshop

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
    StepStatus,
)

BATCH = 2000
SCALE_PREFIX = "SCALE-"


def build_history(
    district: District,
    *,
    jobs: int,
    seed: int = 7,
    days: int = 365,
    say: Callable[[str], None] = print,
) -> int:
    """Add up to `jobs` finished or running jobs over the last `days` days; returns how many
    were made (a re-run with the same numbers makes none)."""
    existing = Job.objects.filter(drawing_number__startswith=SCALE_PREFIX).count()
    wanted = max(jobs - existing, 0)
    if not wanted:
        return 0
    rng = random.Random(seed + existing)
    shops = list(Workshop.objects.filter(districts=district).values_list("pk", flat=True))
    able: dict[int, list[int]] = {}
    for shop, process in Capability.objects.filter(workshop__in=shops).values_list(
        "workshop_id", "process_id"
    ):
        able.setdefault(process, []).append(shop)
    processes = [
        p for p in Process.objects.order_by("sort_order").values_list("pk", flat=True) if p in able
    ]
    # Sub-areas for the generated workshops that have none: ten postal districts.
    Workshop.objects.filter(pk__in=shops, postal_code="").update(postal_code="144-0000")
    for area in range(10):
        Workshop.objects.filter(pk__in=shops[area::10], postal_code="144-0000").update(
            postal_code=f"14{area}-0000"
        )
    now = timezone.now()
    made = 0
    while made < wanted:
        count = min(BATCH, wanted - made)
        with transaction.atomic():
            _batch(rng, shops, able, processes, now, days, existing + made, count)
        made += count
        say(f"  history: {existing + made} jobs")
    say("  rebuilding the rollups")
    rollups.rebuild()
    return made


def _batch(rng, shops, able, processes, now, days, offset, count) -> None:
    job_rows, plans = [], []
    for i in range(count):
        created = now - dt.timedelta(days=rng.uniform(0, days), hours=rng.uniform(0, 10))
        hub = rng.choice(shops)
        route = sorted(rng.sample(processes, k=min(len(processes), rng.choice([3, 4, 5, 5, 6]))))
        lead_days = rng.uniform(3, 30)
        finished = created + dt.timedelta(days=lead_days)
        done = finished < now
        job_rows.append(
            Job(
                owner_id=hub,
                part_name="部品",
                drawing_number=f"{SCALE_PREFIX}{offset + i:07d}",
                quantity=rng.choice([10, 20, 50, 100, 500]),
                due_date=(created + dt.timedelta(days=rng.uniform(5, 35))).date(),
                status=JobStatus.DONE if done else JobStatus.IN_PROGRESS,
                created_at=created,
            )
        )
        plans.append((hub, route, created, finished, done))
    jobs = Job.objects.bulk_create(job_rows, batch_size=BATCH)
    parts = Part.objects.make_main(jobs)
    step_rows, step_plan = [], []
    for job, (hub, route, created, finished, done) in zip(jobs, plans, strict=True):
        span = (finished - created) / len(route)
        for position, process in enumerate(route):
            shop = rng.choice(able[process]) if rng.random() < 0.7 else hub
            start = created + span * position + dt.timedelta(hours=rng.uniform(1, 8))
            end = start + dt.timedelta(hours=rng.uniform(0.5, 30))
            if end < timezone.now() and (done or rng.random() < 0.5):
                status, s, f, good = StepStatus.DONE, start, end, job.quantity
            elif start < timezone.now():
                status, s, f, good = StepStatus.IN_PROGRESS, start, None, None
            else:
                status, s, f, good = StepStatus.READY, None, None, None
            step_rows.append(
                Step(
                    job=job,
                    part=parts[job.pk],
                    process_id=process,
                    position=position,
                    planned_hours=Decimal(rng.choice([1, 2, 4, 8])),
                    quantity=job.quantity,
                    workshop_id=shop,
                    status=status,
                    started_at=s,
                    finished_at=f,
                    good_qty=good,
                    scrap_qty=0 if good is not None else None,
                )
            )
            step_plan.append(job)
    steps = Step.objects.bulk_create(step_rows, batch_size=BATCH)
    by_job: dict[int, list[Step]] = {}
    for step in steps:
        by_job.setdefault(step.job_id, []).append(step)
    orders, order_steps, events, handoffs = [], [], [], []
    seqs: dict[int, int] = {}

    def event(job, kind, at, **extra):
        seqs[job.pk] = seqs.get(job.pk, 0) + 1
        events.append(
            ProgressEvent(job=job, seq=seqs[job.pk], kind=kind, created_at=at, data={}, **extra)
        )

    for job, (hub, _route, created, _finished, _done) in zip(jobs, plans, strict=True):
        event(job, "job.posted", created, workshop_id=hub)
        job_steps = by_job[job.pk]
        for step in job_steps:
            event(job, "step.added", created, workshop_id=hub, step=step)
        outsourced = [s for s in job_steps if s.workshop_id != hub]
        for step in outsourced:
            decided = created + dt.timedelta(hours=rng.uniform(1, 20))
            delivered = (
                step.finished_at + dt.timedelta(hours=rng.uniform(2, 60))
                if step.finished_at
                else None
            )
            if delivered and delivered > timezone.now():
                delivered = None
            due = (decided + dt.timedelta(days=rng.uniform(2, 15))).date()
            orders.append(
                Order(
                    job=job,
                    buyer_id=hub,
                    supplier_id=step.workshop_id,
                    status=OrderStatus.DELIVERED if delivered else OrderStatus.ACCEPTED,
                    price=Decimal(rng.randrange(5000, 500000, 1000)),
                    due_date=due,
                    delivery_place="本社工場",
                    payment_due_date=due + dt.timedelta(days=30),
                    payment_method="bank_transfer",
                    requested_at=created,
                    decided_at=decided,
                    delivered_at=delivered,
                )
            )
            order_steps.append((step, decided, delivered))
        if outsourced:
            job.joint_at = min(d for _s, d, _x in order_steps[-len(outsourced) :])
        for step in job_steps:
            event(
                job,
                "step.ready",
                step.started_at or created,
                workshop_id=step.workshop_id,
                step=step,
            )
            if step.started_at:
                event(job, "step.started", step.started_at, workshop_id=step.workshop_id, step=step)
            if step.finished_at:
                event(job, "step.done", step.finished_at, workshop_id=step.workshop_id, step=step)
        # Done only when every step is (a late step can finish after "now").
        done = all(s.finished_at for s in job_steps)
        job.status = JobStatus.DONE if done else JobStatus.IN_PROGRESS
        if done:
            event(job, "job.completed", max(s.finished_at for s in job_steps), workshop_id=hub)
    orders = Order.objects.bulk_create(orders, batch_size=BATCH)
    Order.steps.through.objects.bulk_create(
        [
            Order.steps.through(order_id=o.pk, step_id=s.pk)
            for o, (s, _d, _x) in zip(orders, order_steps, strict=True)
        ],
        batch_size=BATCH,
    )
    for order, (step, decided, delivered) in zip(orders, order_steps, strict=True):
        job = step.job
        event(job, "order.requested", order.requested_at, workshop_id=order.buyer_id, order=order)
        event(job, "order.accepted", decided, workshop_id=order.supplier_id, order=order)
        if delivered:
            handoffs.append(
                HandOff(
                    job=job,
                    part_id=step.part_id,
                    from_step=step,
                    to_step=None,
                    from_workshop_id=order.supplier_id,
                    to_workshop_id=order.buyer_id,
                    status=HandOffStatus.RECEIVED,
                    quantity_shipped=step.good_qty or 1,
                    quantity_received=step.good_qty or 1,
                    quantity_accepted=step.good_qty or 1,
                    quantity_rejected=0,
                    shipped_at=delivered - dt.timedelta(hours=2),
                    received_at=delivered,
                )
            )
            event(job, "order.delivered", delivered, workshop_id=order.buyer_id, order=order)
    OrderItem.objects.bulk_create(
        [
            OrderItem(order=o, part_id=s.part_id, quantity=s.quantity)
            for o, (s, _d, _x) in zip(orders, order_steps, strict=True)
        ],
        batch_size=BATCH,
    )
    HandOff.objects.bulk_create(handoffs, batch_size=BATCH)
    ProgressEvent.objects.bulk_create(events, batch_size=BATCH)
    for job in jobs:
        job.last_seq = seqs.get(job.pk, 0)
    Job.objects.bulk_update(jobs, ["last_seq", "joint_at", "status"], batch_size=BATCH)
