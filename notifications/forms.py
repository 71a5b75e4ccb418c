from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .kinds import KINDS
from .models import EmailMode


class PreferencesForm(forms.Form):
    """Per kind: by mail at once, in the digest, or not; and on my devices or not. Plus the
    digest's hour and the language of mail."""

    digest_hour = forms.TypedChoiceField(
        label=_("Daily digest at"),
        coerce=int,
        choices=[(h, f"{h}:00") for h in range(24)],
    )
    language = forms.ChoiceField(label=_("Language of mail"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, kind in KINDS.items():
            self.fields[f"email:{code}"] = forms.ChoiceField(
                label=kind.label, choices=EmailMode.choices
            )
            self.fields[f"push:{code}"] = forms.BooleanField(
                label=_("On my devices"), required=False
            )

    def rows(self):
        return [(self[f"email:{code}"], self[f"push:{code}"]) for code in KINDS]
