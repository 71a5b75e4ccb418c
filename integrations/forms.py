from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.events import EVENT_LABELS


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("An https:// address of your system that accepts POST requests."),
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=list(EVENT_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service says what is missing, with every other problem
    )
