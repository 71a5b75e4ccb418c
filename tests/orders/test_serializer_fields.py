"""Serializers whose fields are built once per class (core/api.py `FieldsBuiltOnce`) answer
exactly what DRF's own ModelSerializer answers, and no two instances share a field; the step's
answer, whose plain fields are shared (`SimpleFieldsShared`), too."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework import serializers

from orders.api.serializers import StepSerializer
from orders.models import Step

pytestmark = pytest.mark.django_db


class PlainStepSerializer(StepSerializer):
    """StepSerializer's fields as DRF builds them for every instance, read as DRF reads them."""

    def get_fields(self):
        return serializers.ModelSerializer.get_fields(self)

    def to_representation(self, instance):
        return serializers.ModelSerializer.to_representation(self, instance)


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


def test_shared_plain_fields_answer_what_drf_answers_for_every_state(chain, routed_job):
    """Every state a step's answer shows (planned, held with a reason and note, done with
    counts, scrap and times, with predecessors and orders), in ja and en, and a list of them:
    the answer with plain fields shared is DRF's own, and only the fields that reach the
    serializer are made for each one."""
    from core.api import SimpleFieldsShared
    from orders.services.progress import step_done, step_hold, step_start

    _job, steps, orders = routed_job
    step_start(step=steps["L"], actor=chain.turner_floor)
    step_done(step=steps["L"], actor=chain.turner_floor, good=95, scrap=5, scrap_cause="dimension")
    step_hold(step=steps["ASM"], actor=chain.hub_owner, reason="material", note="SUS 待ち")
    rows = list(Step.objects.select_related("process", "workshop", "part").order_by("pk"))
    context = {
        "predecessors": {s.pk: [p for p in rows if p.pk != s.pk][:1] for s in rows},
        "step_orders": {s.pk: list(orders.values()) for s in rows},
    }
    for language in ("ja", "en"):
        with translation.override(language):
            for step in rows:
                ours = StepSerializer(step, context=context)
                assert ours.data == PlainStepSerializer(step, context=context).data
                assert "fields" not in ours.__dict__  # the full set was never built
            assert (
                StepSerializer(rows, many=True, context=context).data
                == PlainStepSerializer(rows, many=True, context=context).data
            )
    shared = {name for name, field in StepSerializer._output_plan() if field is not None}
    assert {"id", "status", "good_qty", "finished_at", "hold_reason_label"} <= shared
    assert not shared & {"workshop", "predecessors", "orders", "part", "rework_of"}
    assert issubclass(StepSerializer, SimpleFieldsShared)
