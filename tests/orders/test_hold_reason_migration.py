"""orders 0011_hold_reason_code: hold reasons stored as label text (in whichever language the
holder used) become a code plus a note, and back."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from orders.models import HoldReason, Step
from tests.orders.conftest import add, post_job

migration = importlib.import_module("orders.migrations.0011_hold_reason_code")

BEFORE = [("orders", "0010_move_district_targets_to_districts")]
AFTER = [("orders", "0011_hold_reason_code")]


@pytest.mark.parametrize(
    ("text", "code", "note"),
    [
        ("設備故障", "machine", ""),
        ("Machine down", "machine", ""),
        ("材料待ち: SUS304 入荷待ち", "material", "SUS304 入荷待ち"),
        ("Waiting for tools or jigs: φ8 end mill", "tooling", "φ8 end mill"),
        ("図面の確認待ち", "drawing", ""),
        ("Quality problem:  burrs ", "quality", "burrs"),
        ("その他: 停電", "other", "停電"),
        ("quality", "quality", ""),  # a code already (an integration, a test)
        ("段取り替え中", "other", "段取り替え中"),
        ("Machine downtime", "other", "Machine downtime"),  # a label's prefix is not the label
    ],
)
def test_it_reads_a_code_and_a_note_from_each_kind_of_stored_text(text, code, note):
    assert migration.code_and_note(text) == (code, note)


def test_every_code_has_its_labels_frozen_in_the_migration():
    assert set(migration.LABELS) == set(HoldReason.values)
    for code, (ja, en) in migration.LABELS.items():
        with translation.override("ja"):
            assert str(HoldReason(code).label) == ja
        with translation.override("en"):
            assert str(HoldReason(code).label) == en


@pytest.mark.django_db(transaction=True)
def test_it_migrates_held_steps_forward_and_back(chain):
    job = post_job(chain)
    texts = ["設備故障: 主軸異音", "Waiting for material", "段取り替え中", ""]
    steps = [add(job, chain, "ASM", 1) for _ in texts]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old_step = executor.loader.project_state(BEFORE).apps.get_model("orders", "Step")
        for step, text in zip(steps, texts, strict=True):
            old_step.objects.filter(pk=step.pk).update(hold_reason=text)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        forward = dict(Step.objects.filter(job=job).values_list("pk", "hold_reason"))
        notes = dict(Step.objects.filter(job=job).values_list("pk", "hold_note"))
        assert [(forward[s.pk], notes[s.pk]) for s in steps] == [
            ("machine", "主軸異音"),
            ("material", ""),
            ("other", "段取り替え中"),
            ("", ""),
        ]

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old_step = executor.loader.project_state(BEFORE).apps.get_model("orders", "Step")
        back = dict(old_step.objects.filter(job_id=job.pk).values_list("pk", "hold_reason"))
        assert [back[s.pk] for s in steps] == [
            "設備故障: 主軸異音",
            "材料待ち",
            "その他: 段取り替え中",
            "",
        ]
    finally:
        # Back to the newest state, whatever came after this migration.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
