"""orders.schedule: shop calendars, projected start/finish along the DAG, late risk, and cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Job, Part, Step, StepLink, StepStatus
from orders.schedule import Calendar, project_job
from orders.services.progress import step_cancel, step_done, step_start
from orders.services.routing import order_accept, order_request
from tests.orders.conftest import add, in_days, post_job, refreshed, terms
from workshops.models import Process

S = StepStatus
T = dt.time


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware local (Asia/Tokyo) moment."""
    return timezone.make_aware(dt.datetime.combine(day, T(hour, minute)))


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(microsecond=0)


# A fixed week: 2026-03-02 is a Monday.
MON = dt.date(2026, 3, 2)
TUE, WED, FRI, SAT, SUN = (MON + dt.timedelta(days=n) for n in (1, 2, 4, 5, 6))
NEXT_MON = MON + dt.timedelta(days=7)


def test_the_fixed_week_is_what_the_tests_think():
    assert MON.isoweekday() == 1 and SAT.isoweekday() == 6


# --- Calendar -------------------------------------------------------------------------------------

WEEKDAYS = Calendar(T(8, 30), T(17, 30), "12345")


def test_a_day_holds_its_working_hours():
    assert WEEKDAYS.hours_per_day == 9
    assert WEEKDAYS.add_hours(at(MON, 8, 30), 9) == at(MON, 17, 30)
    assert WEEKDAYS.add_hours(at(MON, 10), 2.5) == at(MON, 12, 30)


def test_hours_spill_over_to_the_next_working_day():
    # 2.5 h on Monday, 1.5 h on Tuesday from opening.
    assert WEEKDAYS.add_hours(at(MON, 15), 4) == at(TUE, 10)
    # Three full days and a bit.
    assert WEEKDAYS.add_hours(at(MON, 8, 30), 28) == at(WED + dt.timedelta(days=1), 9, 30)


def test_weekends_are_skipped():
    assert WEEKDAYS.add_hours(at(FRI, 16, 30), 2) == at(NEXT_MON, 9, 30)
    assert WEEKDAYS.add_hours(at(SAT, 11), 1) == at(NEXT_MON, 9, 30)
    assert WEEKDAYS.next_working_moment(at(SUN, 12)) == at(NEXT_MON, 8, 30)


def test_time_outside_working_hours_counts_from_the_next_opening():
    assert WEEKDAYS.add_hours(at(MON, 6), 1) == at(MON, 9, 30)
    assert WEEKDAYS.add_hours(at(MON, 18), 1) == at(TUE, 9, 30)
    assert WEEKDAYS.next_working_moment(at(MON, 17, 30)) == at(TUE, 8, 30)
    assert WEEKDAYS.next_working_moment(at(TUE, 11)) == at(TUE, 11)


def test_a_shop_that_works_saturdays_works_saturdays():
    six_days = Calendar(T(9), T(18), "123456")
    assert six_days.hours_per_day == 9
    assert six_days.add_hours(at(FRI, 17), 2) == at(SAT, 10)
    assert six_days.add_hours(at(SAT, 17), 2) == at(NEXT_MON, 10)


@pytest.mark.parametrize(
    ("start", "end", "weekdays"),
    [(T(8, 30), T(17, 30), ""), (T(8), T(17), "089"), (T(17), T(8), "12345"), (T(9), T(9), "1")],
)
def test_a_shop_with_no_working_time_falls_back_to_weekdays(start, end, weekdays):
    cal = Calendar(start, end, weekdays)
    assert (cal.start, cal.end, cal.weekdays, cal.hours_per_day) == (
        T(8, 30),
        T(17, 30),
        {1, 2, 3, 4, 5},
        9.0,
    )
    assert cal.add_hours(at(SAT, 10), 1) == at(NEXT_MON, 9, 30)


# --- project_job ----------------------------------------------------------------------------------


def diamond(chain):
    """A (4 h) → B (6 h) → D (2 h), and C (3 h) → D; all at the hub."""
    job = post_job(chain, due_date=in_days(60))
    a = add(job, chain, "L", 4, title="A")
    b = add(job, chain, "M", 6, after=[a], title="B")
    c = add(job, chain, "D", 3, title="C")
    d = add(job, chain, "ASM", 2, after=[b, c], title="D")
    return job, a, b, c, d


def projected(*steps: Step) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(local(s.projected_start), local(s.projected_finish)) for s in map(refreshed, steps)]


