"""The open board's part of the demo district (`seed_demo`, through orders.demo.extend): a
hub posts a grinding step to the district and an invited shop has offered, so the hub has an
offer to compare and the shop a posting it answered."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from orders.demo import demo_job_uuid
from orders.models import Job
from orders.services.jobs import job_create, step_add
from workshops.demo_data import DISTRICT, demo_uuid
from workshops.models import District, Membership, Process, Role, Workshop

from . import services
from .models import Posting


def seed_posting() -> int:
    job_uuid = demo_job_uuid("posted-plate")
    if Job.objects.filter(uuid=job_uuid).exists():
        return 0
    hub = Workshop.objects.get(uuid=demo_uuid("hayashi-kiko"))
    owner = Membership.objects.filter(workshop=hub, role=Role.OWNER).first().user
    today = timezone.localdate()
    job = job_create(
        workshop=hub,
        actor=owner,
        uuid=job_uuid,
        data={
            "part_name": "ストッパープレート",
            "drawing_number": "HK-3318",
            "quantity": 20,
            "due_date": today + dt.timedelta(days=20),
            "customer_name": "株式会社 城南精機（デモ）",
        },
    )
    turn = step_add(job=job, actor=owner, process=Process.objects.get(code="L"), planned_hours=3)
    grind = step_add(
        job=job,
        actor=owner,
        process=Process.objects.get(code="GS"),
        planned_hours=4,
        after=[turn],
    )
    posting: Posting = services.posting_create(
        job=job,
        actor=owner,
        steps=[grind],
        districts=[District.objects.get(slug=DISTRICT["slug"])],
        answer_by=timezone.now() + dt.timedelta(days=3),
        description="平面度 0.005 以内。両面研削。",
    )
    # An invited shop with people on shopnet answers (the shops without accounts cannot).
    offering = (
        Membership.objects.filter(
            role=Role.OWNER, workshop__in=posting.invites.values("workshop_id")
        )
        .select_related("workshop", "user")
        .order_by("workshop__name")
        .first()
    )
    if offering is not None:
        services.offer_submit(
            posting=posting,
            workshop=offering.workshop,
            actor=offering.user,
            price=42000,
            valid_until=today + dt.timedelta(days=10),
            promised_date=today + dt.timedelta(days=9),
            note="研削盤の空きがあります。",
        )
    return 1
