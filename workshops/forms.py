from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import MAX_SIZE_MM, DecimalField, IntegerField, RangeField

from .invoice_number import normalize as normalize_invoice_number
from .models import (
    Capability,
    Certification,
    District,
    Machine,
    Material,
    Process,
    Role,
    TokenScope,
    User,
    Workshop,
)
from .services import CAPABILITY_FIELDS, PROFILE_FIELDS


class ServiceErrorsMixin:
    """Put a service's ValidationError on the form, field by field where it says which."""

    # A service field shown through another form field (lot_min and lot_max → lots).
    service_fields: dict[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                field = self.service_fields.get(name, name)
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        """Add a service's problems (its `*_problems` check) to a form that already has
        errors of its own, for the fields that have none yet: every error in one answer."""
        for name, messages in problems.items():
            field = self.service_fields.get(name, name)
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, messages)


class WorkshopProfileForm(ServiceErrorsMixin, forms.ModelForm):
    certifications = forms.ModelMultipleChoiceField(
        label=_("Certifications"),
        queryset=Certification.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts"),
        queryset=District.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    # Longer than the stored 14 characters: typed with spaces or hyphens, it is normalized.
    invoice_registration_number = forms.CharField(
        label=_("Invoice registration number"),
        max_length=40,
        required=False,
        help_text=_("T and 13 digits (適格請求書発行事業者登録番号). Full-width input is fine."),
    )

    class Meta:
        model = Workshop
        fields = [*PROFILE_FIELDS, "certifications", "districts"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {
            "latitude": DecimalField,
            "longitude": DecimalField,
            "founded_year": IntegerField,
            "headcount": IntegerField,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bounds = {
            "latitude": (-90, 90),
            "longitude": (-180, 180),
            "headcount": (1, 1_000_000),
            "founded_year": (1600, None),  # the future is refused below, with its own words
        }
        for name, (low, high) in bounds.items():
            if name in self.fields:
                self.fields[name].min_value, self.fields[name].max_value = low, high
        if "headcount" in self.fields:
            self.fields["headcount"].units = ("人", "名")

    def clean_invoice_registration_number(self):
        # Ｔ１２３… from a Japanese keyboard: the model's check reads the normalized form.
        return normalize_invoice_number(self.cleaned_data.get("invoice_registration_number"))

    def clean_founded_year(self):
        year = self.cleaned_data.get("founded_year")
        if year is not None and year > timezone.localdate().year:
            raise ValidationError(_("The founded year cannot be in the future."))
        return year

    def clean(self):
        data = super().clean()
        # A coordinate refused on its own is not also reported as missing from the pair.
        if "latitude" in self.errors or "longitude" in self.errors:
            return data
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error(None, _("Enter both latitude and longitude, or neither."))
            # Said once, in these words: the instance is then checked without the half pair,
            # so the model's constraint does not repeat it in its own.
            data["latitude"] = data["longitude"] = None
        return data


class LogoForm(forms.Form):
    # A plain FileField: the service decides from the content whether it is an image,
    # with the decompression-bomb guard that ImageField's own check does not have.
    logo = forms.FileField(
        label=_("Logo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class MachineForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Machine
        fields = ["maker", "model_name", "count"]
        field_classes = {"count": IntegerField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["count"].min_value, self.fields["count"].max_value = 1, 10_000
        self.fields["count"].units = ("台",)


class CapabilityForm(ServiceErrorsMixin, forms.ModelForm):
    process = forms.ModelChoiceField(label=_("Process"), queryset=Process.objects.all())
    materials = forms.ModelMultipleChoiceField(
        label=_("Materials"),
        queryset=Material.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    machines = forms.ModelMultipleChoiceField(
        label=_("Machines used"),
        queryset=Machine.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    lots = RangeField(
        label=_("Lot size"),
        required=False,
        help_text=_("As 10〜500. Leave an end open for no limit: 10〜 or 〜500."),
    )

    service_fields = {"lot_min": "lots", "lot_max": "lots"}

    class Meta:
        model = Capability
        fields = [
            "process",
            "materials",
            *(f for f in CAPABILITY_FIELDS if f not in ("lot_min", "lot_max")),
            "machines",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {
            "max_length_mm": DecimalField,
            "max_width_mm": DecimalField,
            "max_height_mm": DecimalField,
            "tolerance_um": DecimalField,
            "lead_time_days": IntegerField,
            "capacity_hours_per_week": IntegerField,
        }

    def __init__(self, *args, workshop: Workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["machines"].queryset = Machine.objects.filter(workshop=workshop)
        bounds = {
            "max_length_mm": (Decimal("0.1"), MAX_SIZE_MM, ("mm",)),
            "max_width_mm": (Decimal("0.1"), MAX_SIZE_MM, ("mm",)),
            "max_height_mm": (Decimal("0.1"), MAX_SIZE_MM, ("mm",)),
            "tolerance_um": (Decimal("0.1"), Decimal("100000"), ("μm", "um")),
            "lead_time_days": (0, 730, ("日",)),
            "capacity_hours_per_week": (0, 168 * 100, ("時間", "h")),
        }
        for name, (low, high, units) in bounds.items():
            field = self.fields[name]
            field.min_value, field.max_value, field.units = low, high, units
        if self.instance.pk and not self.is_bound:
            self.initial["lots"] = (self.instance.lot_min, self.instance.lot_max)

    def clean(self):
        data = super().clean()
        if "lots" in data:
            data["lot_min"], data["lot_max"] = data["lots"] or (None, None)
        return data

    def _post_clean(self):
        # Model validation happens in the service, which is the one place the rules live.
        pass


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.FLOOR)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. the production-management system."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SignupForm(forms.ModelForm):
    """A new account created from an invitation link."""

    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput, strip=False
    )

    class Meta:
        model = User
        fields = ["username", "display_name"]

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        elif data.get("password1"):
            user = User(
                username=data.get("username", ""), display_name=data.get("display_name", "")
            )
            try:
                password_validation.validate_password(data["password1"], user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


# --- Calendar ----------------------------------------------------------------------------


class _DateInput(forms.DateInput):
    input_type = "date"


class _TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


WEEKDAY_CHOICES = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]


class CalendarHoursForm(ServiceErrorsMixin, forms.Form):
    work_day_start = forms.TimeField(label=_("Work starts"), widget=_TimeInput())
    work_day_end = forms.TimeField(label=_("Work ends"), widget=_TimeInput())
    work_weekdays = forms.MultipleChoiceField(
        label=_("Working weekdays"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    observes_public_holidays = forms.BooleanField(
        label=_("Closed on public holidays"), required=False
    )

    @classmethod
    def for_workshop(cls, workshop: Workshop, data=None) -> CalendarHoursForm:
        return cls(
            data,
            prefix="hours",
            initial={
                "work_day_start": workshop.work_day_start,
                "work_day_end": workshop.work_day_end,
                "work_weekdays": list(workshop.work_weekdays),
                "observes_public_holidays": workshop.observes_public_holidays,
            },
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("work_day_start"), data.get("work_day_end")
        if start and end and end <= start:
            self.add_error("work_day_end", _("The working day must end after it starts."))
        return data


DAYS_KIND_CHOICES = [("closed", _("Closed days")), ("working", _("Extra working days"))]


class CalendarDaysForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"closed_days": "first", "extra_working_days": "first"}

    kind = forms.ChoiceField(
        label=pgettext_lazy("calendar days", "Kind"),
        choices=DAYS_KIND_CHOICES,
        widget=forms.RadioSelect,
        initial="closed",
    )
    first = forms.DateField(label=pgettext_lazy("date range", "From"), widget=_DateInput())
    last = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        widget=_DateInput(),
        required=False,
        help_text=_("Leave empty for a single day."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=50,
        required=False,
        help_text=_("For example: ゴールデンウィーク, お盆休み, 年末年始, 出勤日"),
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            self.add_error("last", _("The last day must not be before the first."))
        return data


class CalendarBreakForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"break_times": "start"}

    start = forms.TimeField(label=_("Break starts"), widget=_TimeInput())
    end = forms.TimeField(label=_("Break ends"), widget=_TimeInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("A break must end after it starts."))
        return data
