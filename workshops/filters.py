"""Workshop search: one FilterSet for the page and the API, so both accept exactly the same."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.forms import MAX_QUANTITY, DecimalField, IntegerField, SizeField

from .models import Certification, District, Material, Process, Workshop
from .selectors import (
    Point,
    capabilities_matching,
    memberships_for_request,
    normalize_text,
    with_distance,
    workshops_matching_text,
)


def split_commas(data, keys: tuple[str, ...]):
    """Accept `?process=L,M` as well as `?process=L&process=M`."""
    if data is None or not hasattr(data, "getlist"):
        return data
    data = data.copy()
    for key in keys:
        if key in data:
            data.setlist(
                key, [v.strip() for raw in data.getlist(key) for v in raw.split(",") if v.strip()]
            )
    return data


class PointField(forms.CharField):
    default_error_messages = {
        "invalid": _("Enter a point as latitude,longitude, e.g. 35.5613,139.7161."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            lat_s, lng_s = normalize_text(value).split(",")
            lat, lng = float(lat_s), float(lng_s)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return Point(lat, lng)


@extend_schema_field(OpenApiTypes.STR)
class SizeFilter(django_filters.Filter):
    field_class = SizeField


class DecimalFilter(django_filters.NumberFilter):
    """A number typed as people type it (full width, separators): see core/forms.py."""

    field_class = DecimalField


class IntegerFilter(django_filters.NumberFilter):
    field_class = IntegerField


@extend_schema_field(OpenApiTypes.UUID)
class WorkshopChoiceFilter(django_filters.ModelChoiceFilter):
    """A workshop by its public id."""


@extend_schema_field(OpenApiTypes.STR)
class PointFilter(django_filters.Filter):
    field_class = PointField


@extend_schema_field(OpenApiTypes.STR)
class CodeMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Codes, comma separated or repeated (?process=L,M or ?process=L&process=M)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("method", "filter_nothing")
        super().__init__(*args, **kwargs)


# By reading (kana) where one is given, else by the name itself; pk keeps pages stable.
NAME_ORDER = (Coalesce(NullIf("name_kana", Value("")), "name"), "name", "pk")

ORDERING_CHOICES = [
    ("distance", _("Distance")),
    ("rating", _("Rating")),
    ("name", _("Name")),
]


class WorkshopFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Keyword"), method="filter_text", max_length=200)
    process = CodeMultipleChoiceFilter(
        label=_("Process"), queryset=Process.objects.all(), conjoined=True
    )
    material = CodeMultipleChoiceFilter(
        label=_("Material"), queryset=Material.objects.all(), conjoined=True
    )
    size = SizeFilter(
        label=_("Part size (mm)"),
        method="filter_nothing",
        help_text=_("L × W × H, e.g. 120x40x30"),
    )
    tolerance = DecimalFilter(
        label=_("Tolerance (µm) or tighter"),
        method="filter_nothing",
        min_value=Decimal("0.1"),
        max_value=Decimal("100000"),
        decimal_places=1,
        units=("μm", "um"),
    )
    lot = IntegerFilter(
        label=_("Lot size"),
        method="filter_nothing",
        min_value=1,
        max_value=MAX_QUANTITY,
        units=("個", "本", "pcs"),
    )
    certification = CodeMultipleChoiceFilter(
        label=_("Certification"),
        queryset=Certification.objects.all(),
        conjoined=True,
        method="filter_certification",
    )
    district = django_filters.ModelChoiceFilter(
        label=_("District"),
        queryset=District.objects.all(),
        to_field_name="slug",
        field_name="districts",
    )
    # The page measures from a shop chosen by name; `near` (lat,lng) is for the API, where a
    # program has coordinates. Nobody should have to type 緯度,経度 on a tablet.
    from_shop = WorkshopChoiceFilter(
        label=_("Distance from"),
        queryset=Workshop.objects.active()
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by(*NAME_ORDER),
        to_field_name="uuid",
        method="filter_nothing",
        empty_label=_("My workshop"),
        help_text=_("Distances are measured from this shop."),
    )
    near = PointFilter(
        label=_("Distance from (lat,lng)"),
        method="filter_nothing",
        help_text=_("Blank: from your own workshop."),
    )
    ordering = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=ORDERING_CHOICES,
        method="filter_nothing",
        # Blank means: nearest first when there is a point to measure from, else by name.
        empty_label=_("Default"),
    )

    class Meta:
        model = Workshop
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        data = split_commas(data, ("process", "material", "certification"))
        super().__init__(data, *args, **kwargs)
        self.origin: Point | None = None

    def filter_nothing(self, queryset, name, value):
        # Handled together in filter_queryset: capability requirements apply to one row.
        return queryset

    def filter_text(self, queryset, name, value):
        return workshops_matching_text(queryset, value) if value else queryset

    def filter_certification(self, queryset, name, value):
        for certification in value:
            queryset = queryset.filter(certifications=certification)
        return queryset

    def _reference_point(self) -> Point | None:
        point = self.form.cleaned_data.get("near")
        if point is not None:
            return point
        shop = self.form.cleaned_data.get("from_shop")
        if shop is not None:
            return Point.of(shop)
        if self.request is not None:
            for membership in memberships_for_request(self.request):
                point = Point.of(membership.workshop)
                if point is not None:
                    return point
        return None

    def filter_queryset(self, queryset: QuerySet[Workshop]) -> QuerySet[Workshop]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        processes = list(data.get("process") or [])
        requirements = {
            "materials": list(data.get("material") or []),
            "size": data.get("size"),
            "tolerance_um": data.get("tolerance"),
            "lot": int(data["lot"]) if data.get("lot") is not None else None,
        }
        if processes or any(v for v in requirements.values()):
            capabilities = capabilities_matching(**requirements)
            if processes:
                # Each process asked for needs its own capability row meeting every requirement.
                for process in processes:
                    queryset = queryset.filter(
                        pk__in=capabilities.filter(process=process).values("workshop_id")
                    )
            else:
                queryset = queryset.filter(pk__in=capabilities.values("workshop_id"))

        self.origin = self._reference_point()
        if self.origin is not None:
            queryset = with_distance(queryset, self.origin)
        ordering = data.get("ordering") or ("distance" if self.origin else "name")
        if ordering == "distance" and self.origin is not None:
            return queryset.order_by(F("distance_km").asc(nulls_last=True), *NAME_ORDER)
        if ordering == "rating":
            return queryset.order_by(
                F("rating_average").desc(nulls_last=True), "-rating_count", *NAME_ORDER
            )
        return queryset.order_by(*NAME_ORDER)

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        # Distance order with no point to measure from is a user error, not a silent fallback.
        if self.form.cleaned_data.get("ordering") == "distance" and self._reference_point() is None:
            self.form.add_error(
                "near",
                _("Sorting by distance needs a point: enter one, or set your workshop's location."),
            )
            return False
        return True


# The conditions a search can drop, in the order the form shows them (ordering is not one).
LOOSENABLE = (
    "q",
    "process",
    "material",
    "size",
    "tolerance",
    "lot",
    "certification",
    "district",
    "near",
)


@dataclass
class Loosening:
    """One condition of a search and the search without it."""

    label: str
    value: str
    query: str


def loosenings(filterset: WorkshopFilter) -> list[Loosening]:
    """For a valid search: each active condition (each code of a multiple one) with the query
    string that drops it, for the page that found nothing."""
    data = filterset.data
    cleaned = filterset.form.cleaned_data
    out = []
    for name in LOOSENABLE:
        raw = [v for v in data.getlist(name) if v.strip()] if name in data else []
        if not raw:
            continue
        label = str(filterset.form.fields[name].label)
        value = cleaned.get(name)
        if isinstance(filterset.filters[name], CodeMultipleChoiceFilter) and value:
            for item in value:
                rest = data.copy()
                rest.setlist(name, [v for v in raw if v != item.code])
                rest.pop("page", None)
                shown = getattr(item, "name", None) or item.code
                out.append(Loosening(label, str(shown), rest.urlencode()))
            continue
        rest = data.copy()
        rest.pop(name, None)
        rest.pop("page", None)
        shown = getattr(value, "name", None) or " ".join(raw)
        out.append(Loosening(label, str(shown), rest.urlencode()))
    return out