def test_it_projects_known_start_and_finish_times(chain):
    job, a, b, c, d = diamond(chain)
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    project_job(refreshed(job), now=at(monday, 8))
    tuesday = monday + dt.timedelta(days=1)
    assert projected(a, b, c, d) == [
        (at(monday, 8, 30), at(monday, 12, 30)),
        (at(monday, 12, 30), at(tuesday, 9, 30)),  # 5 h on Monday, 1 h on Tuesday
        (at(monday, 8, 30), at(monday, 11, 30)),
        (at(tuesday, 9, 30), at(tuesday, 11, 30)),  # after the later of its two branches
    ]
    job = refreshed(job)
    assert local(job.projected_finish) == at(tuesday, 11, 30)
    assert not job.late_risk
    assert not any(s.late_risk for s in job.steps.all())


def test_each_step_is_scheduled_in_its_own_shops_hours(chain):
    chain.turner.work_day_start, chain.turner.work_day_end = T(9), T(18)
    chain.turner.work_weekdays = "123456"
    chain.turner.save()
    job = post_job(chain, due_date=in_days(60))
    a = add(job, chain, "L", 4, title="A")
    b = add(job, chain, "ASM", 2, after=[a], title="B")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[a], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    friday = timezone.localdate() + dt.timedelta(days=(4 - timezone.localdate().weekday()) % 7 + 7)
    saturday, monday = friday + dt.timedelta(days=1), friday + dt.timedelta(days=3)
    project_job(refreshed(job), now=at(friday, 15))
    assert projected(a, b) == [
        (at(friday, 15), at(saturday, 10)),  # the turner works Saturdays, 9:00–18:00
        (at(monday, 8, 30), at(monday, 10, 30)),  # the hub does not
    ]


def test_a_step_in_progress_finishes_on_its_plan_or_now_if_running_late(chain):
    job, a, b, _c, _d = diamond(chain)
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    tuesday = monday + dt.timedelta(days=1)
    Step.objects.filter(pk=a.pk).update(status=S.IN_PROGRESS, started_at=at(monday, 8, 30))
    project_job(refreshed(job), now=at(monday, 10))
    assert projected(a) == [(at(monday, 8, 30), at(monday, 12, 30))]
    project_job(refreshed(job), now=at(tuesday, 9))
    assert projected(a, b) == [
        (at(monday, 8, 30), at(tuesday, 9)),
        (at(tuesday, 9), at(tuesday, 15)),
    ]


def test_a_late_step_puts_every_step_after_it_at_risk(chain):
    job = post_job(chain, due_date=in_days(60))
    slow = add(job, chain, "L", 100, title="slow")  # 100 h: far more than a day
    after = add(job, chain, "ASM", 1, after=[slow], title="after")
    last = add(job, chain, "INS", 1, after=[after], title="last")
    aside = add(job, chain, "D", 1, title="aside")
    order = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.turner,
        steps=[slow],
        terms=terms(due_date=in_days(1), payment_due_date=in_days(30)),
    )
    order_accept(order=order, actor=chain.turner_owner)
    project_job(refreshed(job), now=timezone.now())
    # `slow` misses its order's delivery date; `after` and `last` would make the job's own
    # date on their own plan, but they wait on `slow`.
    assert [refreshed(s).late_risk for s in (slow, after, last, aside)] == [True, True, True, False]
    assert refreshed(job).late_risk


def test_finished_steps_are_not_late(chain):
    job = post_job(chain)
    first = add(job, chain, "L", 2)
    second = add(job, chain, "M", 2, after=[first])
    third = add(job, chain, "D", 2)
    step_start(step=first, actor=chain.hub_floor)
    step_done(step=first, actor=chain.hub_floor, good=100)
    step_cancel(step=third, actor=chain.hub_owner)
    # The job has run past its due date.
    Job.objects.filter(pk=job.pk).update(due_date=in_days(-3))
    project_job(refreshed(job))
    assert [refreshed(s).late_risk for s in (first, second, third)] == [False, True, False]
    assert refreshed(job).late_risk
    step_start(step=second, actor=chain.hub_floor)
    step_done(step=second, actor=chain.hub_floor, good=100)
    job = refreshed(job)
    assert job.status == "done"
    assert not job.late_risk
    assert not any(s.late_risk for s in job.steps.all())


# --- Cost -----------------------------------------------------------------------------------------


def wide_job(chain, n: int) -> Job:
    """`n` steps in a ladder: two parallel chains joined every few steps (rows written directly:
    this is about the projection's cost, not the services')."""
    job = post_job(chain, due_date=in_days(60))
    process = Process.objects.get(code="L")
    part = Part.objects.main_for(job)
    steps = Step.objects.bulk_create(
        Step(
            job=job,
            part=part,
            process=process,
            position=i,
            planned_hours=Decimal(i % 5 + 1),
            quantity=10,
            workshop=chain.turner if i % 3 else chain.hub,
        )
        for i in range(n)
    )
    links = [StepLink(predecessor=steps[i - 2], successor=steps[i]) for i in range(2, n)]
    links += [StepLink(predecessor=steps[i - 1], successor=steps[i]) for i in range(4, n, 4)]
    StepLink.objects.bulk_create(links)
    return refreshed(job)


