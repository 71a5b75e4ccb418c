"""Load (負荷): committed hours per week against declared capacity, on hand-made data.

The scene, in the current week (week 0) and the next; every number is set by hand:
- the hub assembles in-house: 10 h over Tuesday–Wednesday of week 0 (capacity 25 h/week);
- the turner was ordered turning (6 h, Monday–Friday of week 1) and milling (10 h, Thursday of
  week 0 to Wednesday of week 1: 2 h a working day, so 4 h + 6 h) and accepted
  (capacity 10 h/week turning, 30 h/week milling);
- the hub's grinding is requested from the grinder (not yet accepted), its plating is on an open
  posting, its inspection is done: none of them load anyone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from board.models import Posting, PostingStatus
from orders.load import (
    committed_hours,
    declared_capacity,
    load_ratio,
    week_start,
    workshop_load,
)
from orders.models import Job, Step, StepStatus
from orders.services.routing import order_accept, order_request
from tests.orders.conftest import add, in_days, post_job, terms
from workshops.calendar import Calendar
from workshops.models import Capability, Process

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONDAY = week_start(TODAY)
D = Decimal


def day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


def at(offset: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day(offset), dt.time(hour)))


def project(step: Step, first: int | None, last: int | None = None) -> None:
    """Place a step by hand: from 09:00 on day `first` to 17:00 on day `last` (days from this
    week's Monday); None: not projected."""
    if first is None:
        Step.objects.filter(pk=step.pk).update(projected_start=None, projected_finish=None)
    else:
        Step.objects.filter(pk=step.pk).update(
            projected_start=at(first, 9), projected_finish=at(last, 17)
        )


def capacity(workshop, code: str, hours: int | None) -> None:
    Capability.objects.filter(workshop=workshop, process__code=code).update(
        capacity_hours_per_week=hours
    )


def pid(code: str) -> int:
    return Process.objects.get(code=code).pk


def weeks(*values) -> list[Decimal]:
    """An 8-week row: the given values, then zeros."""
    row = [D(str(v)).quantize(D("0.01")) for v in values]
    return row + [D("0.00")] * (8 - len(row))


@pytest.fixture
def scene(chain):
    job = post_job(chain)
    turn = add(job, chain, "L", 6)
    mill = add(job, chain, "M", 10, after=[turn])
    grind = add(job, chain, "G", 3, after=[mill])
    plate = add(job, chain, "PLT", 2, after=[grind])
    assemble = add(job, chain, "ASM", 10, after=[plate])
    inspect = add(job, chain, "INS", 1, after=[assemble])
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, mill], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    order_request(
        job=job, actor=chain.hub_owner, supplier=chain.grinder, steps=[grind], terms=terms()
    )
    posting = Posting.objects.create(
        job=job,
        buyer=chain.hub,
        process=Process.objects.get(code="PLT"),
        quantity=100,
        due_date=in_days(14),
        answer_by=timezone.now() + dt.timedelta(days=3),
    )
    posting.steps.add(plate)
    Step.objects.filter(pk=inspect.pk).update(status=StepStatus.DONE, good_qty=100, scrap_qty=0)
    # Projections by hand (after the services, which recompute them).
    project(assemble, 1, 2)
    project(turn, 7, 11)
    project(mill, 3, 9)
    project(grind, 0, 0)
    project(plate, 0, 0)
    project(inspect, 0, 0)
    capacity(chain.hub, "ASM", 25)
    capacity(chain.turner, "L", 10)
    capacity(chain.turner, "M", 30)
    return {
        "job": job,
        "order": order,
        "posting": posting,
        **{s.process.code: s for s in Step.objects.filter(job=job).select_related("process")},
    }


def test_in_house_steps_load_the_hub(chain, scene):
    hours = committed_hours([chain.hub.pk], today=TODAY)
    assert hours == {(chain.hub.pk, pid("ASM")): weeks(10)}


