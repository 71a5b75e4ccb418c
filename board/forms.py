"""Forms of the open board: posting steps, offering, awarding, and inquiries to suggestions."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import MAX_QUANTITY, DecimalField, IntegerField, SizeField, normalize_number
from orders.forms import DateInput, TermsForm
from workshops.forms import ServiceErrorsMixin
from workshops.models import Certification, District, Material

from .models import Offer, OfferStatus


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PostingForm(ServiceErrorsMixin, forms.Form):
    steps = forms.ModelMultipleChoiceField(
        label=_("Steps"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="uuid",
        error_messages={"required": _("Choose at least one step of this job.")},
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts"),
        queryset=District.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
        error_messages={"required": _("Choose at least one district.")},
        help_text=_("Only shops of these districts that can do the steps will see the posting."),
    )
    answer_by = forms.DateTimeField(
        label=_("Answer by"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"required": _("Say by when offers are wanted.")},
    )
    due_date = forms.DateField(label=_("Delivery date"), widget=DateInput())
    quantity = IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, units=("個", "本", "pcs")
    )
    material = forms.ModelChoiceField(
        label=_("Material"), queryset=Material.objects.all(), required=False, to_field_name="code"
    )
    size_mm = SizeField(
        label=_("Work size (mm)"),
        required=False,
        help_text=_(
            "As 120x40x30, or φ40x900 for a shaft (diameter × length): only shops whose "
            "machines take it are asked."
        ),
    )
    tolerance_um = DecimalField(
        label=_("Tightest tolerance (µm)"),
        required=False,
        min_value=Decimal("0.1"),
        max_digits=7,
        decimal_places=1,
        units=("μm", "um"),
    )
    certifications = forms.ModelMultipleChoiceField(
        label=_("Certifications required"),
        queryset=Certification.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    description = forms.CharField(
        label=_("What is asked"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the invited shops. The customer's name is never shown."),
    )
    share_drawings = forms.BooleanField(
        label=_("Let the invited shops view the drawings (previews only)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["steps"].queryset = steps
        self.fields["steps"].label_from_instance = lambda s: s.label


class OfferForm(ServiceErrorsMixin, forms.Form):
    # Text, so that 28,000 or ２８０００ reach the service, which reads them and explains.
    price = forms.CharField(
        label=_("Price (excl. tax, JPY)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Enter the price in yen.")},
    )
    promised_date = forms.DateField(
        label=_("Promised delivery date"), widget=DateInput(), required=False
    )
    lead_time_days = IntegerField(
        label=_("or lead time (days)"), required=False, min_value=0, max_value=730, units=("日",)
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        error_messages={"required": _("Say until when the offer is valid.")},
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_price(self) -> str:
        # Read by the service, which explains what it cannot read (the API sends it too).
        return normalize_number(self.cleaned_data["price"], ("円",))

    @classmethod
    def for_offer(cls, offer: Offer | None, data=None) -> OfferForm:
        if offer is None:
            return cls(data)
        initial = {
            "price": f"{offer.price:.0f}",
            "promised_date": offer.promised_date,
            "valid_until": offer.valid_until,
            "note": offer.note,
        }
        return cls(data, initial=initial)


class AwardForm(TermsForm):
    """The award: which offer, and the terms the offer does not carry (price and date do)."""

    offer = forms.ModelChoiceField(
        label=_("Offer"),
        queryset=Offer.objects.none(),
        to_field_name="uuid",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the offer to award.")},
    )

    field_order = ["offer"]

    def __init__(self, *args, posting, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["price"]
        del self.fields["due_date"]
        self.fields["offer"].queryset = Offer.objects.filter(
            posting=posting, status=OfferStatus.ACTIVE
        ).select_related("workshop")
        self.fields["offer"].label_from_instance = lambda o: o.workshop.display_name


class InquiryForm(ServiceErrorsMixin, forms.Form):
    """Send the chosen suggestions of each step an inquiry (a posting for them alone)."""

    answer_by = forms.DateTimeField(
        label=_("Answer by"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
