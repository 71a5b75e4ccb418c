import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every step and hand-off has its part (0014 gave each one); from here on it is required.
    Apart from 0014 so that PostgreSQL alters the tables after the rows' updates committed."""

    dependencies = [("orders", "0014_parts")]

    operations = [
        migrations.AlterField(
            model_name="step",
            name="part",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="steps",
                to="orders.part",
                verbose_name="part",
            ),
        ),
        migrations.AlterField(
            model_name="handoff",
            name="part",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="handoffs",
                to="orders.part",
            ),
        ),
    ]
