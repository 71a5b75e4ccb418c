"""The forms of purchase statements: choose a supplier and month, pick the receipts, dispute,
pay."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from workshops.forms import ServiceErrorsMixin

from .forms import PaymentForm


class StatementForm(ServiceErrorsMixin, forms.Form):
    """A purchase statement to preview and issue: the supplier and the month its closing
    period ends in; on issue, the receipts chosen from the preview."""

    supplier = forms.ChoiceField(label=_("Supplier"))
    month = forms.CharField(
        label=_("Month (the period ends on its closing day)"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )
    receipts = forms.MultipleChoiceField(
        label=_("Receipts on the statement"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, data=None, *, suppliers, receipt_keys=(), **kwargs):
        super().__init__(data, **kwargs)
        self.suppliers = {str(w.uuid): w for w in suppliers}
        self.fields["supplier"].choices = [("", "—")] + [
            (str(w.uuid), w.display_name) for w in suppliers
        ]
        self.fields["receipts"].choices = [(k, k) for k in receipt_keys]

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        try:
            year, month = (int(x) for x in value.split("-"))
            dt.date(year, month, 1)
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None
        return (year, month)

    def clean_supplier(self):
        return self.suppliers[self.cleaned_data["supplier"]]


class StatementDisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with the statement"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StatementPaymentForm(PaymentForm):
    """A payment the buyer made against a purchase statement."""
