from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    Capability,
    Certification,
    District,
    Machine,
    Material,
    Process,
    Role,
    User,
    Workshop,
)
from .services import CAPABILITY_FIELDS, PROFILE_FIELDS


class ServiceErrorsMixin:
    """Put a service's ValidationError on the form, field by field where it says which."""

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


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

    class Meta:
        model = Workshop
        fields = [*PROFILE_FIELDS, "certifications", "districts"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "founded_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "headcount": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def clean_founded_year(self):
        year = self.cleaned_data.get("founded_year")
        if year is not None and year > timezone.localdate().year:
            raise ValidationError(_("The founded year cannot be in the future."))
        return year

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError(_("Enter both latitude and longitude, or neither."))
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
        widgets = {"count": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1})}


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

    class Meta:
        model = Capability
        fields = ["process", "materials", *CAPABILITY_FIELDS, "machines"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, workshop: Workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["machines"].queryset = Machine.objects.filter(workshop=workshop)
        for name in ("max_length_mm", "max_width_mm", "max_height_mm", "tolerance_um"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "min": "0.1"})
        for name in ("lot_min", "lot_max", "lead_time_days", "capacity_hours_per_week"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "min": "0"})

    def _post_clean(self):
        # Model validation happens in the service, which is the one place the rules live.
        pass


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.FLOOR)


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
