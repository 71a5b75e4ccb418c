# IdempotencyKey moves from orders to core without moving its rows: the table stays
# orders_idempotencykey; only Django's state changes (orders 0008 removes it from orders).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('orders', '0007_district_event'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IdempotencyKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=64)),
                        ('action', models.CharField(max_length=60)),
                        ('result', models.JSONField(default=dict)),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'orders_idempotencykey',
                        'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='unique_idempotency_key')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
