"""A small 仲間まわし chain: a hub, a turning shop, a grinding shop it passes work on to,
a plating shop, and an outsider; each with an owner and floor staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from orders.models import Job, Order, Step
from orders.services.jobs import job_create, step_add
from orders.services.routing import order_accept, order_request
from tests.conftest import add_capability, make_user, make_workshop
from workshops import services as workshop_services
from workshops.models import Process, Role, User, Workshop


@dataclass
class Chain:
    hub: Workshop
    turner: Workshop
    grinder: Workshop
    plater: Workshop
    stranger: Workshop
    hub_owner: User
    hub_floor: User
    turner_owner: User
    turner_floor: User
    grinder_owner: User
    grinder_floor: User
    plater_owner: User
    stranger_owner: User
    staff: User


def shop(
    name: str, code: str, *processes: str, lat: float, lng: float
) -> tuple[Workshop, User, User]:
    owner = make_user(f"{code}-owner", display_name=f"{name} 社長")
    floor = make_user(f"{code}-floor", display_name=f"{name} 現場")
    workshop = make_workshop(name, owner=owner, lat=lat, lng=lng)
    # Dates in these tests are counted from today: a public holiday falling on one of them
    # must not move a projection (the calendar tests set holidays on where they mean to).
    Workshop.objects.filter(pk=workshop.pk).update(observes_public_holidays=False)
    workshop.observes_public_holidays = False
    workshop_services.membership_add(workshop=workshop, user=floor, role=Role.FLOOR, actor=owner)
    for process in processes:
        add_capability(
            workshop, process, materials=["SUS304", "S45C"], size=(500, 300, 300), tolerance=5
        )
    return workshop, owner, floor


@pytest.fixture
def chain(db, staff) -> Chain:
    hub, hub_owner, hub_floor = shop("丸山製作所", "hub", "ASM", "INS", lat=35.56, lng=139.72)
    turner, turner_owner, turner_floor = shop(
        "田中旋盤", "turner", "L", "M", "G", lat=35.57, lng=139.73
    )
    grinder, grinder_owner, grinder_floor = shop("松本研削", "grinder", "G", lat=35.55, lng=139.71)
    plater, plater_owner, _ = shop("糀谷鍍金", "plater", "PLT", lat=35.54, lng=139.74)
    stranger, stranger_owner, _ = shop("川崎プレス", "stranger", "PRS", "L", lat=35.53, lng=139.70)
    return Chain(
        hub,
        turner,
        grinder,
        plater,
        stranger,
        hub_owner,
        hub_floor,
        turner_owner,
        turner_floor,
        grinder_owner,
        grinder_floor,
        plater_owner,
        stranger_owner,
        staff,
    )


def in_days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def terms(**overrides) -> dict:
    base = {
        "price": 120000,
        "due_date": in_days(10),
        "delivery_place": "丸山製作所 本社工場",
        "inspection_due_date": None,
        "payment_due_date": in_days(40),
        "payment_method": "bank_transfer",
        "terms_note": "",
    }
    base.update(overrides)
    return base


def post_job(chain: Chain, **data) -> Job:
    values = {
        "part_name": "シャフト",
        "drawing_number": "MR-1001",
        "quantity": 100,
        "due_date": in_days(30),
        "customer_name": "株式会社 秘密顧客",
    }
    values.update(data)
    return job_create(workshop=chain.hub, actor=chain.hub_owner, data=values)


def add(job: Job, chain: Chain, code: str, hours=4, after=(), title="") -> Step:
    return step_add(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code=code),
        planned_hours=hours,
        after=after,
        title=title,
    )


@pytest.fixture
def routed_job(chain):
    """Turning → grinding → plating → assembly → inspection. Turning and grinding are ordered
    from the turner, who passes grinding on to the grinder; plating goes to the plater."""
    job = post_job(chain)
    turn = add(job, chain, "L", 6)
    grind = add(job, chain, "G", 3, after=[turn])
    plate = add(job, chain, "PLT", 2, after=[grind])
    assemble = add(job, chain, "ASM", 2, after=[plate])
    add(job, chain, "INS", 1, after=[assemble])
    top = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, grind], terms=terms()
    )
    order_accept(order=top, actor=chain.turner_owner)
    sub = order_request(
        job=job,
        actor=chain.turner_owner,
        supplier=chain.grinder,
        steps=[grind],
        terms=terms(price=30000, due_date=in_days(8), payment_due_date=in_days(30)),
        parent=top,
    )
    order_accept(order=sub, actor=chain.grinder_owner)
    plating = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.plater,
        steps=[plate],
        terms=terms(price=15000, due_date=in_days(14), payment_due_date=in_days(45)),
    )
    order_accept(order=plating, actor=chain.plater_owner)
    steps = {s.process.code: s for s in Step.objects.filter(job=job).select_related("process")}
    return job, steps, {"top": top, "sub": sub, "plating": plating}


def refreshed(obj):
    obj.refresh_from_db()
    return obj


__all__ = ["Chain", "Order", "add", "in_days", "post_job", "refreshed", "terms"]
