from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orders.forms import IdempotentForm, TermsForm
from orders.models import Step
from workshops.forms import ServiceErrorsMixin


class OutsideRequestForm(TermsForm, IdempotentForm):
    """The route form for a shop that is not on shopnet: the steps, the shop and how to reach
    it, and the terms. The service checks the shop and the order together (all at once)."""

    steps = forms.ModelMultipleChoiceField(
        label=_("Steps"),
        queryset=Step.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="uuid",
    )
    name = forms.CharField(label=pgettext_lazy("outside shop", "Shop name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("The link is sent here. Give an e-mail address or a FAX number (or both)."),
    )
    fax = forms.CharField(
        label=_("FAX"),
        max_length=30,
        required=False,
        help_text=_("Print the request sheet with its QR code and send it by FAX."),
    )

    field_order = ["steps", "name", "address", "contact_name", "email", "fax"]

    def __init__(self, *args, routable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["steps"].queryset = routable
        self.fields["steps"].label_from_instance = lambda s: s.label

    def shop(self) -> dict:
        return {
            k: (self.cleaned_data.get(k) or "")
            for k in ("name", "address", "contact_name", "email", "fax")
        }


class JoinForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("E-mail (to sign in)"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput, strip=False
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password_again")
            and data["password"] != data["password_again"]
        ):
            self.add_error("password_again", _("The two passwords differ."))
        return data
