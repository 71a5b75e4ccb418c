# The district dashboard's own models (targets and their change log) move from orders to
# districts without moving their rows: the tables keep their names; only Django's state
# changes. orders 0010 forgets them.

import uuid

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('orders', '0009_move_open_board_to_board'),
        ('workshops', '0004_workshop_work_day_end_workshop_work_day_start_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='DistrictTarget',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('metric', models.CharField(choices=[('participating', 'Participating workshops'), ('matches', 'Matches on the open board'), ('joint_orders', 'Joint orders (共同受注)'), ('jobs_completed', 'Jobs completed')], max_length=20, verbose_name='measure')),
                        ('value', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='target')),
                        ('starts_on', models.DateField(verbose_name='from')),
                        ('ends_on', models.DateField(verbose_name='by')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='targets', to='workshops.district')),
                    ],
                    options={
                        'db_table': 'orders_districttarget',
                        'verbose_name': 'district target',
                        'verbose_name_plural': 'district targets',
                        'ordering': ['ends_on', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('ends_on__gt', models.F('starts_on'))), name='target_period_forward')],
                    },
                ),
                migrations.CreateModel(
                    name='DistrictEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('target.created', 'Target added'), ('target.deleted', 'Target removed')], max_length=40)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('district', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='workshops.district')),
                    ],
                    options={
                        'db_table': 'orders_districtevent',
                        'verbose_name': 'district change log entry',
                        'verbose_name_plural': 'district change log',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
            ],
        ),
    ]