@pytest.mark.parametrize("n", [5, 40])
def test_projection_makes_the_same_number_of_queries_whatever_the_size(
    chain, django_assert_num_queries, n
):
    job = wide_job(chain, n)
    now = timezone.now()
    # 1 steps with their workshops, 2 links, 3 order due dates,
    # 4 bulk update of the steps' projection, 5 the job's projected finish and risk.
    with django_assert_num_queries(5):
        project_job(job, now=now)
    assert Step.objects.filter(job=job, projected_finish__isnull=True).count() == 0
    # Nothing changed: reads only.
    with django_assert_num_queries(3):
        project_job(job, now=now)


# --- The shop's whole calendar in the projection ------------------------------------------------


def set_calendar(workshop, **fields) -> None:
    type(workshop).objects.filter(pk=workshop.pk).update(**fields)


GW_2027 = {"first": "2027-04-29", "last": "2027-05-05", "note": "ゴールデンウィーク"}
NEW_YEAR_2027 = {"first": "2026-12-29", "last": "2027-01-04", "note": "年末年始"}


def hub_job(chain, due: dt.date, *hours: int):
    """A chain of steps at the hub with these planned hours."""
    job = post_job(chain, due_date=due)
    steps, previous = [], []
    for i, h in enumerate(hours):
        steps.append(add(job, chain, "ASM", h, after=previous, title=f"S{i}"))
        previous = [steps[-1]]
    return refreshed(job), steps


def test_the_projection_skips_golden_week_and_flags_the_late_risk(chain):
    set_calendar(chain.hub, observes_public_holidays=True, closed_days=[GW_2027])
    job, (a, b) = hub_job(chain, dt.date(2027, 5, 6), 9, 9)
    # Wednesday 28 April 2027: A fills the day; B cannot start until Thursday 6 May.
    project_job(refreshed(job), now=at(dt.date(2027, 4, 28), 8, 30))
    assert projected(a, b) == [
        (at(dt.date(2027, 4, 28), 8, 30), at(dt.date(2027, 4, 28), 17, 30)),
        (at(dt.date(2027, 5, 6), 8, 30), at(dt.date(2027, 5, 6), 17, 30)),
    ]
    assert not refreshed(job).late_risk
    # Without the GW closure the hub would have finished on Friday 30 April (a plain weekday).
    set_calendar(chain.hub, closed_days=[])
    project_job(refreshed(job), now=at(dt.date(2027, 4, 28), 8, 30))
    assert local(refreshed(b).projected_finish) == at(dt.date(2027, 4, 30), 17, 30)
    # Due the day before GW ends, with the closure: late.
    set_calendar(chain.hub, closed_days=[GW_2027])
    Job.objects.filter(pk=job.pk).update(due_date=dt.date(2027, 5, 2))
    project_job(refreshed(job), now=at(dt.date(2027, 4, 28), 8, 30))
    assert refreshed(job).late_risk and refreshed(b).late_risk


def test_the_projection_carries_work_over_the_new_year(chain):
    set_calendar(chain.hub, observes_public_holidays=True, closed_days=[NEW_YEAR_2027])
    job, (a,) = hub_job(chain, dt.date(2027, 1, 29), 12)
    # Monday 28 December 2026 at 8:30: 9 h that day, 3 h on Tuesday 5 January.
    project_job(refreshed(job), now=at(dt.date(2026, 12, 28), 8, 30))
    assert projected(a) == [(at(dt.date(2026, 12, 28), 8, 30), at(dt.date(2027, 1, 5), 11, 30))]


def test_the_projection_uses_alternate_saturdays(chain):
    # 2026-03-07 and 2026-03-21 are worked; 2026-03-14 is not.
    set_calendar(
        chain.hub,
        extra_working_days=[
            {"first": "2026-03-07", "last": "2026-03-07", "note": "出勤日"},
            {"first": "2026-03-21", "last": "2026-03-21", "note": "出勤日"},
        ],
    )
    job, (a,) = hub_job(chain, dt.date(2027, 12, 28), 4)
    project_job(refreshed(job), now=at(FRI, 16, 30))
    assert projected(a) == [(at(FRI, 16, 30), at(SAT, 11, 30))]
    project_job(refreshed(job), now=at(FRI + dt.timedelta(days=7), 16, 30))
    assert projected(a) == [
        (at(FRI + dt.timedelta(days=7), 16, 30), at(NEXT_MON + dt.timedelta(days=7), 11, 30))
    ]


