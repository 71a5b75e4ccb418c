# A step's hold reason was stored as the label text in the language of whoever held it
# ("設備故障: 主軸異音", "Machine down"); it is now a code (HoldReason) plus an optional note, and
# each viewer reads the label in their own language.
#
# Forward: a known label (Japanese or English), alone or followed by ": <note>", becomes its
# code and the note; a bare code stays; any other text becomes "other" with the text as its
# note. Backward: the Japanese label (the site's default language), then ": <note>".

from django.db import migrations, models

# The labels as they were stored, frozen here: the catalogue may change after this migration.
LABELS = {
    "material": ("材料待ち", "Waiting for material"),
    "tooling": ("工具・治具待ち", "Waiting for tools or jigs"),
    "machine": ("設備故障", "Machine down"),
    "quality": ("品質問題", "Quality problem"),
    "drawing": ("図面の確認待ち", "Question about the drawing"),
    "other": ("その他", "Other"),
}
SEPARATOR = ": "
NOTE_LENGTH = 200


def code_and_note(text: str) -> tuple[str, str]:
    text = text.strip()
    if text in LABELS:
        return text, ""
    for code, labels in LABELS.items():
        for label in labels:
            if text == label:
                return code, ""
            if text.startswith(label + SEPARATOR):
                return code, text[len(label) + len(SEPARATOR) :].strip()[:NOTE_LENGTH]
    return "other", text[:NOTE_LENGTH]


def text_of(code: str, note: str) -> str:
    label = LABELS.get(code, (code,))[0]
    return f"{label}{SEPARATOR}{note}"[:200] if note else label


def codes_from_labels(apps, schema_editor):
    Step = apps.get_model("orders", "Step")
    for step in Step.objects.exclude(hold_reason="").only("pk", "hold_reason").iterator():
        step.hold_reason, step.hold_note = code_and_note(step.hold_reason)
        step.save(update_fields=["hold_reason", "hold_note"])


def labels_from_codes(apps, schema_editor):
    Step = apps.get_model("orders", "Step")
    for step in Step.objects.exclude(hold_reason="").only("pk", "hold_reason", "hold_note"):
        step.hold_reason = text_of(step.hold_reason, step.hold_note)
        step.hold_note = ""
        step.save(update_fields=["hold_reason", "hold_note"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_move_district_targets_to_districts"),
    ]

    operations = [
        migrations.AddField(
            model_name="step",
            name="hold_note",
            field=models.CharField(blank=True, max_length=200, verbose_name="hold note"),
        ),
        migrations.RunPython(codes_from_labels, labels_from_codes),
        migrations.AlterField(
            model_name="step",
            name="hold_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("material", "Waiting for material"),
                    ("tooling", "Waiting for tools or jigs"),
                    ("machine", "Machine down"),
                    ("quality", "Quality problem"),
                    ("drawing", "Question about the drawing"),
                    ("other", "Other"),
                ],
                max_length=16,
                verbose_name="hold reason",
            ),
        ),
    ]
