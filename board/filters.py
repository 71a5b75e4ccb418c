"""The open board's list filter, for the page and the API alike."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from workshops.filters import CodeMultipleChoiceFilter, split_commas
from workshops.models import Membership, Process

from .models import Posting, PostingStatus

POSTING_ROLE_CHOICES = [
    ("buyer", _("Posted by my workshop")),
    ("invited", _("Sent to my workshop")),
]


class PostingFilter(django_filters.FilterSet):
    """The open board's postings; the queryset is already `postings_visible_to(user)`."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=PostingStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    process = CodeMultipleChoiceFilter(
        label=_("Process"), queryset=Process.objects.all(), method="filter_process"
    )
    role = django_filters.ChoiceFilter(
        label=_("My role"), choices=POSTING_ROLE_CHOICES, method="filter_role"
    )
    job = django_filters.UUIDFilter(label=_("Job"), field_name="job__uuid")

    class Meta:
        model = Posting
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(split_commas(data, ("status", "process")), *args, **kwargs)

    def filter_process(self, queryset, name, value):
        return queryset.filter(process__in=value) if value else queryset

    def filter_role(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        managed = Membership.objects.managed_by(user).values("workshop_id")
        if value == "buyer":
            return queryset.filter(buyer_id__in=managed)
        if value == "invited":
            return queryset.filter(invites__workshop_id__in=managed).distinct()
        return queryset


def active_filter_labels(filterset: PostingFilter) -> list[str]:
    """What a valid filter narrows the board to, in words: the closed filter's one-line summary."""
    data = filterset.form.cleaned_data
    statuses = dict(PostingStatus.choices)
    labels = [str(statuses[code]) for code in data.get("status") or []]
    labels += [process.name for process in data.get("process") or []]
    role = data.get("role")
    if role:
        labels.append(str(dict(POSTING_ROLE_CHOICES)[role]))
    if data.get("job"):
        labels.append(str(_("This job only")))
    return labels