def test_accepted_orders_load_the_supplier_spread_over_working_days(chain, scene):
    hours = committed_hours([chain.turner.pk], today=TODAY)
    assert hours == {
        (chain.turner.pk, pid("L")): weeks(0, 6),
        # Thursday to next Wednesday: five working days, 2 h each, 2 this week, 3 the next.
        (chain.turner.pk, pid("M")): weeks(4, 6),
    }


def test_requested_orders_and_open_postings_load_nobody(chain, scene):
    ids = [chain.hub.pk, chain.grinder.pk, chain.plater.pk]
    hours = committed_hours(ids, today=TODAY)
    assert set(hours) == {(chain.hub.pk, pid("ASM"))}


def test_a_step_counts_again_once_the_posting_is_withdrawn_or_the_request_accepted(chain, scene):
    Posting.objects.filter(pk=scene["posting"].pk).update(status=PostingStatus.WITHDRAWN)
    assert committed_hours([chain.hub.pk], today=TODAY)[(chain.hub.pk, pid("PLT"))] == weeks(2)
    request = scene["G"].orders.get(supplier=chain.grinder)
    order_accept(order=request, actor=chain.grinder_owner)
    project(Step.objects.get(pk=scene["G"].pk), 0, 0)
    hours = committed_hours([chain.hub.pk, chain.grinder.pk], today=TODAY)
    assert hours[(chain.grinder.pk, pid("G"))] == weeks(3)
    assert (chain.hub.pk, pid("G")) not in hours


def test_a_requested_sub_order_leaves_the_suppliers_load(chain, scene):
    # The turner passes its turning on (a sub-order, requested): no longer its own to plan.
    sub = order_request(
        job=scene["job"],
        actor=chain.turner_owner,
        supplier=chain.stranger,
        steps=[scene["L"]],
        terms=terms(price=30000, due_date=in_days(8), payment_due_date=in_days(30)),
        parent=scene["order"],
    )
    project(scene["L"], 7, 11)
    project(scene["M"], 3, 9)
    hours = committed_hours([chain.turner.pk, chain.stranger.pk], today=TODAY)
    assert set(hours) == {(chain.turner.pk, pid("M"))}
    order_accept(order=sub, actor=chain.stranger_owner)
    project(scene["L"], 7, 11)
    project(scene["M"], 3, 9)
    hours = committed_hours([chain.turner.pk, chain.stranger.pk], today=TODAY)
    assert hours[(chain.stranger.pk, pid("L"))] == weeks(0, 6)
    assert (chain.turner.pk, pid("L")) not in hours


def test_done_and_cancelled_steps_are_not_load(chain, scene):
    Step.objects.filter(pk=scene["ASM"].pk).update(status=StepStatus.CANCELLED)
    assert committed_hours([chain.hub.pk], today=TODAY) == {}


def test_an_unprojected_step_lands_in_the_week_of_the_due_date(chain, scene):
    project(scene["ASM"], None)
    Job.objects.filter(pk=scene["job"].pk).update(due_date=day(7 * 3 + 4))
    assert committed_hours([chain.hub.pk], today=TODAY)[(chain.hub.pk, pid("ASM"))] == weeks(
        0, 0, 0, 10
    )


def test_overdue_work_loads_the_current_week(chain, scene):
    project(scene["ASM"], None)
    Job.objects.filter(pk=scene["job"].pk).update(due_date=day(-10))
    # Milling was projected to finish last week: still to be done, so it is this week's.
    project(scene["M"], -7, -3)
    hours = committed_hours([chain.hub.pk, chain.turner.pk], today=TODAY)
    assert hours[(chain.hub.pk, pid("ASM"))] == weeks(10)
    assert hours[(chain.turner.pk, pid("M"))] == weeks(10)


