"""workshops.calendar: a shop's working calendar (public holidays, closed and extra working
days, breaks), the services that change it, and its tablet page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.services import Refused
from tests.conftest import client_for
from workshops import services
from workshops.calendar import Break, Calendar, DayRange, calendar_problems, public_holiday
from workshops.models import AuditEvent, Workshop

D, T = dt.date, dt.time


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, T(hour, minute)))


def shop_calendar(**kwargs) -> Calendar:
    return Calendar(T(8, 30), T(17, 30), kwargs.pop("weekdays", "12345"), **kwargs)


# --- Public holidays (jpholiday) -----------------------------------------------------------------


def test_the_library_knows_the_japanese_holidays_we_test_with():
    # Golden Week 2027: 昭和の日 (Thu 29 April), 憲法記念日, みどりの日, こどもの日 (3–5 May).
    assert public_holiday(D(2027, 4, 29)) == "昭和の日"
    assert public_holiday(D(2027, 5, 3)) == "憲法記念日"
    assert public_holiday(D(2027, 5, 5)) == "こどもの日"
    assert public_holiday(D(2027, 4, 30)) is None
    assert public_holiday(D(2027, 1, 1)) == "元日"
    # A 振替休日: 建国記念の日 fell on a Sunday in 2024.
    assert public_holiday(D(2024, 2, 12)) == "建国記念の日 振替休日"


def test_a_shop_that_observes_holidays_does_not_work_on_them():
    cal = shop_calendar(public_holidays=True)
    # Wednesday 28 April 2027, 16:30: one hour that day, Thursday is 昭和の日, Friday opens.
    assert cal.add_hours(at(D(2027, 4, 28), 16, 30), 2) == at(D(2027, 4, 30), 9, 30)
    assert cal.why_closed(D(2027, 4, 29)) == "昭和の日"
    # The same shop ignoring holidays works on Thursday.
    assert shop_calendar().add_hours(at(D(2027, 4, 28), 16, 30), 2) == at(D(2027, 4, 29), 9, 30)


# --- The shop's own days ------------------------------------------------------------------------

GOLDEN_WEEK = DayRange(D(2027, 4, 29), D(2027, 5, 5), "ゴールデンウィーク")
NEW_YEAR = DayRange(D(2026, 12, 29), D(2027, 1, 4), "年末年始")


def test_golden_week_closure_skips_the_bridge_day():
    cal = shop_calendar(public_holidays=True, closed=[GOLDEN_WEEK])
    # Friday 30 April is a weekday and no public holiday, but the shop is closed for GW.
    assert cal.add_hours(at(D(2027, 4, 28), 16, 30), 2) == at(D(2027, 5, 6), 9, 30)
    assert cal.why_closed(D(2027, 4, 30)) == "ゴールデンウィーク"
    assert cal.working_days(D(2027, 4, 26), D(2027, 5, 7)) == [
        D(2027, 4, 26),
        D(2027, 4, 27),
        D(2027, 4, 28),
        D(2027, 5, 6),
        D(2027, 5, 7),
    ]


def test_new_year_closure_carries_work_into_january():
    cal = shop_calendar(public_holidays=True, closed=[NEW_YEAR])
    # Monday 28 December 2026 at 17:00: half an hour, then nothing until Tuesday 5 January.
    assert cal.add_hours(at(D(2026, 12, 28), 17), 2) == at(D(2027, 1, 5), 10)


def test_a_shop_that_works_alternate_saturdays():
    # Mon–Fri, plus the 1st and 3rd Saturdays of March 2026 (7th and 21st).
    cal = shop_calendar(
        working=[DayRange(D(2026, 3, 7), D(2026, 3, 7)), DayRange(D(2026, 3, 21), D(2026, 3, 21))]
    )
    friday_6, friday_13 = D(2026, 3, 6), D(2026, 3, 13)
    assert cal.add_hours(at(friday_6, 16, 30), 2) == at(D(2026, 3, 7), 9, 30)  # works Sat 7th
    assert cal.add_hours(at(friday_13, 16, 30), 2) == at(D(2026, 3, 16), 9, 30)  # not Sat 14th
    assert cal.is_working_day(D(2026, 3, 21)) and not cal.is_working_day(D(2026, 3, 14))


def test_an_extra_working_day_wins_over_a_holiday_and_a_closure():
    # 春分の日 2026 is Friday 20 March; the shop works it to catch up.
    day = DayRange(D(2026, 3, 20), D(2026, 3, 20), "出勤日")
    cal = shop_calendar(public_holidays=True, closed=[DayRange(D(2026, 3, 16), D(2026, 3, 20))])
    assert public_holiday(D(2026, 3, 20)) == "春分の日"
    assert not cal.is_working_day(D(2026, 3, 20))
    cal = shop_calendar(
        public_holidays=True, closed=[DayRange(D(2026, 3, 16), D(2026, 3, 20))], working=[day]
    )
    assert cal.is_working_day(D(2026, 3, 20))


def test_a_lunch_break_is_not_worked():
    cal = shop_calendar(breaks=[Break(T(12), T(13))])
    monday = D(2026, 3, 2)
    assert cal.hours_per_day == 8
    # Two hours before lunch, one after.
    assert cal.add_hours(at(monday, 10), 3) == at(monday, 14)
    # Exactly up to the break ends at its start; a step starting at lunch starts after it.
    assert cal.add_hours(at(monday, 10), 2) == at(monday, 12)
    assert cal.next_working_moment(at(monday, 12, 15)) == at(monday, 13)
    # A full day: 8:30–12:00 and 13:00–17:30.
    assert cal.add_hours(at(monday, 8, 30), 8) == at(monday, 17, 30)
    assert cal.add_hours(at(monday, 8, 30), 9) == at(D(2026, 3, 3), 9, 30)


# --- What a calendar may not be ------------------------------------------------------------------

TODAY = D(2026, 12, 7)


def values(**changes) -> dict:
    base = {
        "work_day_start": T(8, 30),
        "work_day_end": T(17, 30),
        "work_weekdays": "12345",
        "observes_public_holidays": True,
        "closed_days": [],
        "extra_working_days": [],
        "break_times": [],
    }
    return {**base, **changes}


def test_a_sound_calendar_has_no_problems():
    assert calendar_problems(values(closed_days=[GOLDEN_WEEK.as_json()]), today=TODAY) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"work_weekdays": ""}, "work_weekdays"),
        (
            {"closed_days": [DayRange(D(2026, 12, 1), D(2028, 12, 31), "廃業").as_json()]},
            "work_weekdays",
        ),
        ({"work_day_end": T(8)}, "work_day_end"),
        ({"break_times": [Break(T(8), T(18)).as_json()]}, "break_times"),
        (
            {"break_times": [Break(T(12), T(13)).as_json(), Break(T(12, 30), T(14)).as_json()]},
            "break_times",
        ),
    ],
)
def test_a_calendar_where_the_shop_never_works_is_refused(changes, field):
    problems = calendar_problems(values(**changes), today=TODAY)
    assert field in problems


def test_no_weekdays_but_extra_working_days_ahead_is_a_calendar():
    working = [DayRange(D(2027, 1, 9), D(2027, 1, 9)).as_json()]
    assert (
        calendar_problems(values(work_weekdays="", extra_working_days=working), today=TODAY) == {}
    )


# --- Services ------------------------------------------------------------------------------------


def stored(workshop: Workshop) -> tuple:
    w = Workshop.objects.get(pk=workshop.pk)
    return (
        w.work_day_start,
        w.work_day_end,
        w.work_weekdays,
        w.observes_public_holidays,
        w.closed_days,
        w.extra_working_days,
        w.break_times,
        w.updated_at,
    )


def test_the_services_change_the_calendar_and_log_who_did_it(workshop, owner):
    services.workshop_calendar_set_hours(
        workshop=workshop,
        actor=owner,
        work_day_start=T(8),
        work_day_end=T(17),
        work_weekdays=["6", "1", "2", "3", "4", "5"],
        observes_public_holidays=False,
    )
    services.workshop_calendar_add_days(
        workshop=workshop,
        actor=owner,
        closed=True,
        first=D(2027, 8, 13),
        last=D(2027, 8, 16),
        note="お盆休み",
    )
    services.workshop_calendar_add_days(
        workshop=workshop, actor=owner, closed=False, first=D(2027, 1, 10)
    )
    services.workshop_calendar_add_break(workshop=workshop, actor=owner, start=T(12), end=T(13))
    w = Workshop.objects.get(pk=workshop.pk)
    assert (w.work_day_start, w.work_day_end, w.work_weekdays) == (T(8), T(17), "123456")
    assert not w.observes_public_holidays
    assert w.closed_days == [{"first": "2027-08-13", "last": "2027-08-16", "note": "お盆休み"}]
    assert w.extra_working_days == [{"first": "2027-01-10", "last": "2027-01-10", "note": ""}]
    assert w.break_times == [{"start": "12:00", "end": "13:00"}]
    assert Calendar.of(w).hours_per_day == 8
    log = AuditEvent.objects.filter(workshop=workshop, action="calendar.updated")
    assert log.count() == 4 and {e.actor for e in log.all()} == {owner}

    services.workshop_calendar_remove(
        workshop=workshop, actor=owner, field="closed_days", key="2027-08-13/2027-08-16"
    )
    assert Workshop.objects.get(pk=workshop.pk).closed_days == []
    assert log.count() == 5


def test_a_refused_change_writes_nothing(workshop, owner):
    before = stored(workshop)
    events = AuditEvent.objects.count()
    with pytest.raises(Refused) as refused:
        services.workshop_calendar_set_hours(
            workshop=workshop,
            actor=owner,
            work_day_start=T(8),
            work_day_end=T(17),
            work_weekdays=[],
            observes_public_holidays=True,
        )
    assert refused.value.code == "calendar_invalid"
    with pytest.raises(Refused):
        services.workshop_calendar_add_days(
            workshop=workshop,
            actor=owner,
            closed=True,
            first=timezone.localdate() - dt.timedelta(days=1),
            last=timezone.localdate() + dt.timedelta(days=800),
        )
    with pytest.raises(Refused):
        services.workshop_calendar_add_break(workshop=workshop, actor=owner, start=T(6), end=T(20))
    assert stored(workshop) == before
    assert AuditEvent.objects.count() == events


def test_removing_the_only_working_day_is_refused(workshop, owner):
    day = timezone.localdate() + dt.timedelta(days=10)
    services.workshop_calendar_add_days(workshop=workshop, actor=owner, closed=False, first=day)
    Workshop.objects.filter(pk=workshop.pk).update(work_weekdays="")
    with pytest.raises(Refused):
        services.workshop_calendar_remove(
            workshop=workshop, actor=owner, field="extra_working_days", key=f"{day}/{day}"
        )
    assert len(Workshop.objects.get(pk=workshop.pk).extra_working_days) == 1


# --- The page ------------------------------------------------------------------------------------


def url(workshop: Workshop) -> str:
    return reverse("workshop_calendar", args=[workshop.uuid])


def test_the_page_shows_the_calendar_to_a_manager(workshop, manager):
    services.workshop_calendar_add_days(
        workshop=workshop,
        actor=manager,
        closed=True,
        first=timezone.localdate() + dt.timedelta(days=3),
        last=timezone.localdate() + dt.timedelta(days=9),
        note="臨時休業",
    )
    response = client_for(manager).get(url(workshop))
    assert response.status_code == 200
    page = response.content.decode()
    assert "臨時休業" in page
    assert 'type="time"' in page and 'type="date"' in page
    assert 'name="hours-work_weekdays"' in page


def test_a_manager_adds_days_and_breaks_from_the_page(workshop, manager):
    client = client_for(manager)
    response = client.post(
        url(workshop),
        {
            "action": "days",
            "days-kind": "closed",
            "days-first": "2027-04-29",
            "days-last": "2027-05-05",
            "days-note": "ゴールデンウィーク",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url(workshop), {"action": "break", "break-start": "12:00", "break-end": "13:00"}
    )
    assert response.status_code == 302
    response = client.post(
        url(workshop),
        {
            "action": "hours",
            "hours-work_day_start": "08:00",
            "hours-work_day_end": "17:00",
            "hours-work_weekdays": ["1", "2", "3", "4", "5"],
            "hours-observes_public_holidays": "on",
        },
    )
    assert response.status_code == 302
    w = Workshop.objects.get(pk=workshop.pk)
    assert w.closed_days == [GOLDEN_WEEK.as_json()]
    assert w.break_times == [{"start": "12:00", "end": "13:00"}]
    assert (w.work_day_start, w.work_day_end) == (T(8), T(17))
    response = client.post(
        url(workshop), {"action": "remove", "field": "break_times", "key": "12:00-13:00"}
    )
    assert response.status_code == 302
    assert Workshop.objects.get(pk=workshop.pk).break_times == []


def test_the_page_refuses_a_shop_that_never_works_with_every_error(workshop, owner):
    before = stored(workshop)
    response = client_for(owner).post(
        url(workshop),
        {
            "action": "hours",
            "hours-work_day_start": "08:00",
            "hours-work_day_end": "17:00",
            "hours-work_weekdays": [],
        },
    )
    assert response.status_code == 400
    assert "今後1年間に稼働日が1日もありません" in response.content.decode()
    # Two field errors at once: a backwards day and a break form that is empty.
    response = client_for(owner).post(
        url(workshop), {"action": "days", "days-first": "2027-05-05", "days-last": "2027-04-29"}
    )
    assert response.status_code == 400
    form = response.context["days_form"]
    assert set(form.errors) == {"kind", "last"}
    assert stored(workshop) == before


def test_an_unknown_action_is_a_bad_request(workshop, owner):
    response = client_for(owner).post(url(workshop), {"action": "explode"})
    assert response.status_code == 400


def test_a_malformed_stored_entry_is_left_out_rather_than_breaking_the_calendar():
    cal = Calendar.from_values(
        T(8, 30),
        T(17, 30),
        "12345",
        breaks=[{"start": "12:00"}, {"start": "12:00", "end": "13:00"}, "lunch"],
        closed=[{"first": "2027-13-01", "last": "x"}, GOLDEN_WEEK.as_json()],
        working={"not": "a list"},
        public_holidays=False,
    )
    assert cal.hours_per_day == 8
    assert not cal.is_working_day(D(2027, 4, 30))
    assert cal.working == []
