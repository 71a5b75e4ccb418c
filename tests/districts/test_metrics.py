"""The dashboard's figures on a hand-made district where every number is known
(tests/districts/district.py), and the k ≥ 3 suppression."""

from __future__ import annotations

import datetime as dt

import pytest

from districts.metrics.aggregates import percentile
from districts.metrics.network import network as network_of
from districts.metrics.privacy import suppress
from districts.metrics.processes import live_counters, process_table, process_table_live
from districts.metrics.scope import Scope, district_areas, process_labels
from districts.metrics.summary import participating_count
from districts.metrics.summary import summary as summary_of
from districts.metrics.weekly import weekly_throughput
from tests.districts.district import END, START, TODAY, build
from workshops.models import Process

pytestmark = pytest.mark.django_db


@pytest.fixture
def hm():
    return build()


def scope(hm, **extra) -> Scope:
    extra.setdefault("today", TODAY)
    return Scope(hm.district, extra.pop("start", START), extra.pop("end", END), **extra)


def by_process(rows):
    return {row["process"]: row for row in rows}


def test_it_measures_throughput_and_suppresses_processes_of_too_few_workshops(hm):
    table = process_table(scope(hm), process_labels())
    rows = by_process(table["throughput"])
    assert rows["L"] == {
        "process": "L",
        "name": rows["L"]["name"],
        "colour": rows["L"]["colour"],
        "steps_done": 4,
        "good_qty": 100,
        "scrap_qty": 1,
        "workshops": 4,
        "suppressed": False,
    }
    # Grinding: G1 alone. Inspection: three shops, but the total minus turning would be G1's
    # figure plus theirs only if inspection were shown, so it is suppressed with grinding.
    for code in ("G", "INS"):
        assert rows[code]["suppressed"] is True
        assert rows[code]["steps_done"] is None and rows[code]["workshops"] is None
    assert table["throughput_total"] == {"steps_done": 8, "good_qty": 135, "scrap_qty": 1}


def test_it_measures_lead_time_per_step_and_per_job(hm):
    table = process_table(scope(hm), process_labels())
    leads = by_process(table["lead_times"])
    assert (leads["L"]["median_hours"], leads["L"]["p90_hours"], leads["L"]["steps"]) == (
        5.0,
        7.4,
        4,
    )
    assert leads["INS"]["median_hours"] == 1.0  # three shops: shown (percentiles do not add up)
    assert leads["G"]["suppressed"] and leads["G"]["median_hours"] is None
    summary = summary_of(scope(hm))
    assert (summary["job_lead_median_hours"], summary["job_lead_p90_hours"]) == (48.0, 86.4)


def test_it_measures_on_time_delivery_in_japan_time(hm):
    summary = summary_of(scope(hm))
    # T2's delivery at 00:30 on the day after its due date is late, though on time in UTC.
    assert (summary["orders_delivered"], summary["on_time_percent"]) == (4, 75)


def test_it_counts_work_in_progress_and_queues_right_now(hm):
    live = process_table_live(scope(hm), process_labels())
    rows = by_process(live["wip"])
    assert (rows["L"]["wip"], rows["L"]["queue"], rows["L"]["workshops"]) == (4, 0, 4)
    assert rows["G"]["suppressed"] and rows["INS"]["suppressed"]
    assert live["wip_total"] == {"wip": 4, "queue": 4}
    # The other district's step in progress is not counted.
    assert live_counters(scope(hm))["wip_total"]["wip"] == 4


def test_it_counts_joint_orders_matches_and_participation(hm):
    summary = summary_of(scope(hm))
    assert summary["joint_orders"] == 3
    assert summary["matches"] == 3
    assert summary["jobs_completed"] == 3
    assert summary["participating"] == 5
    assert summary["steps_done"] == 8
    assert summary["workshops"] == 5
    # Ninety days on, nobody has done anything since.
    later = scope(hm, today=TODAY + dt.timedelta(days=100))
    assert participating_count(later, later.today) == 0


def test_it_suppresses_a_size_band_of_fewer_than_three_workshops(hm):
    small = scope(hm, size="10-29")  # T3 and G1
    summary = summary_of(small)
    assert summary["workshops"] == 2
    for key in ("steps_done", "jobs_completed", "on_time_percent", "participating", "matches"):
        assert summary[key] is None, key
    table = process_table(small, process_labels())
    assert all(row["suppressed"] for row in table["throughput"])
    assert table["throughput_total"]["steps_done"] is None


