from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import MAX_QUANTITY, DecimalField, IntegerField, NumberTextInput
from workshops.forms import ServiceErrorsMixin
from workshops.models import Material, Process, Workshop

from .models import (
    END_REASONS,
    HOLD_NOTE_LENGTH,
    DeclineReason,
    DefectCause,
    HoldReason,
    Job,
    MaterialSupply,
    Order,
    Part,
    PaymentMethod,
    Priority,
    RejectAction,
    Step,
    TransferFeePayer,
)
from .services.jobs import agreement_missing

QUANTITY_UNITS = ("個", "本", "枚", "台", "pcs")


class DateInput(forms.DateInput):
    input_type = "date"


class IdempotentForm(forms.Form):
    """Carries a key made when the form was drawn, so a double tap or a resent POST applies once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


def quantity_field(label, *, min_value: int = 1, **kwargs) -> IntegerField:
    """A count of parts: 1 or more unless zero means something (good parts, parts received)."""
    return IntegerField(
        label=label,
        min_value=min_value,
        max_value=MAX_QUANTITY,
        units=QUANTITY_UNITS,
        **kwargs,
    )


class JobForm(ServiceErrorsMixin, forms.ModelForm):
    material = forms.ModelChoiceField(
        label=_("Material"), queryset=Material.objects.all(), required=False
    )
    quantity = quantity_field(_("Quantity"))

    class Meta:
        model = Job
        fields = [
            "part_name",
            "drawing_number",
            "material",
            "material_note",
            "quantity",
            "due_date",
            "priority",
            "customer_name",
            "notes",
        ]
        widgets = {
            "due_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "priority": forms.RadioSelect,
        }

    def _post_clean(self):
        # The service validates (and writes); keep the instance as it was loaded.
        pass


class CopyJobForm(forms.Form):
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    quantity = quantity_field(_("Quantity"), required=False)


class StepForm(ServiceErrorsMixin, forms.Form):
    process = forms.ModelChoiceField(label=_("Process"), queryset=Process.objects.all())
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Optional, e.g. which sub-part."),
    )
    planned_hours = DecimalField(
        label=_("Planned hours"),
        min_value=0,
        max_value=9999,
        max_digits=7,
        decimal_places=2,
        units=("時間", "h"),
    )
    quantity = quantity_field(
        _("Quantity"), required=False, help_text=_("Blank: the job's quantity.")
    )
    after = forms.ModelMultipleChoiceField(
        label=_("After these steps"),
        queryset=Step.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Steps that must be done before this one. Several = parallel branches join here."
        ),
    )

    before = forms.ModelMultipleChoiceField(
        label=_("Before these steps"),
        queryset=Step.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "To insert this step into the flow: these steps will wait for it instead of for "
            "the steps chosen above."
        ),
    )

    part = forms.ModelChoiceField(
        label=_("Part"),
        queryset=Part.objects.none(),
        empty_label=None,
        required=False,
        help_text=_("The part this step works on; for an assembly, the part it makes."),
    )

    def __init__(self, *args, job: Job, step: Step | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parts = list(job.parts.all())
        self.fields["part"].queryset = job.parts.all()
        if parts:
            self.fields["part"].initial = step.part_id if step is not None else parts[0].pk
        self.one_part = len(parts) <= 1
        candidates = job.steps.select_related("process", "workshop").order_by("position", "pk")
        if step is not None:
            candidates = candidates.exclude(pk=step.pk)
            del self.fields["before"]  # an existing step is re-linked through "after" alone
        else:
            self.fields["before"].queryset = candidates.filter(status__in=("planned", "ready"))
            self.fields["before"].label_from_instance = self._label
        self.fields["after"].queryset = candidates
        self.fields["after"].label_from_instance = self._label

    @staticmethod
    def _label(step: Step) -> str:
        return f"{step.label} ({step.workshop.display_name})" if step.workshop_id else step.label

    def clean(self):
        data = super().clean()
        overlap = set(data.get("after") or []) & set(data.get("before") or [])
        if overlap:
            raise forms.ValidationError(_("A step cannot come both before and after this one."))
        return data


class HoldForm(IdempotentForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=HoldReason.choices)
    note = forms.CharField(label=_("Detail"), required=False, max_length=HOLD_NOTE_LENGTH)


class DoneForm(IdempotentForm):
    # Zero is a real answer here: a batch can end with no good parts, or with no scrap.
    good = quantity_field(_("Good"), min_value=0)
    scrap = quantity_field(_("Scrap"), min_value=0, initial=0)
    scrap_cause = forms.ChoiceField(
        label=_("Cause of scrap"), choices=[("", "—"), *DefectCause.choices], required=False
    )


class CancelForm(IdempotentForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class JobEndForm(ServiceErrorsMixin, IdempotentForm):
    """Cancel or close a job: a reason code, the hub's own note, and (when suppliers hold
    accepted orders) the hub's word that it agreed with them how their work is paid."""

    reason = forms.ChoiceField(label=_("Reason"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note (only your shop sees it)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suppliers_agreed = forms.BooleanField(
        label=_("I have agreed with these suppliers how the work they have done is paid."),
        required=False,
    )

    def __init__(self, *args, action: str, contracted: list[Order], **kwargs):
        super().__init__(*args, **kwargs)
        self.contracted = contracted
        self.fields["reason"].choices = END_REASONS[action]
        self.fields["reason"].error_messages["required"] = _("Choose a reason.")
        self.fields["reason"].error_messages["invalid_choice"] = _("Choose a reason.")

    def clean(self):
        cleaned = super().clean()
        # The service checks this too; asked here so that it shows with the other errors.
        if self.contracted and not cleaned.get("suppliers_agreed"):
            self.add_error("suppliers_agreed", agreement_missing(self.contracted))
        return cleaned


class ShipForm(IdempotentForm):
    quantity = quantity_field(_("Quantity shipped"))
    to_step = forms.UUIDField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReceiveForm(IdempotentForm):
    # Zero: the parcel arrived empty or everything was lost; the shortfall is recorded.
    quantity = quantity_field(_("Quantity received"), min_value=0)
    # Counted at receipt (unless the buyer inspects later): parts that cannot be used.
    rejected = quantity_field(_("Rejected"), min_value=0, initial=0, required=False)
    cause = forms.ChoiceField(
        label=_("Cause"), choices=[("", "—"), *DefectCause.choices], required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, inspect_later: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if inspect_later:
            del self.fields["rejected"], self.fields["cause"]


class InspectForm(ServiceErrorsMixin, IdempotentForm):
    """検収: how many of the received parts are accepted and rejected, and what becomes of the
    rejects."""

    accepted = quantity_field(_("Accepted"), min_value=0)
    rejected = quantity_field(_("Rejected"), min_value=0, initial=0)
    cause = forms.ChoiceField(
        label=_("Cause"), choices=[("", "—"), *DefectCause.choices], required=False
    )
    reject_action = forms.ChoiceField(
        label=_("Rejected parts"), choices=[("", "—"), *RejectAction.choices], required=False
    )
    inspected_on = forms.DateField(label=_("Inspection date"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReturnForm(ServiceErrorsMixin, IdempotentForm):
    quantity = quantity_field(_("Quantity returned"))
    cause = forms.ChoiceField(label=_("Cause"), choices=DefectCause.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class SupplyForm(IdempotentForm):
    quantity = quantity_field(_("Quantity supplied"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReworkForm(IdempotentForm):
    action = forms.ChoiceField(
        label=_("What to do"),
        choices=[("rework", _("Rework")), ("replace", _("Make replacements"))],
        widget=forms.RadioSelect,
    )


class TermsForm(ServiceErrorsMixin, forms.Form):
    price = DecimalField(
        label=_("Price (excl. tax, JPY)"),
        min_value=1,
        max_digits=12,
        decimal_places=0,
        units=("円",),
        widget=NumberTextInput(),
    )
    due_date = forms.DateField(label=_("Delivery date"), widget=DateInput())
    delivery_place = forms.CharField(label=_("Delivery place"), max_length=300)
    inspection_due_date = forms.DateField(
        label=_("Inspection completion date"),
        widget=DateInput(),
        required=False,
        help_text=_("Only when you inspect the delivered parts."),
    )
    payment_due_date = forms.DateField(
        label=_("Payment due date"),
        widget=DateInput(),
        required=False,
        help_text=_(
            "At most 60 days after delivery (取適法). Filled in from the payment terms agreed "
            "with the supplier; you may change it."
        ),
    )
    payment_method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    transfer_fee_payer = forms.ChoiceField(
        label=_("Transfer fee (振込手数料)"),
        choices=[
            ("", _("As agreed with the supplier (else the buyer)")),
            *TransferFeePayer.choices,
        ],
        required=False,
        help_text=_("Under 取適法 the buyer bears it, whatever was agreed."),
    )
    terms_note = forms.CharField(
        label=_("Other terms"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    material_supply = forms.ChoiceField(
        label=_("Material supply"),
        choices=MaterialSupply.choices,
        required=False,
        widget=forms.RadioSelect,
        initial=MaterialSupply.NONE,
    )
    supply_note = forms.CharField(
        label=_("Supplied material or parts"), required=False, max_length=300
    )
    supply_price = DecimalField(
        label=_("Price of supplied material (excl. tax, JPY)"),
        required=False,
        min_value=1,
        max_digits=12,
        decimal_places=0,
        units=("円",),
        widget=NumberTextInput(),
    )
    supply_settlement_date = forms.DateField(
        label=_("Settlement date for supplied material"),
        widget=DateInput(),
        required=False,
        help_text=_("Not before the supplier is paid for the goods made from it."),
    )

    def terms(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in self.fields if k in TERMS_KEYS}


TERMS_KEYS = (
    "price",
    "due_date",
    "delivery_place",
    "inspection_due_date",
    "payment_due_date",
    "payment_method",
    "transfer_fee_payer",
    "terms_note",
    "material_supply",
    "supply_note",
    "supply_price",
    "supply_settlement_date",
)


class OrderRequestForm(TermsForm, IdempotentForm):
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Workshop.objects.none(), to_field_name="uuid"
    )
    steps = forms.ModelMultipleChoiceField(
        label=_("Steps"),
        queryset=Step.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="uuid",
    )

    field_order = ["steps", "supplier"]

    def __init__(self, *args, routable, suppliers, lines=(), **kwargs):
        """`lines`: (part, quantity) of the chosen steps, one optional unit price (単価) each;
        given for every part, the order's price is their sum."""
        super().__init__(*args, **kwargs)
        self.fields["steps"].queryset = routable
        self.fields["steps"].label_from_instance = lambda s: s.label
        self.fields["supplier"].queryset = suppliers
        self.fields["supplier"].label_from_instance = lambda w: w.display_name
        # The price may come from the lines instead: `clean` asks for one or the other.
        self.fields["price"].required = False
        self.line_parts: dict[str, Part] = {}
        for part, quantity in lines:
            name = f"unit_price_{part.uuid.hex}"
            self.fields[name] = DecimalField(
                label=_("Unit price: %(part)s × %(quantity)s")
                % {"part": part.name, "quantity": quantity},
                required=False,
                min_value=Decimal("0.01"),
                max_digits=14,
                decimal_places=2,
                units=("円",),
                widget=NumberTextInput(decimal=True),
            )
            self.line_parts[name] = part

    @property
    def unit_price_fields(self) -> list:
        return [self[name] for name in self.line_parts]

    def clean(self):
        data = super().clean()
        given = [n for n in self.line_parts if data.get(n) is not None]
        if data.get("price") is None and not given and "price" not in self.errors:
            self.add_error("price", _("Enter the price, or a unit price for every part."))
        return data

    def terms(self) -> dict:
        terms = super().terms()
        prices = {
            str(part.uuid): self.cleaned_data.get(name)
            for name, part in self.line_parts.items()
            if self.cleaned_data.get(name) is not None
        }
        if prices:
            # Some parts left without a unit price are refused by the service, by name.
            terms["unit_prices"] = {
                str(part.uuid): self.cleaned_data.get(name)
                for name, part in self.line_parts.items()
            }
        return terms


class ChangeTermsForm(TermsForm):
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)

    @classmethod
    def for_order(cls, order: Order, data=None) -> ChangeTermsForm:
        initial = {k: getattr(order, k) for k in TERMS_KEYS}
        return cls(data, initial=initial)


class DeclineForm(IdempotentForm):
    """Why the supplier declines: one reason from the list, and a note (needed for "another
    reason"). The service checks the same; the form says it all at once."""

    code = forms.ChoiceField(
        label=_("Reason"),
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why you decline.")},
    )
    reason = forms.CharField(
        label=_("Note to the buyer"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("code") == DeclineReason.OTHER and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say in a few words what the reason is."))
        return data


class ConfirmForm(IdempotentForm):
    """An action with nothing to fill in but its key."""


PRIORITY_CHOICES = Priority.choices


SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class ScoreField(forms.TypedChoiceField):
    """A score from 1 to 5, as five radio buttons (big tap targets in the template)."""

    def __init__(self, **kwargs):
        message = _("Choose a score from 1 to 5.")
        super().__init__(
            choices=SCORE_CHOICES,
            coerce=int,
            widget=forms.RadioSelect,
            error_messages={"required": message, "invalid_choice": message},
            **kwargs,
        )


class RatingForm(ServiceErrorsMixin, forms.Form):
    quality = ScoreField(label=_("Quality"))
    delivery = ScoreField(label=_("Delivery"))
    cost = ScoreField(label=_("Cost"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Shown with your workshop's name to the district's members."),
    )


class RatingReplyForm(ServiceErrorsMixin, forms.Form):
    reply = forms.CharField(
        label=_("Reply"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a reply.")},
        help_text=_("You can reply once. It is shown under the rating."),
    )


CLOSING_DAY_CHOICES = [(31, _("Month end"))] + [(d, str(d)) for d in range(1, 29)]
PAYMENT_MONTH_CHOICES = [
    (0, _("The same month")),
    (1, _("The next month")),
    (2, _("The month after next")),
]


class TradingTermsForm(ServiceErrorsMixin, forms.Form):
    """締日・支払月・支払日 of a trading pair."""

    closing_day = forms.TypedChoiceField(
        label=_("Closing day"), choices=CLOSING_DAY_CHOICES, coerce=int
    )
    payment_month_offset = forms.TypedChoiceField(
        label=_("Payment month"), choices=PAYMENT_MONTH_CHOICES, coerce=int
    )
    payment_day = forms.TypedChoiceField(
        label=_("Payment day"), choices=CLOSING_DAY_CHOICES, coerce=int
    )
    transfer_fee_payer = forms.ChoiceField(
        label=_("Transfer fee (振込手数料)"),
        choices=TransferFeePayer.choices,
        help_text=_(
            "Under 取適法, deducting the fee from the supplier's payment is a prohibited "
            "reduction (減額) even when agreed: choose the supplier only where the Act does "
            "not apply."
        ),
        required=False,
    )

    def clean_transfer_fee_payer(self) -> str:
        # Not sent (an older client): the pair's current choice stands, else the buyer.
        return (
            self.cleaned_data.get("transfer_fee_payer")
            or self.initial.get("transfer_fee_payer")
            or TransferFeePayer.BUYER
        )


class CounterForm(ServiceErrorsMixin, forms.Form):
    """The supplier's counter-offer: another price or delivery date."""

    price = DecimalField(
        label=_("Price (excl. tax, JPY)"),
        min_value=1,
        max_digits=12,
        decimal_places=0,
        units=("円",),
        widget=NumberTextInput(),
    )
    due_date = forms.DateField(label=_("Delivery date"), widget=DateInput())
    note = forms.CharField(
        label=pgettext_lazy("counter-offer", "Note to the buyer"), required=False, max_length=300
    )

    @classmethod
    def for_order(cls, order: Order, data=None) -> CounterForm:
        return cls(
            data, prefix="counter", initial={"price": order.price, "due_date": order.due_date}
        )


class CounterAnswerForm(ServiceErrorsMixin, forms.Form):
    """The buyer's answer to a counter-offer; the payment date is kept or refilled."""

    payment_due_date = forms.DateField(
        label=_("Payment due date"),
        widget=DateInput(),
        required=False,
        help_text=_(
            "Leave empty to keep the request's date, or to fill it in from the payment terms "
            "for the new delivery date."
        ),
    )
    reason = forms.CharField(
        label=pgettext_lazy("counter-offer", "Reason (when declining)"),
        required=False,
        max_length=300,
    )


class PartForm(ServiceErrorsMixin, forms.Form):
    """A part of a job (部品): what it is, which drawing, of what, how many."""

    name = forms.CharField(label=_("Part name"), max_length=200)
    drawing_number = forms.CharField(label=_("Drawing number"), max_length=100, required=False)
    revision = forms.CharField(
        label=_("Revision"), max_length=20, required=False, help_text=_("e.g. A, B, 3")
    )
    material = forms.ModelChoiceField(
        label=_("Material"), queryset=Material.objects.all(), required=False
    )
    material_note = forms.CharField(label=_("Material (other)"), max_length=100, required=False)
    quantity = quantity_field(_("Quantity"))


class StepInputsForm(forms.Form):
    """Which parts an assembly step joins, and how many of each go into one unit it makes:
    one count field per other part of the job (blank or 0: not used)."""

    def __init__(self, *args, step: Step, parts, **kwargs):
        super().__init__(*args, **kwargs)
        current = {i.part_id: i.per_unit for i in step.inputs.all()}
        self.parts = [p for p in parts if p.pk != step.part_id]
        for part in self.parts:
            self.fields[f"part_{part.pk}"] = IntegerField(
                label=str(part),
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                units=QUANTITY_UNITS,
                initial=current.get(part.pk),
                help_text=_("How many go into one unit. Blank: not used."),
            )

    def inputs(self) -> list[tuple]:
        return [
            (part, self.cleaned_data[f"part_{part.pk}"])
            for part in self.parts
            if self.cleaned_data.get(f"part_{part.pk}")
        ]


class PaymentForm(ServiceErrorsMixin, forms.Form):
    """A payment the buyer made against an order."""

    paid_on = forms.DateField(label=_("Payment date"), widget=DateInput())
    amount = DecimalField(
        label=_("Amount (tax incl., JPY)"),
        max_digits=12,
        decimal_places=0,
        units=("円",),
        widget=NumberTextInput(),
    )
    means = forms.ChoiceField(
        label=_("Means of payment"), choices=PaymentMethod.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=pgettext_lazy("payment", "Note"), required=False, max_length=300)
