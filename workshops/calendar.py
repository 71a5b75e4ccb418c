"""A shop's working calendar: which days it works and which hours of those days.

A day is a working day when, in this order:
1. it falls in one of the shop's extra working ranges (a 出勤日 such as an alternate Saturday,
   or a holiday the shop works through): it works, whatever the rules below say;
2. it falls in one of the shop's closed ranges (GW, お盆, 年末年始, a 臨時休業): it does not;
3. it is a Japanese public holiday (国民の祝日, 振替休日, 国民の休日) and the shop observes them:
   it does not;
4. otherwise its weekday decides (`work_weekdays`, Monday = 1).

On a working day the shop works from `work_day_start` to `work_day_end`, less its break
times (昼休み …). The public holidays come from `jpholiday`, which follows the 祝日法 and is
updated by its maintainers when the law or the Cabinet Office's table changes; we keep no list.

The shop's own days and breaks live on the workshop row (`closed_days`, `extra_working_days`,
`break_times`), so the schedule and load read a shop's whole calendar with the workshop they
already load: no query per shop or per step.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import jpholiday
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_DAYS_SCANNED = 3650  # a calendar with no working day at all must not loop forever
NEVER_WORKS_HORIZON = 366  # a calendar must have a working day within a year of today
FALLBACK = (dt.time(8, 30), dt.time(17, 30), {1, 2, 3, 4, 5})


@dataclass(frozen=True)
class DayRange:
    first: dt.date
    last: dt.date
    note: str = ""

    def __contains__(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    @property
    def key(self) -> str:
        return f"{self.first.isoformat()}/{self.last.isoformat()}"

    def as_json(self) -> dict:
        return {"first": self.first.isoformat(), "last": self.last.isoformat(), "note": self.note}

    @classmethod
    def from_json(cls, item: dict) -> DayRange:
        return cls(
            dt.date.fromisoformat(item["first"]),
            dt.date.fromisoformat(item["last"]),
            item.get("note", ""),
        )


@dataclass(frozen=True)
class Break:
    start: dt.time
    end: dt.time

    @property
    def key(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def as_json(self) -> dict:
        return {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"}

    @classmethod
    def from_json(cls, item: dict) -> Break:
        return cls(dt.time.fromisoformat(item["start"]), dt.time.fromisoformat(item["end"]))


def _parsed(items, parse) -> list:
    """The entries that read; one hand-edited into a shape of its own (the admin edits the
    JSON) is left out rather than breaking every projection of the shop."""
    out = []
    for item in items if isinstance(items, list) else ():
        try:
            out.append(parse(item))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return out


def parse_ranges(items: Iterable[dict] | None) -> list[DayRange]:
    return sorted(_parsed(items, DayRange.from_json), key=lambda r: (r.first, r.last))


def parse_breaks(items: Iterable[dict] | None) -> list[Break]:
    return sorted(_parsed(items, Break.from_json), key=lambda b: (b.start, b.end))


def public_holiday(day: dt.date) -> str | None:
    """The name of the public holiday on `day` (国民の祝日, 振替休日 …), or None."""
    return jpholiday.is_holiday_name(day)


def public_holidays_between(first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    return list(jpholiday.between(first, last))


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


class Calendar:
    """A shop's working calendar (see the module docstring). Pure: built from values."""

    def __init__(
        self,
        start: dt.time,
        end: dt.time,
        weekdays: str | Iterable[int],
        *,
        breaks: Sequence[Break] = (),
        closed: Sequence[DayRange] = (),
        working: Sequence[DayRange] = (),
        public_holidays: bool = False,
    ) -> None:
        self.start, self.end = start, end
        self.weekdays = {int(c) for c in weekdays if str(c).isdigit() and 1 <= int(c) <= 7}
        self.closed, self.working = list(closed), list(working)
        self.public_holidays = public_holidays
        self.intervals = self._intervals(start, end, breaks)
        if (not self.weekdays and not self.working) or not self.intervals:
            # A shop that declared no working time still works, on a plain Mon–Fri day (the
            # calendar page refuses to save such a calendar; this guards older rows).
            self.start, self.end, self.weekdays = FALLBACK
            self.intervals = self._intervals(self.start, self.end, ())
        self.hours_per_day = sum((b - a).total_seconds() for a, b in self._day_spans()) / 3600

    @staticmethod
    def _intervals(start: dt.time, end: dt.time, breaks: Sequence[Break]) -> list[tuple[int, int]]:
        """The working spans of a day, in minutes from midnight, breaks cut out."""
        spans = [(_minutes(start), _minutes(end))] if end > start else []
        for brk in sorted(breaks, key=lambda b: b.start):
            cut = []
            for a, b in spans:
                s, e = _minutes(brk.start), _minutes(brk.end)
                if e <= a or s >= b:
                    cut.append((a, b))
                    continue
                if s > a:
                    cut.append((a, s))
                if e < b:
                    cut.append((e, b))
            spans = cut
        return spans

    def _day_spans(
        self, day: dt.date = dt.date(2000, 1, 3)
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        midnight = dt.datetime.combine(day, dt.time())
        return [
            (midnight + dt.timedelta(minutes=a), midnight + dt.timedelta(minutes=b))
            for a, b in self.intervals
        ]

    @classmethod
    def of(cls, workshop) -> Calendar:
        return cls.from_values(
            workshop.work_day_start,
            workshop.work_day_end,
            workshop.work_weekdays,
            breaks=workshop.break_times,
            closed=workshop.closed_days,
            working=workshop.extra_working_days,
            public_holidays=workshop.observes_public_holidays,
        )

    @classmethod
    def from_values(cls, start, end, weekdays, *, breaks, closed, working, public_holidays):
        """From a workshop's stored fields (the JSON lists as stored)."""
        return cls(
            start,
            end,
            weekdays,
            breaks=parse_breaks(breaks),
            closed=parse_ranges(closed),
            working=parse_ranges(working),
            public_holidays=public_holidays,
        )

    def why_closed(self, day: dt.date) -> str | None:
        """Why the shop does not work on `day` (a closed range's note, a holiday's name, "")
        or None when it works."""
        if any(day in r for r in self.working):
            return None
        for r in self.closed:
            if day in r:
                return r.note or _("Closed")
        if self.public_holidays and (name := public_holiday(day)):
            return name
        if day.isoweekday() not in self.weekdays:
            return ""
        return None

    def is_working_day(self, day: dt.date) -> bool:
        return self.why_closed(day) is None

    def working_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        span = (last - first).days + 1
        days = (first + dt.timedelta(days=i) for i in range(max(span, 0)))
        return [day for day in days if self.is_working_day(day)]

    def first_working_day(
        self, since: dt.date, *, within: int = MAX_DAYS_SCANNED
    ) -> dt.date | None:
        for i in range(within):
            day = since + dt.timedelta(days=i)
            if self.is_working_day(day):
                return day
        return None

    def add_hours(self, moment: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` of working time after `moment` (local time, aware)."""
        tz = timezone.get_current_timezone()
        local = timezone.localtime(moment, tz)
        remaining = max(float(hours), 0.0)
        day = local.date()
        for _i in range(MAX_DAYS_SCANNED):
            if self.is_working_day(day):
                for open_naive, close_naive in self._day_spans(day):
                    open_at = timezone.make_aware(open_naive, tz)
                    close_at = timezone.make_aware(close_naive, tz)
                    begin = max(open_at, local)
                    if begin < close_at:
                        available = (close_at - begin).total_seconds() / 3600
                        if remaining <= available:
                            return begin + dt.timedelta(hours=remaining)
                        remaining -= available
            day += dt.timedelta(days=1)
        return local + dt.timedelta(hours=remaining)

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        return self.add_hours(moment, 0)


def calendar_problems(calendar_values: dict, *, today: dt.date) -> dict[str, list[str]]:
    """Every reason a calendar (a workshop's stored fields, as a dict) cannot be saved, by
    field; empty when it can. The rule the calendar page's service applies."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    start, end = calendar_values["work_day_start"], calendar_values["work_day_end"]
    if start is not None and end is not None and end <= start:
        add("work_day_end", _("The working day must end after it starts."))
    breaks = parse_breaks(calendar_values["break_times"])
    for brk in breaks:
        if brk.end <= brk.start:
            add(
                "break_times",
                _("A break must end after it starts (%(break)s).") % {"break": brk.key},
            )
    for a, b in itertools.pairwise(breaks):
        if b.start < a.end:
            add("break_times", _("Breaks %(a)s and %(b)s overlap.") % {"a": a.key, "b": b.key})
    for field in ("closed_days", "extra_working_days"):
        for r in parse_ranges(calendar_values[field]):
            if r.last < r.first:
                add(
                    field,
                    _("A range must not end before it starts (%(range)s).") % {"range": r.key},
                )
    if problems:
        return problems
    calendar = Calendar(
        start,
        end,
        calendar_values["work_weekdays"],
        breaks=breaks,
        closed=parse_ranges(calendar_values["closed_days"]),
        working=parse_ranges(calendar_values["extra_working_days"]),
        public_holidays=calendar_values["observes_public_holidays"],
    )
    if not Calendar._intervals(start, end, breaks):
        add("break_times", _("The breaks leave no working time in the day."))
    elif (
        not _weekdays(calendar_values["work_weekdays"])
        and not any(r.last >= today for r in calendar.working)
    ) or calendar.first_working_day(today, within=NEVER_WORKS_HORIZON) is None:
        add(
            "work_weekdays",
            _(
                "With this calendar the shop would not work on any day in the coming year. "
                "Choose at least one working weekday, or shorten the closed days."
            ),
        )
    return problems


def _weekdays(value: str | Iterable[int]) -> list[int]:
    return [int(c) for c in value if str(c).isdigit() and 1 <= int(c) <= 7]


# Apps above workshops that plan with a shop's calendar (the schedule in orders) plug in here:
# each is called, inside the transaction that changed a calendar, with the workshop.
_changed_hooks: list[Callable] = []


def on_calendar_changed(hook: Callable) -> None:
    if hook not in _changed_hooks:
        _changed_hooks.append(hook)


def calendar_changed(workshop) -> None:
    for hook in _changed_hooks:
        hook(workshop)