def test_an_in_progress_step_counts_its_full_hours(chain, scene):
    # Started last Thursday, due to finish this Tuesday: all 10 hours still count, this week.
    Step.objects.filter(pk=scene["M"].pk).update(status=StepStatus.IN_PROGRESS)
    project(scene["M"], -4, 1)
    hours = committed_hours([chain.turner.pk], today=TODAY)
    assert hours[(chain.turner.pk, pid("M"))] == weeks(10)


def test_work_beyond_the_window_is_left_out(chain, scene):
    project(scene["M"], 7 * 8 - 2, 7 * 8 + 2)  # Saturday of week 7 to Wednesday of week 8
    project(scene["L"], 7 * 9, 7 * 9 + 4)
    hours = committed_hours([chain.turner.pk], today=TODAY)
    # Monday–Wednesday of week 8 (Saturday is no working day): all outside the window.
    assert hours == {}
    assert committed_hours([chain.turner.pk], weeks=10, today=TODAY)[(chain.turner.pk, pid("M"))][
        8
    ] == D("10.00")


def test_a_shop_that_works_saturdays_spreads_over_them(chain, scene):
    type(chain.turner).objects.filter(pk=chain.turner.pk).update(work_weekdays="123456")
    # Thursday to next Wednesday, Saturday included: six days, 10/6 h a day; 3 in week 0.
    hours = committed_hours([chain.turner.pk], today=TODAY)[(chain.turner.pk, pid("M"))]
    assert hours[:2] == [D("5.00"), D("5.00")]


def test_the_window_starts_on_the_monday_of_today(chain, scene):
    for offset in range(7):
        hours = committed_hours([chain.hub.pk], today=day(offset))
        assert hours[(chain.hub.pk, pid("ASM"))] == weeks(10)
    assert committed_hours([chain.hub.pk], today=day(7)) == {
        (chain.hub.pk, pid("ASM")): weeks(10)  # overdue by then: this week's
    }
    assert committed_hours([chain.hub.pk], weeks=2, today=day(-7))[(chain.hub.pk, pid("ASM"))] == [
        D("0.00"),
        D("10.00"),
    ]


def test_declared_capacity_per_process(chain, scene):
    capacities = declared_capacity([chain.turner.pk, chain.stranger.pk])
    assert capacities == {
        (chain.turner.pk, pid("L")): 10,
        (chain.turner.pk, pid("M")): 30,
        (chain.turner.pk, pid("G")): None,
        (chain.stranger.pk, pid("PRS")): None,
        (chain.stranger.pk, pid("L")): None,
    }


def test_load_ratio_per_process_and_per_workshop(chain, scene):
    ids = [chain.hub.pk, chain.turner.pk, chain.stranger.pk]
    # Four weeks: turning 6 h of 40, milling 10 h of 120; the hub 10 h of 100.
    assert load_ratio(ids, pid("L"), today=TODAY) == {
        chain.hub.pk: None,
        chain.turner.pk: D("0.15"),
        chain.stranger.pk: None,
    }
    assert load_ratio(ids, pid("M"), today=TODAY)[chain.turner.pk] == D("0.08")
    # Across processes: (6 + 10) / (40 + 120); grinding declares no capacity and is left out.
    assert load_ratio(ids, today=TODAY) == {
        chain.hub.pk: D("0.10"),
        chain.turner.pk: D("0.10"),
        chain.stranger.pk: None,
    }
    # One week: the hub's 10 h of 25; the turner's 4 h (milling) of 40.
    assert load_ratio(ids, weeks=1, today=TODAY) == {
        chain.hub.pk: D("0.40"),
        chain.turner.pk: D("0.10"),
        chain.stranger.pk: None,
    }


def test_zero_capacity_gives_no_ratio(chain, scene):
    capacity(chain.hub, "ASM", 0)
    assert load_ratio([chain.hub.pk], pid("ASM"), today=TODAY) == {chain.hub.pk: None}


