"""orders 0014_parts / 0015_parts_required: every job so far becomes a job of one part (made
from the job's own fields), its steps and hand-offs on that part, its receipts accepted, its
orders one item each; and back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("orders", "0013_order_decline_code")]
AFTER = [("orders", "0015_parts_required")]


def _old(executor):
    return executor.loader.project_state(BEFORE).apps


def _new(executor):
    """The models as they stood right after the migration: today's models have columns that
    later migrations add."""
    return executor.loader.project_state(AFTER).apps


@pytest.mark.django_db(transaction=True)
def test_it_gives_every_job_one_part_and_back(chain):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        apps = _old(executor)
        Job, Step_, StepLink, Order_, HandOff_ = (
            apps.get_model("orders", n) for n in ("Job", "Step", "StepLink", "Order", "HandOff")
        )
        Process = apps.get_model("workshops", "Process")
        lathe, grind = Process.objects.get(code="L"), Process.objects.get(code="G")
        job = Job.objects.create(
            owner_id=chain.hub.pk,
            part_name="シャフト",
            drawing_number="MR-1",
            material_note="SUS304",
            quantity=20,
            due_date=timezone.localdate() + dt.timedelta(days=20),
        )
        turn = Step_.objects.create(
            job=job,
            process=lathe,
            planned_hours=Decimal(2),
            quantity=20,
            workshop_id=chain.turner.pk,
            status="done",
            good_qty=19,
            scrap_qty=1,
        )
        grinding = Step_.objects.create(
            job=job, process=grind, planned_hours=Decimal(1), quantity=20, workshop_id=chain.hub.pk
        )
        StepLink.objects.create(predecessor=turn, successor=grinding)
        order = Order_.objects.create(
            job=job,
            buyer_id=chain.hub.pk,
            supplier_id=chain.turner.pk,
            status="accepted",
            price=Decimal(1000),
            due_date=timezone.localdate(),
            delivery_place="本社",
            payment_due_date=timezone.localdate(),
            payment_method="bank_transfer",
        )
        order.steps.add(turn)
        HandOff_.objects.create(
            job=job,
            from_step=turn,
            to_step=grinding,
            from_workshop_id=chain.turner.pk,
            to_workshop_id=chain.hub.pk,
            status="received",
            quantity_shipped=19,
            quantity_received=18,
        )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = _new(executor)
        Part, Step, HandOff, OrderItem = (
            new.get_model("orders", name) for name in ("Part", "Step", "HandOff", "OrderItem")
        )
        part = Part.objects.get(job_id=job.pk)
        assert (part.name, part.drawing_number, part.material_note, part.quantity) == (
            "シャフト",
            "MR-1",
            "SUS304",
            20,
        )
        assert set(Step.objects.filter(job_id=job.pk).values_list("part_id", flat=True)) == {
            part.pk
        }
        handoff = HandOff.objects.get(job_id=job.pk)
        assert (handoff.part_id, handoff.quantity_accepted, handoff.quantity_rejected) == (
            part.pk,
            18,
            0,
        )
        item = OrderItem.objects.get(order_id=order.pk)
        assert (item.part_id, item.quantity) == (part.pk, 20)
        assert OrderItem.objects.filter(order_id=order.pk).count() == 1

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        apps = _old(executor)
        back = apps.get_model("orders", "Job").objects.get(pk=job.pk)
        assert (back.part_name, back.quantity) == ("シャフト", 20)
        assert apps.get_model("orders", "Step").objects.filter(job_id=job.pk).count() == 2
        handoff = apps.get_model("orders", "HandOff").objects.get(job_id=job.pk)
        assert handoff.quantity_received == 18
    finally:
        # Back to the newest state, whatever came after this migration.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
