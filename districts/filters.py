"""The dashboard's filters (django-filter): date range, process, sub-area, size band.

The same FilterSet reads the page's, the CSV's and the API's query string, so a URL names
exactly one view of the figures. Bad input is a form error with a translated message (the page
answers 400), never an exception.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workshops.models import District, Process, Workshop

from .metrics.scope import SIZE_BANDS, Scope, district_areas

EARLIEST = dt.date(2000, 1, 1)
LONGEST_DAYS = 3 * 366
DEFAULT_DAYS = 12 * 7

SIZE_CHOICES = [
    ("1-9", _("1–9 staff")),
    ("10-29", _("10–29 staff")),
    ("30-99", _("30–99 staff")),
    ("100+", _("100 staff or more")),
]
assert {code for code, _label in SIZE_CHOICES} == set(SIZE_BANDS)


def default_scope(district: District) -> Scope:
    """What a dashboard shows before any filter is chosen: the last DEFAULT_DAYS days."""
    today = timezone.localdate()
    return Scope(district, today - dt.timedelta(days=DEFAULT_DAYS - 1), today)


class DashboardForm(forms.Form):
    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if "start" in self.errors or "end" in self.errors:
            return data
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if start < EARLIEST or end > today + dt.timedelta(days=366):
            raise forms.ValidationError(
                _("Choose dates from %(earliest)s to a year from today.")
                % {"earliest": EARLIEST.isoformat()}
            )
        if (end - start).days + 1 > LONGEST_DAYS:
            raise forms.ValidationError(_("Choose a range of at most three years."))
        data["start"], data["end"] = start, end
        return data


class DashboardFilter(django_filters.FilterSet):
    start = django_filters.DateFilter(
        label=pgettext_lazy("date range", "From"),
        method="noop",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = django_filters.DateFilter(
        label=pgettext_lazy("date range", "To"),
        method="noop",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    process = django_filters.ModelChoiceFilter(
        label=_("Process"),
        queryset=Process.objects.all(),
        to_field_name="code",
        empty_label=_("All processes"),
        method="noop",
    )
    area = django_filters.ChoiceFilter(
        label=_("Sub-area (postal district)"), choices=[], empty_label=_("All areas"), method="noop"
    )
    size = django_filters.ChoiceFilter(
        label=_("Size"), choices=SIZE_CHOICES, empty_label=_("All sizes"), method="noop"
    )

    class Meta:
        model = Workshop
        fields: list[str] = []
        form = DashboardForm

    def __init__(self, data=None, *args, district: District, **kwargs):
        super().__init__(data, *args, queryset=Workshop.objects.none(), **kwargs)
        self.district = district
        self.filters["area"].extra["choices"] = [
            (code, f"〒{code}") for code in district_areas(district)
        ]

    def noop(self, queryset, name, value):
        return queryset

    def scope(self) -> Scope:
        """The scope the (valid) filters name."""
        data = self.form.cleaned_data
        return Scope(
            self.district,
            data["start"],
            data["end"],
            process=data.get("process"),
            area=data.get("area") or "",
            size=data.get("size") or "",
        )

    def errors_text(self) -> list[str]:
        return [str(m) for messages in self.form.errors.values() for m in messages]