def test_the_load_table_marks_weeks_over_capacity(chain, scene):
    capacity(chain.turner, "M", 5)
    table = workshop_load(chain.turner, today=TODAY)
    assert table["weeks"][0] == MONDAY
    rows = {row["process"].code: row for row in table["rows"]}
    assert list(rows) == ["L", "M", "G"]  # the shop's declared processes, in taxonomy order
    milling = rows["M"]["weeks"]
    assert [(c["hours"], c["percent"], c["over"]) for c in milling[:3]] == [
        (D("4.00"), 80, False),
        (D("6.00"), 120, True),
        (D("0.00"), 0, False),
    ]
    assert rows["G"]["capacity"] is None
    assert rows["G"]["weeks"][0]["percent"] is None


def test_the_load_table_lists_work_in_undeclared_processes(chain, scene):
    Capability.objects.filter(workshop=chain.hub, process__code="ASM").delete()
    rows = {row["process"].code: row for row in workshop_load(chain.hub, today=TODAY)["rows"]}
    assert rows["ASM"]["declared"] is False
    assert rows["ASM"]["weeks"][0]["hours"] == D("10.00")


@pytest.mark.parametrize("n", [1, 3])
def test_query_counts_do_not_grow_with_steps_or_workshops(
    chain, scene, django_assert_num_queries, n
):
    for i in range(n):
        job = post_job(chain, part_name=f"ブラケット{i}")
        add(job, chain, "ASM", 4)
        add(job, chain, "INS", 1)
    ids = [chain.hub.pk, chain.turner.pk, chain.grinder.pk, *range(10_000, 10_050)]
    turning = pid("L")
    # The committed steps (with their jobs' due dates and shop calendars), in one query.
    with django_assert_num_queries(1):
        committed_hours(ids, today=TODAY)
    # The same, and the declared capacities.
    with django_assert_num_queries(2):
        load_ratio(ids, turning, today=TODAY)
    with django_assert_num_queries(2):
        load_ratio(ids, today=TODAY)
    # Capacities, committed steps, and the processes named in the table.
    with django_assert_num_queries(3):
        workshop_load(chain.hub, today=TODAY)


def test_load_spreads_over_the_same_calendar_as_the_schedule(chain, scene):
    # Milling runs Thursday of week 0 to Wednesday of week 1. The turner closes on the Friday
    # and takes a lunch break: four working days, 2.5 h a day (the break shortens the day, not
    # the step's hours).
    friday = day(4).isoformat()
    type(chain.turner).objects.filter(pk=chain.turner.pk).update(
        closed_days=[{"first": friday, "last": friday, "note": "臨時休業"}],
        break_times=[{"start": "12:00", "end": "13:00"}],
    )
    hours = committed_hours([chain.turner.pk], today=TODAY)[(chain.turner.pk, pid("M"))]
    assert hours[:2] == [D("2.50"), D("7.50")]
    # And a public holiday on a weekday, when the shop observes them, is no working day either.
    turner = type(chain.turner).objects.get(pk=chain.turner.pk)
    calendar = Calendar.of(turner)
    assert not calendar.is_working_day(day(4))


def test_load_skips_public_holidays_of_a_shop_that_observes_them(chain, scene):
    # Golden Week 2027, Monday 26 April to Friday 7 May: 昭和の日 (Thu 29 April) and 3–5 May
    # are holidays: four working days in the first week, two in the second; 2 h each.
    type(chain.turner).objects.filter(pk=chain.turner.pk).update(observes_public_holidays=True)
    mill = scene["M"]
    Step.objects.filter(pk=mill.pk).update(
        planned_hours=12,
        projected_start=timezone.make_aware(dt.datetime(2027, 4, 26, 9)),
        projected_finish=timezone.make_aware(dt.datetime(2027, 5, 7, 17)),
    )
    hours = committed_hours([chain.turner.pk], weeks=2, today=dt.date(2027, 4, 26))
    assert hours[(chain.turner.pk, pid("M"))] == [D("8.00"), D("4.00")]
