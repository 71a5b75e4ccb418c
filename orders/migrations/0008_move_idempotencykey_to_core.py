# The model now lives in core (core 0001 takes it over, same table): orders forgets it, in
# Django's state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0007_district_event'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='IdempotencyKey')],
            database_operations=[],
        ),
    ]
