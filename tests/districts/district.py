"""A small hand-made district where every figure of the dashboard is known.

Rows are written directly (times exact to the minute), then the rollups are rebuilt from them;
tests/orders/test_rollups.py proves separately that the services keep the same rollups.

京浜 district, the week of Monday 2026-03-02 (Japan time):
- workshops: hub H1 (assembly), turners T1, T2, T3, grinder G1; size bands: H1 5 staff,
  T1 3, T2 8, T3 12, G1 20; sub-areas 144 (H1, T1, T2) and 143 (T3, G1).
- turning (L) done: T1 2 h, T2 4 h, T3 6 h, H1 8 h → 4 steps, 4 workshops, median 5.0 h,
  90th percentile 7.4 h; good 10 + 20 + 30 + 40 = 100, scrap 1 (T2).
- grinding (G) done: G1 only, 1 h, good 5: one workshop, suppressed.
- inspection (INS) done: H1, T2, T3, 1 h each, good 10 each: three workshops, but suppressed
  with grinding so that the total minus turning does not describe G1 alone.
- jobs J1 (H1) 48 h, J2 (T1) 24 h, J3 (T2) 96 h from posting to completion: median 48 h,
  90th percentile 86.4 h; each became a joint order.
- orders delivered: to H1 by T1 on time (23:30 on the due date), by T2 late (00:30 the day
  after: on time in UTC, late in Japan), by T3 early; to T2 by T1 on time → 3 of 4, 75 %.
- right now: turning in progress at T1, T2, T3, H1 (4); inspection ready at H1, T2, T3 (3);
  grinding ready at G1 (1, folded with inspection).
- three postings awarded on the open board (buyers H1, T1, T2).
Everything private carries a marker (SECRET) that no dashboard output may contain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from board.models import Posting, PostingStatus
from orders import rollups
from orders.models import Job, JobStatus, Order, OrderStatus, ProgressEvent, Step, StepStatus
from tests.conftest import add_capability, make_user
from workshops.models import District, DistrictStaff, Process, Role, User, Workshop
from workshops.services import membership_add, workshop_create

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = dt.date(2026, 3, 20)
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 15)
SECRETS = ("SECRET-CUSTOMER", "SECRET-PART", "SECRET-DRAWING", "SECRET-STEP", "987654")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=TOKYO)


@dataclass
class HandMade:
    district: District
    other: District
    staff: User
    outsider_staff: User
    shops: dict[str, Workshop]
    owners: dict[str, User]
    floor: User
    stranger: User


def build() -> HandMade:
    district = District.objects.create(slug="keihin", name_ja="京浜", name_en="Keihin")
    other = District.objects.create(slug="tsubame", name_ja="燕", name_en="Tsubame")
    staff = make_user("keihin-staff")
    DistrictStaff.objects.create(district=district, user=staff)
    outsider_staff = make_user("tsubame-staff")
    DistrictStaff.objects.create(district=other, user=outsider_staff)
    plan = {
        "H1": ("SECRET-SHOP 丸一", "144-0001", 5, "ASM"),
        "T1": ("SECRET-SHOP 旋一", "144-0002", 3, "L"),
        "T2": ("SECRET-SHOP 旋二", "144-0003", 8, "L"),
        "T3": ("SECRET-SHOP 旋三", "143-0001", 12, "L"),
        "G1": ("SECRET-SHOP 研一", "143-0002", 20, "G"),
    }
    shops, owners = {}, {}
    for key, (name, postal, headcount, process) in plan.items():
        owner = make_user(f"hm-{key.lower()}")
        shop = workshop_create(
            actor=owner,
            owner=owner,
            name=name,
            postal_code=postal,
            headcount=headcount,
            districts=[district],
        )
        add_capability(shop, process, capacity_hours_per_week=40)
        shops[key], owners[key] = shop, owner
    floor = make_user("hm-t1-floor")
    membership_add(workshop=shops["T1"], user=floor, role=Role.FLOOR, actor=owners["T1"])
    stranger = make_user("hm-stranger")
    outside = workshop_create(
        actor=stranger, owner=stranger, name="SECRET-SHOP 燕", districts=[other]
    )
    p = {proc.code: proc for proc in Process.objects.filter(code__in=["L", "G", "INS", "ASM"])}

    jobs = {}
    for key, owner, created, completed in (
        ("J1", "H1", at(2, 9), at(4, 9)),
        ("J2", "T1", at(3, 9), at(4, 9)),
        ("J3", "T2", at(2, 9), at(6, 9)),
    ):
        job = Job.objects.create(
            owner=shops[owner],
            part_name=f"SECRET-PART {key}",
            drawing_number="SECRET-DRAWING",
            customer_name="SECRET-CUSTOMER",
            quantity=100,
            due_date=dt.date(2026, 3, 10),
            status=JobStatus.DONE,
            created_at=created,
            joint_at=created + dt.timedelta(hours=1),
            last_seq=1,
        )
        ProgressEvent.objects.create(
            job=job, seq=1, kind="job.completed", workshop=shops[owner], created_at=completed
        )
        jobs[key] = job
    # A job still open, for the live steps; and one in another district.
    live_job = Job.objects.create(
        owner=shops["H1"],
        part_name="SECRET-PART live",
        customer_name="SECRET-CUSTOMER",
        quantity=10,
        due_date=dt.date(2026, 4, 1),
        status=JobStatus.IN_PROGRESS,
        created_at=at(10, 9),
    )
    far_job = Job.objects.create(
        owner=outside, part_name="SECRET-PART far", quantity=10, due_date=dt.date(2026, 4, 1)
    )

    def step(job, shop, code, status, started=None, finished=None, good=None, scrap=None):
        return Step.objects.create(
            job=job,
            process=p[code],
            title="SECRET-STEP",
            planned_hours=Decimal(2),
            quantity=100,
            workshop=shops[shop] if isinstance(shop, str) else shop,
            status=status,
            started_at=started,
            finished_at=finished,
            good_qty=good,
            scrap_qty=scrap,
        )

    done = StepStatus.DONE
    step(jobs["J2"], "T1", "L", done, at(2, 10), at(2, 12), 10, 0)
    step(jobs["J3"], "T2", "L", done, at(3, 10), at(3, 14), 20, 1)
    step(jobs["J1"], "T3", "L", done, at(4, 8), at(4, 14), 30, 0)
    step(jobs["J1"], "H1", "L", done, at(5, 8), at(5, 16), 40, 0)
    step(jobs["J1"], "G1", "G", done, at(5, 9), at(5, 10), 5, 0)
    for shop in ("H1", "T2", "T3"):
        step(jobs["J1"], shop, "INS", done, at(6, 9), at(6, 10), 10, 0)
    for shop in ("T1", "T2", "T3", "H1"):
        step(live_job, shop, "L", StepStatus.IN_PROGRESS, at(19, 9))
    for shop in ("H1", "T2", "T3"):
        step(live_job, shop, "INS", StepStatus.READY)
    step(live_job, "G1", "G", StepStatus.READY)
    step(far_job, outside, "L", StepStatus.IN_PROGRESS, at(19, 9))

    seq = {job.pk: 1 for job in jobs.values()}

    def order(job, buyer, supplier, due, decided, delivered=None):
        made = Order.objects.create(
            job=job,
            buyer=shops[buyer],
            supplier=shops[supplier],
            status=OrderStatus.DELIVERED if delivered else OrderStatus.ACCEPTED,
            price=Decimal(987654),
            due_date=due,
            delivery_place="SECRET-PLACE",
            payment_due_date=due + dt.timedelta(days=30),
            payment_method="bank_transfer",
            decided_at=decided,
            delivered_at=delivered,
        )
        seq[job.pk] += 1
        ProgressEvent.objects.create(
            job=job,
            seq=seq[job.pk],
            kind="order.accepted",
            workshop=shops[supplier],
            order=made,
            created_at=decided,
        )
        return made

    order(jobs["J1"], "H1", "T1", dt.date(2026, 3, 5), at(2, 10), at(5, 23, 30))
    order(jobs["J1"], "H1", "T2", dt.date(2026, 3, 5), at(2, 10), at(6, 0, 30))
    order(jobs["J1"], "H1", "T3", dt.date(2026, 3, 10), at(2, 10), at(9, 12))
    order(jobs["J3"], "T2", "T1", dt.date(2026, 3, 8), at(3, 10), at(7, 12))
    order(jobs["J2"], "T1", "G1", dt.date(2026, 3, 8), at(3, 11))

    for job, buyer in ((jobs["J1"], "H1"), (jobs["J2"], "T1"), (jobs["J3"], "T2")):
        posting = Posting.objects.create(
            job=job,
            buyer=shops[buyer],
            process=p["L"],
            quantity=10,
            due_date=dt.date(2026, 3, 9),
            answer_by=at(3, 12),
            status=PostingStatus.AWARDED,
            decided_at=at(3, 11),
            description="SECRET-STEP",
        )
        posting.districts.set([district])
    rollups.rebuild()
    return HandMade(district, other, staff, outsider_staff, shops, owners, floor, stranger)
