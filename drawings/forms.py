"""Input for the drawings pages. The files themselves are judged by the service, from content."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import Step
from workshops.forms import ServiceErrorsMixin

from .models import Drawing

# What the file picker offers (and the tablet's camera): a hint to the browser only; the
# server decides from the content.
ACCEPT = ",".join(
    (
        *(".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".dxf", ".stp", ".step"),
        *("application/pdf", "image/png", "image/jpeg", "image/tiff"),
    )
)


def job_steps(job):
    """The steps a drawing can be marked for: the job's, in order."""
    steps = Step.objects.filter(job=job).select_related("process", "workshop")
    return steps.order_by("position", "pk")


class StepChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, step: Step) -> str:
        return f"{step.process.name} {step.title}".strip() + f" ({step.workshop.display_name})"


class UploadForm(ServiceErrorsMixin, forms.Form):
    """One or more files. With one file, the number and revision typed here are used; with
    several (the form without JavaScript), each file's number comes from its name and each
    becomes the next revision of its number."""

    number = forms.CharField(
        label=_("Drawing number"),
        max_length=100,
        required=False,
        help_text=_("Taken from the file name when left empty."),
    )
    revision = forms.CharField(
        label=_("Revision"),
        max_length=20,
        required=False,
        help_text=_("A, B, C … or your own scheme; the next one when left empty."),
    )
    steps = StepChoiceField(
        label=_("Steps that use this drawing"),
        queryset=Step.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An order shows its supplier the drawings its steps use, unless you choose."),
    )

    def __init__(self, *args, job, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["steps"].queryset = job_steps(job)


class StepsForm(forms.Form):
    steps = StepChoiceField(
        label=_("Steps that use this drawing"),
        queryset=Step.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, job, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["steps"].queryset = job_steps(job)


class DrawingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, drawing: Drawing) -> str:
        return drawing.number


class SharingForm(ServiceErrorsMixin, forms.Form):
    """What an order's supplier sees. The two permissions are the hub's alone."""

    drawings = DrawingChoiceField(
        label=_("Drawings the supplier sees"),
        queryset=Drawing.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    download = forms.BooleanField(label=_("May download the original files"), required=False)
    reshare = forms.BooleanField(label=_("May pass drawings on to a sub-supplier"), required=False)

    def __init__(self, *args, choices, hub: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["drawings"].queryset = choices
        if not hub:
            del self.fields["download"]
            del self.fields["reshare"]
