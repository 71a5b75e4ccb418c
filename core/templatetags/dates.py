"""{% load dates %}: {{ value|day }}, {{ value|short_day }}, {{ value|moment }} and
{{ value|month }}, in the formats of the active language (core/dates.py, shopnet/formats/)."""

from django import template

from core import dates

register = template.Library()

register.filter("day", dates.day)
register.filter("short_day", dates.short_day)
register.filter("moment", dates.moment)
register.filter("month", dates.month)
