"""A date as a person reads it: one format per language (shopnet/formats/), from a date, a
datetime or the ISO string that cached figures and event payloads carry."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format

DateLike = dt.date | dt.datetime | str | None


def _parse(value: DateLike) -> dt.date | dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return (
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            )
        except ValueError:
            return None
    return value


def _local_day(value: DateLike) -> dt.date | None:
    parsed = _parse(value)
    if isinstance(parsed, dt.datetime):
        parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
        return parsed.date()
    return parsed


def day(value: DateLike) -> str:
    """The long form of a day: the whole date (a datetime is first moved to local time)."""
    parsed = _local_day(value)
    return date_format(parsed, "DATE_FORMAT") if parsed is not None else ""


def short_day(value: DateLike) -> str:
    """The short form: month and day, where the year is plain from the place."""
    parsed = _local_day(value)
    return date_format(parsed, "MONTH_DAY_FORMAT") if parsed is not None else ""


def moment(value: DateLike) -> str:
    """The long form of a day followed by the local time."""
    parsed = _parse(value)
    if parsed is None:
        return ""
    if not isinstance(parsed, dt.datetime):
        return date_format(parsed, "DATE_FORMAT")
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return date_format(parsed, "DATETIME_FORMAT")


def month(value: DateLike) -> str:
    """A month ("2026-03" or a date): 2026年3月 / Mar 2026."""
    if isinstance(value, str) and len(value) == 7:
        value = f"{value}-01"
    parsed = _parse(value)
    return date_format(parsed, "YEAR_MONTH_FORMAT") if parsed is not None else ""
