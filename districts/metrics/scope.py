"""What a dashboard shows (`Scope`: a district, a range, the filters) and what every figure
shares: the process labels and colours, sub-areas and size bands, the date helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from orders.models import StepStatus
from workshops.models import District, Process, Workshop

PARTICIPATION_DAYS = 90


WIP_STATES = (StepStatus.IN_PROGRESS, StepStatus.ON_HOLD)


LOAD_WEEKS = 4


# Size bands by headcount (従業員数): code → (low, high inclusive or None, label).
SIZE_BANDS: dict[str, tuple[int, int | None]] = {
    "1-9": (1, 9),
    "10-29": (10, 29),
    "30-99": (30, 99),
    "100+": (100, None),
}


# One colour per process category (Okabe–Ito, readable by colour-blind eyes); every chart also
# writes the process name beside its colour.
CATEGORY_COLOURS = {
    "cutting": "#0072B2",
    "abrasive": "#E69F00",
    "edm": "#CC79A7",
    "forming": "#009E73",
    "joining": "#D55E00",
    "heat_treatment": "#882255",
    "surface": "#56B4E9",
    "assembly": "#8C6D00",
    "inspection": "#444444",
    "other": "#888888",
}


OTHER_COLOUR = "#BBBBBB"


@dataclass
class Scope:
    """What a dashboard shows: one district, a range of Japan dates, and optional filters."""

    district: District
    start: dt.date
    end: dt.date
    process: Process | None = None
    area: str = ""
    size: str = ""
    today: dt.date = field(default_factory=timezone.localdate)

    def workshops(self) -> QuerySet[Workshop]:
        """The district's workshops in the chosen sub-area and size band (a subquery)."""
        qs = Workshop.objects.filter(districts=self.district)
        if self.area:
            qs = qs.filter(postal_code__startswith=self.area)
        if self.size in SIZE_BANDS:
            low, high = SIZE_BANDS[self.size]
            qs = qs.filter(headcount__gte=low)
            if high is not None:
                qs = qs.filter(headcount__lte=high)
        return qs.values("pk")

    def processes(self, qs: QuerySet, field_name: str = "process") -> QuerySet:
        return qs.filter(**{field_name: self.process}) if self.process else qs


def area_of(postal_code: str) -> str:
    """A sub-area: the first three digits of the postal code (the delivery district, 郵便区)."""
    digits = "".join(ch for ch in (postal_code or "") if ch.isdigit())
    return digits[:3] if len(digits) >= 3 else ""


def district_areas(district: District) -> list[str]:
    codes = Workshop.objects.filter(districts=district).values_list("postal_code", flat=True)
    return sorted({area_of(c) for c in codes} - {""})


def process_labels() -> dict[int, dict[str, Any]]:
    return {
        p.pk: {
            "code": p.code,
            "name": p.name,
            "symbol": p.jis_symbol,
            "colour": CATEGORY_COLOURS.get(p.category, OTHER_COLOUR),
            "order": (p.sort_order, p.code),
        }
        for p in Process.objects.all()
    }


def in_range(scope: Scope) -> Q:
    return Q(day__gte=scope.start, day__lte=scope.end)


def day_of(value) -> dt.date:
    """A date from what a raw cursor returns for a truncated day: a date, a datetime or, on
    SQLite, an ISO string."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, dt.datetime) else value


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
