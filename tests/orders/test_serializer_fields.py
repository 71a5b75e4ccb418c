"""Serializers whose fields are built once per class (core/api.py `FieldsBuiltOnce`) answer
exactly what DRF's own ModelSerializer answers, and no two instances share a field."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework import serializers

from orders.api.serializers import StepSerializer
from orders.models import Step

pytestmark = pytest.mark.django_db


class PlainStepSerializer(StepSerializer):
    """StepSerializer's fields as DRF builds them for every instance."""

    def get_fields(self):
        return serializers.ModelSerializer.get_fields(self)


def test_the_answer_is_the_one_drf_builds_and_fields_are_never_shared(routed_job):
    _job, steps, _ = routed_job
    step = Step.objects.select_related("process", "workshop", "part").get(pk=steps["L"].pk)
    context = {"predecessors": {}, "step_orders": {}}
    plain = PlainStepSerializer
    for language in ("ja", "en"):
        with translation.override(language):
            first, second = (
                StepSerializer(step, context=context),
                StepSerializer(step, context=context),
            )
            assert first.data == plain(step, context=context).data
            assert second.data == first.data
            assert not set(map(id, first.fields.values())) & set(map(id, second.fields.values()))
            assert all(field.parent is first for field in first.fields.values())
            assert (
                first.fields["status"].choices
                == plain(step, context=context).fields["status"].choices
            )


def test_the_hold_reasons_label_is_read_in_the_readers_language_without_inspecting(
    routed_job, monkeypatch
):
    """`ChoiceLabelField` answers what `CharField(source="get_hold_reason_display")` answered,
    without DRF's signature check of the method on every read."""
    _job, steps, _ = routed_job
    step = Step.objects.select_related("process", "workshop", "part").get(pk=steps["L"].pk)
    step.hold_reason = "material"
    context = {"predecessors": {}, "step_orders": {}}

    class Before(StepSerializer):
        hold_reason_label = serializers.CharField(source="get_hold_reason_display")

    labels = {}
    for language in ("ja", "en"):
        with translation.override(language):
            before = Before(step, context=context).data["hold_reason_label"]
            monkeypatch.setattr(
                "inspect.signature", lambda *a, **k: pytest.fail("a callable was inspected")
            )
            labels[language] = StepSerializer(step, context=context).data["hold_reason_label"]
            monkeypatch.undo()
            assert labels[language] == before == step.get_hold_reason_display()
    assert labels["ja"] != labels["en"]
