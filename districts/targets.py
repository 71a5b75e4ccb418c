"""An association's own policy targets: the only writes of the dashboard."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.services import Refused
from workshops.models import District, User

from . import cached
from .filters import EARLIEST
from .models import DistrictEvent, DistrictTarget, TargetMetric

LONGEST_TARGET_YEARS = 10


class TargetForm(forms.Form):
    metric = forms.ChoiceField(label=gettext_lazy("Measure"), choices=TargetMetric.choices)
    value = forms.IntegerField(label=gettext_lazy("Target"), min_value=1, max_value=10_000_000)
    starts_on = forms.DateField(
        label=pgettext_lazy("date range", "From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=pgettext_lazy("date range", "By"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


def _check(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on <= starts_on:
        raise Refused(
            {"ends_on": _("The end of the period must come after its start.")}, code="bad_period"
        )
    if starts_on < EARLIEST:
        raise Refused({"starts_on": _("Choose a start from 2000 on.")}, code="bad_period")
    if (ends_on - starts_on).days > LONGEST_TARGET_YEARS * 366:
        raise Refused(
            {"ends_on": _("A target period can last at most ten years.")}, code="bad_period"
        )


@transaction.atomic
def target_create(
    *,
    district: District,
    actor: User,
    metric: str,
    value: int,
    starts_on: dt.date,
    ends_on: dt.date,
    note: str = "",
) -> DistrictTarget:
    """Add a target; only the district's own staff may (the views check it first, too)."""
    if not district.staff.filter(user=actor).exists():
        raise Refused(_("Only the association's staff may set its targets."), code="not_allowed")
    if metric not in TargetMetric.values:
        raise Refused({"metric": _("Choose one of the measures.")}, code="unknown_metric")
    _check(starts_on, ends_on)
    transaction.on_commit(lambda: cached.bump([district.uuid], targets=True))
    target = DistrictTarget.objects.create(
        district=district,
        metric=metric,
        value=int(value),
        starts_on=starts_on,
        ends_on=ends_on,
        note=(note or "").strip()[:200],
        created_by=actor,
    )
    _log(target, actor, DistrictEvent.Action.TARGET_CREATED)
    return target


@transaction.atomic
def target_delete(*, target: DistrictTarget, actor: User) -> None:
    target = DistrictTarget.objects.select_for_update().get(pk=target.pk)
    if not target.district.staff.filter(user=actor).exists():
        raise Refused(_("Only the association's staff may set its targets."), code="not_allowed")
    _log(target, actor, DistrictEvent.Action.TARGET_DELETED)
    target.delete()
    district_uuid = target.district.uuid
    transaction.on_commit(lambda: cached.bump([district_uuid], targets=True))


def _log(target: DistrictTarget, actor: User, action: str) -> DistrictEvent:
    return DistrictEvent.objects.create(
        district=target.district,
        actor=actor,
        action=action,
        data={
            "target": str(target.uuid),
            "metric": target.metric,
            "value": target.value,
            "starts_on": target.starts_on.isoformat(),
            "ends_on": target.ends_on.isoformat(),
            "note": target.note,
        },
    )


def history(district: District, limit: int = 50) -> list[dict]:
    """The district's latest target changes, newest first: when, who, what (one query)."""
    rows = []
    for event in DistrictEvent.objects.filter(district=district).select_related("actor")[:limit]:
        data = event.data
        metric = data.get("metric", "")
        rows.append(
            {
                "at": event.created_at,
                "who": str(event.actor) if event.actor else None,
                "action": event.get_action_display(),
                "measure": TargetMetric(metric).label if metric in TargetMetric.values else metric,
                "value": data.get("value"),
                "starts_on": _date(data.get("starts_on")),
                "ends_on": _date(data.get("ends_on")),
            }
        )
    return rows


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
