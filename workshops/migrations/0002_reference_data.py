from django.db import migrations


def load(apps, schema_editor):
    from workshops.reference_data import sync_reference_data

    sync_reference_data(
        apps.get_model("workshops", "Process"),
        apps.get_model("workshops", "Material"),
        apps.get_model("workshops", "Certification"),
    )


class Migration(migrations.Migration):
    dependencies = [("workshops", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