def test_it_filters_by_sub_area_and_process(hm):
    area = summary_of(scope(hm, area="144"))  # H1, T1, T2
    assert area["workshops"] == 3
    assert area["steps_done"] == 5  # L by H1, T1, T2 and INS by H1, T2
    turning = summary_of(scope(hm, process=Process.objects.get(code="L")))
    assert turning["steps_done"] == 4
    assert district_areas(hm.district) == ["143", "144"]


def test_the_weekly_series_folds_small_processes_into_other(hm):
    weekly = weekly_throughput(scope(hm), process_labels())
    weeks = {w["week"]: w for w in weekly["weeks"]}
    assert list(weeks) == ["2026-02-23", "2026-03-02", "2026-03-09"]
    week = weeks["2026-03-02"]
    assert week["segments"] == [{"process": "L", "done": 4}]
    assert (week["other"], week["total"], week["jobs_completed"]) == (4, 8, 3)
    assert weeks["2026-03-09"]["total"] == 0
    assert [entry["code"] for entry in weekly["legend"]] == ["L"]


def test_the_network_groups_workshops_and_hides_small_groups(hm):
    network = network_of(scope(hm), process_labels())
    # Turners T1–T3 make a group; H1 (assembly) and G1 (grinding) alone would be singled out,
    # and "other" with two members too, so every shop ends in one group.
    assert network["nodes"] == [
        {
            "id": "other",
            "key": "他",
            "name": network["nodes"][0]["name"],
            "colour": "#BBBBBB",
            "workshops": 5,
        }
    ]
    assert network["edges"] == [
        {
            "source": "other",
            "target": "other",
            "source_key": "他",
            "target_key": "他",
            "orders": 5,
        }
    ]
    assert network["total_orders"] == 5


def test_a_district_of_two_workshops_shows_no_network(hm):
    network = network_of(scope(hm, area="143"), process_labels())
    assert network["nodes"] == [] and network["total_orders"] is None


def test_percentile_matches_postgresql():
    assert percentile([2, 4, 6, 8], 0.5) == 5.0
    assert percentile([2, 4, 6, 8], 0.9) == pytest.approx(7.4)
    assert percentile([24, 48, 96], 0.9) == pytest.approx(86.4)
    assert percentile([], 0.5) is None
    assert percentile([3], 0.9) == 3


def test_suppression_blanks_enough_cells_that_totals_reveal_no_one():
    rows = [
        {"workshops": 5, "v": 10},
        {"workshops": 3, "v": 7},
        {"workshops": 1, "v": 2},
    ]
    suppress(rows, ["v"])
    assert [r["v"] for r in rows] == [10, None, None]
    rows = [{"workshops": 4, "v": 1}, {"workshops": 4, "v": 1}]
    suppress(rows, ["v"])
    assert [r["suppressed"] for r in rows] == [False, False]
    rows = [{"workshops": 1, "v": 1}, {"workshops": 2, "v": 1}, {"workshops": 9, "v": 5}]
    suppress(rows, ["v"])
    assert [r["v"] for r in rows] == [None, None, 5]  # the two small ones together make 3


def grow(hm, *, workshops: int, jobs: int) -> None:
    """More workshops and more finished work in the same district and range, written as rows
    then rebuilt, for the query-count tests."""
    from decimal import Decimal

    from orders import rollups
    from orders.models import Job, JobStatus, Step, StepStatus
    from tests.conftest import add_capability
    from tests.districts.district import at
    from workshops.services import workshop_create

    lathe = Process.objects.get(code="L")
    extra = []
    for i in range(workshops):
        shop = workshop_create(
            actor=None,
            name=f"増設 {i}",
            postal_code="144-0100",
            headcount=4,
            districts=[hm.district],
        )
        add_capability(shop, "L", capacity_hours_per_week=40)
        extra.append(shop)
    for i in range(jobs):
        shop = extra[i % len(extra)]
        job = Job.objects.create(
            owner=shop,
            part_name="x",
            quantity=1,
            due_date=dt.date(2026, 3, 20),
            status=JobStatus.IN_PROGRESS,
        )
        Step.objects.create(
            job=job,
            process=lathe,
            planned_hours=Decimal(1),
            quantity=1,
            workshop=shop,
            status=StepStatus.DONE,
            started_at=at(9, 9),
            finished_at=at(9, 10 + i % 5),
            good_qty=1,
        )
        Step.objects.create(
            job=job,
            process=lathe,
            planned_hours=Decimal(1),
            quantity=1,
            workshop=shop,
            status=StepStatus.IN_PROGRESS,
            started_at=at(9, 11),
        )
    rollups.rebuild()
