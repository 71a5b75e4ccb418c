"""The rollups the services keep agree with a rebuild from the raw rows and with plain SQL
aggregates over those rows; on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from orders import rollups
from orders.models import (
    Job,
    LeadTime,
    Order,
    PairDayStat,
    Step,
    StepDayStat,
    StepStatus,
    WorkshopDayStat,
)
from orders.services.progress import step_done, step_start
from tests.orders.test_services import every_kind_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(chain):
    """Everything that can happen to a job, through the services (with two more completed
    jobs, so that the figures are not all ones)."""
    jobs = every_kind_scenario(chain)
    return chain, jobs


def test_incremental_rollups_equal_a_rebuild_from_raw_rows(scenario):
    incremental = rollups.snapshot()
    assert incremental["StepDayStat"], "the scenario finished steps"
    assert incremental == rollups.as_snapshot(rollups.raw_rollups())
    rollups.rebuild()
    assert rollups.snapshot() == incremental
    # And again: a rebuild replaces, it does not add.
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rollups.snapshot() == incremental


def test_rollups_agree_with_plain_sql_aggregates(scenario):
    rollups.rebuild()
    done = Step.objects.filter(status=StepStatus.DONE)
    per_process = dict(done.values_list("process").annotate(n=Count("pk")))
    rolled = dict(
        StepDayStat.objects.values_list("process").annotate(n=Sum("steps_done")).filter(n__gt=0)
    )
    assert rolled == per_process
    assert (
        StepDayStat.objects.aggregate(n=Sum("good_qty"))["n"]
        == done.aggregate(n=Sum("good_qty"))["n"]
    )
    assert StepDayStat.objects.aggregate(n=Sum("steps_started"))["n"] == (
        Step.objects.filter(started_at__isnull=False).count()
    )
    assert LeadTime.objects.filter(kind="step").count() == done.count()
    assert LeadTime.objects.filter(kind="job").count() == Job.objects.filter(status="done").count()
    delivered = Order.objects.filter(delivered_at__isnull=False)
    totals = WorkshopDayStat.objects.aggregate(
        delivered=Sum("orders_delivered"),
        joint=Sum("jobs_joint"),
        accepted=Sum("orders_accepted"),
    )
    assert totals["delivered"] == delivered.count() > 0
    assert totals["joint"] == Job.objects.filter(joint_at__isnull=False).count() > 0
    # Every order ever accepted: accepted or delivered now, or cancelled since (a job ended
    # with its suppliers' agreement); acceptance is what recorded its 注文請書.
    accepted = Order.objects.filter(acceptances__isnull=False).distinct().count()
    assert accepted == (
        Order.objects.filter(Q(status="accepted") | Q(status="delivered")).count()
        + Order.objects.filter(status="cancelled", acceptances__isnull=False).distinct().count()
    )
    assert totals["accepted"] == accepted
    assert PairDayStat.objects.aggregate(n=Sum("orders"))["n"] == accepted


def test_a_refused_service_writes_no_rollup(chain, routed_job):
    from core.services import Refused

    _job, steps, _orders = routed_job
    before = rollups.snapshot()
    with pytest.raises(Refused):
        step_done(step=steps["L"], actor=chain.turner_floor, good=1)  # not started
    with pytest.raises(Refused):
        step_start(step=steps["L"], actor=chain.stranger_owner)
    assert rollups.snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_the_rollups_agree_on_a_committed_database(chain):
    """With real commits (on PostgreSQL when DATABASE_URL names it): the same agreement."""
    every_kind_scenario(chain)
    incremental = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == incremental