def test_the_projection_leaves_out_the_lunch_break(chain):
    set_calendar(chain.hub, break_times=[{"start": "12:00", "end": "13:00"}])
    job, (a, b) = hub_job(chain, dt.date(2027, 12, 28), 3, 2)
    project_job(refreshed(job), now=at(MON, 10))
    assert projected(a, b) == [(at(MON, 10), at(MON, 14)), (at(MON, 14), at(MON, 16))]
    # A step whose turn comes at noon starts after lunch.
    job, (c,) = hub_job(chain, dt.date(2027, 12, 28), 1)
    project_job(refreshed(job), now=at(MON, 12, 10))
    assert projected(c) == [(at(MON, 13), at(MON, 14))]


@pytest.mark.parametrize("n", [5, 40])
def test_shop_calendars_cost_no_query(chain, django_assert_num_queries, n):
    for shop in (chain.hub, chain.turner):
        set_calendar(
            shop,
            observes_public_holidays=True,
            closed_days=[GW_2027, NEW_YEAR_2027],
            extra_working_days=[{"first": "2027-03-06", "last": "2027-03-06", "note": ""}],
            break_times=[{"start": "12:00", "end": "13:00"}],
        )
    job = wide_job(chain, n)
    now = timezone.now()
    # The same five as without calendars: a shop's calendar is on the workshop row that the
    # first query (the steps with their workshops) already reads.
    with django_assert_num_queries(5):
        project_job(job, now=now)
    with django_assert_num_queries(3):
        project_job(job, now=now)


def test_a_calendar_change_moves_the_projections_of_the_shops_live_jobs(chain):
    from workshops.services import workshop_calendar_add_days

    job, (a,) = hub_job(chain, in_days(90), 9 * 3)
    finish = refreshed(a).projected_finish
    # The hub closes for the next three weeks: the step now finishes after the closure.
    workshop_calendar_add_days(
        workshop=chain.hub,
        actor=chain.hub_owner,
        closed=True,
        first=timezone.localdate(),
        last=timezone.localdate() + dt.timedelta(days=20),
        note="臨時休業",
    )
    moved = refreshed(a).projected_finish
    assert moved > finish
    assert timezone.localdate(moved) > timezone.localdate() + dt.timedelta(days=20)
    assert local(refreshed(job).projected_finish) == local(moved)


@pytest.mark.parametrize("count", [1, 3])
def test_the_projection_is_written_as_each_step_has_it_none_included(routed_job, count):
    """`write_projection`: one UPDATE for one step, one UPDATE … FROM (VALUES …) for several,
    on PostgreSQL and SQLite alike; a column of NULLs only, and steps left out, included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.schedule import write_projection

    job, _steps, _ = routed_job
    before = {
        s.pk: (s.projected_start, s.projected_finish, s.late_risk)
        for s in Step.objects.filter(job=job)
    }
    moved = list(Step.objects.filter(job=job).order_by("position")[:count])
    base = timezone.make_aware(dt.datetime(2027, 2, 1, 9, 30, 15, 123456))
    for index, step in enumerate(moved):
        step.projected_start = None
        step.projected_finish = base + dt.timedelta(hours=index) if index % 2 == 0 else None
        step.late_risk = index % 2 == 0
    with CaptureQueriesContext(connection) as ran:
        write_projection(moved)
    assert len(ran.captured_queries) == 1
    after = {
        s.pk: (s.projected_start, s.projected_finish, s.late_risk)
        for s in Step.objects.filter(job=job)
    }
    for step in moved:
        assert after[step.pk] == (step.projected_start, step.projected_finish, step.late_risk)
    untouched = set(before) - {s.pk for s in moved}
    assert untouched and all(after[pk] == before[pk] for pk in untouched)


def test_a_step_made_ready_is_written_with_the_projection_in_one_update(chain):
    """A done makes the next step ready: its status rides on the projection's update of the
    steps (`write_projection(status=True)`), not on an update of its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job = post_job(chain)
    first = add(job, chain, "ASM", 2)
    second = add(job, chain, "INS", 1, after=[first])
    third = add(job, chain, "INS", 1, after=[second])
    step_start(step=first, actor=chain.hub_owner)
    with CaptureQueriesContext(connection) as ran:
        step_done(step=first, actor=chain.hub_owner, good=job.quantity)
    step_updates = [
        q["sql"] for q in ran.captured_queries if q["sql"].startswith('UPDATE "orders_step"')
    ]
    assert len(step_updates) == 2  # the done itself; the projection with the new status
    assert refreshed(second).status == StepStatus.READY
    assert refreshed(third).status == StepStatus.PLANNED
    assert refreshed(second).projected_start is not None
