"""Job and order lists: one FilterSet each for the pages and the API, so both accept the same.

The querysets handed in are already limited to what the user may see (`jobs_visible_to`,
`orders_visible_to`). Filters that look *inside* a job (its steps' processes, its partners)
only look at the parts the user could see on the job's page, so a filter can never reveal a
step or an order the user is not party to. The only thing read from the request is the user.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from workshops.filters import CodeMultipleChoiceFilter, split_commas
from workshops.models import Membership, Process

from .models import Job, JobStatus, Order, OrderStatus, Step

# --- fields ------------------------------------------------------------------------------------


class _BooleanSelect(django_filters.widgets.BooleanWidget):
    """Yes / no / any. Keeps what it does not understand so that the field can refuse it."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str) and value.strip().lower() in ("1", "0", "true", "false"):
            return super().value_from_datadict({name: value.strip()}, files, name)
        return value or None


class _StrictNullBooleanField(forms.NullBooleanField):
    widget = _BooleanSelect

    def to_python(self, value):
        if value in (True, False, None):
            return value
        # Django's own message for a choice it does not know, translated already.
        raise ValidationError(
            forms.ChoiceField.default_error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )

    def validate(self, value):
        pass


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    """`true`/`false` (or 1/0); anything else is a 400, not silently ignored."""

    field_class = _StrictNullBooleanField


def _my_workshops(user, *, manage: bool = False):
    """The user's workshops as a subquery (no query of its own)."""
    if user is None or not user.is_authenticated:
        return Membership.objects.none().values("workshop_id")
    qs = Membership.objects.managed_by(user) if manage else Membership.objects.filter(user=user)
    return qs.values("workshop_id")


def steps_seen_by(user) -> Q:
    """The steps `user` sees on a job's page (mirrors `selectors.job_access`), as a Q on Step."""
    managed = _my_workshops(user, manage=True)
    return (
        Q(job__owner_id__in=managed)
        | Q(workshop_id__in=_my_workshops(user))
        | Q(orders__buyer_id__in=managed)
        | Q(orders__supplier_id__in=managed)
    )


def orders_seen_by(user) -> Q:
    """The orders `user` sees on a job's page (mirrors `selectors.job_access`), as a Q on Order."""
    managed = _my_workshops(user, manage=True)
    return Q(job__owner_id__in=managed) | Q(buyer_id__in=managed) | Q(supplier_id__in=managed)


# --- jobs --------------------------------------------------------------------------------------


JOB_ROLE_CHOICES = [("hub", _("Hub (my jobs)")), ("supplier", _("Supplier (ordered from me)"))]

JOB_ORDERING_CHOICES = [
    ("risk", _("Late risk first, then due date")),
    ("due_date", _("Due date")),
    ("-due_date", _("Due date, latest first")),
    ("newest", _("Newest first")),
]

JOB_ORDERINGS = {
    "risk": (F("late_risk").desc(), "due_date", "-priority", "pk"),
    "due_date": ("due_date", "-priority", "pk"),
    "-due_date": ("-due_date", "-priority", "-pk"),
    "newest": ("-created_at", "-pk"),
}


class JobFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=JobStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    process = CodeMultipleChoiceFilter(
        label=_("Process"),
        queryset=Process.objects.all(),
        method="filter_process",
        help_text=_("Jobs with a step of any of these processes."),
    )
    due_after = django_filters.DateFilter(
        label=_("Due on or after"), field_name="due_date", lookup_expr="gte"
    )
    due_before = django_filters.DateFilter(
        label=_("Due on or before"), field_name="due_date", lookup_expr="lte"
    )
    partner = django_filters.UUIDFilter(
        label=_("Partner workshop"),
        method="filter_partner",
        help_text=_("A workshop that is buyer or supplier on one of the job's orders."),
    )
    role = django_filters.ChoiceFilter(
        label=_("My role"), choices=JOB_ROLE_CHOICES, method="filter_role"
    )
    late_risk = StrictBooleanFilter(label=_("At risk of being late"))
    ordering = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=JOB_ORDERING_CHOICES,
        method="filter_nothing",
        empty_label=_("Default"),
    )

    class Meta:
        model = Job
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(split_commas(data, ("status", "process")), *args, **kwargs)

    @property
    def user(self):
        return getattr(self.request, "user", None)

    def filter_nothing(self, queryset, name, value):
        return queryset  # applied in filter_queryset

    def filter_process(self, queryset, name, value):
        if not value:
            return queryset
        steps = Step.objects.filter(job=OuterRef("pk"), process__in=value).filter(
            steps_seen_by(self.user)
        )
        return queryset.filter(Exists(steps))

    def filter_partner(self, queryset, name, value):
        if not value:
            return queryset
        orders = (
            Order.objects.filter(job=OuterRef("pk"))
            .filter(Q(buyer__uuid=value) | Q(supplier__uuid=value))
            .filter(orders_seen_by(self.user))
        )
        return queryset.filter(Exists(orders))

    def filter_role(self, queryset, name, value):
        mine = _my_workshops(self.user)
        if value == "hub":
            return queryset.filter(owner_id__in=mine)
        if value == "supplier":
            return queryset.filter(
                Exists(Order.objects.filter(job=OuterRef("pk"), supplier_id__in=mine))
            )
        return queryset

    def filter_queryset(self, queryset: QuerySet[Job]) -> QuerySet[Job]:
        queryset = super().filter_queryset(queryset)
        ordering = self.form.cleaned_data.get("ordering") or "risk"
        return queryset.order_by(*JOB_ORDERINGS[ordering])


# --- orders ------------------------------------------------------------------------------------


ORDER_ROLE_CHOICES = [
    ("buyer", _("Buyer (I ordered)")),
    ("supplier", _("Supplier (ordered from me)")),
]


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=OrderStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    role = django_filters.ChoiceFilter(
        label=_("My role"), choices=ORDER_ROLE_CHOICES, method="filter_role"
    )
    job = django_filters.UUIDFilter(label=_("Job"), field_name="job__uuid")
    inbox = StrictBooleanFilter(
        label=_("Waiting for my answer"),
        method="filter_inbox",
        help_text=_("true: requests still open where I am the supplier."),
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(split_commas(data, ("status",)), *args, **kwargs)

    @property
    def user(self):
        return getattr(self.request, "user", None)

    def filter_role(self, queryset, name, value):
        managed = _my_workshops(self.user, manage=True)
        if value == "buyer":
            return queryset.filter(buyer_id__in=managed)
        if value == "supplier":
            return queryset.filter(supplier_id__in=managed)
        return queryset

    def filter_inbox(self, queryset, name, value):
        if value is None:
            return queryset
        waiting = Q(
            status=OrderStatus.REQUESTED,
            supplier_id__in=_my_workshops(self.user, manage=True),
        )
        return queryset.filter(waiting) if value else queryset.exclude(waiting)
