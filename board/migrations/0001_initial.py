"""The open board's models move from orders to board without moving their rows: the tables
keep their names (orders_posting, orders_postinginvite, orders_offer and the posting's
many-to-many tables); only Django's state changes. orders 0009 forgets them."""

import uuid

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("orders", "0008_move_idempotencykey_to_core"),
        ("workshops", "0004_workshop_work_day_end_workshop_work_day_start_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Offer",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "price",
                            models.DecimalField(
                                decimal_places=0, max_digits=12, verbose_name="price (excl. tax, JPY)"
                            ),
                        ),
                        (
                            "lead_time_days",
                            models.PositiveIntegerField(
                                blank=True, null=True, verbose_name="lead time (days)"
                            ),
                        ),
                        ("promised_date", models.DateField(verbose_name="promised delivery date")),
                        ("note", models.TextField(blank=True, max_length=1000, verbose_name="note")),
                        ("valid_until", models.DateField(verbose_name="valid until")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("active", "Offered"),
                                    ("withdrawn", "Withdrawn"),
                                    ("awarded", "Awarded"),
                                    ("not_selected", "Went elsewhere"),
                                    ("closed", "Closed without award"),
                                ],
                                default="active",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("revision", models.PositiveIntegerField(default=1)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "offered_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "workshop",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="offers",
                                to="workshops.workshop",
                                verbose_name="workshop",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "orders_offer",
                        "verbose_name": "offer",
                        "verbose_name_plural": "offers",
                        "ordering": ["price", "promised_date", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="Posting",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "quantity",
                            models.PositiveIntegerField(
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="quantity",
                            ),
                        ),
                        (
                            "material_note",
                            models.CharField(blank=True, max_length=100, verbose_name="material (other)"),
                        ),
                        ("size_mm", models.JSONField(blank=True, default=list, verbose_name="size (mm)")),
                        (
                            "tolerance_um",
                            models.DecimalField(
                                blank=True,
                                decimal_places=1,
                                max_digits=7,
                                null=True,
                                verbose_name="tolerance (µm)",
                            ),
                        ),
                        ("due_date", models.DateField(verbose_name="delivery date")),
                        ("answer_by", models.DateTimeField(verbose_name="answer by")),
                        (
                            "description",
                            models.TextField(blank=True, max_length=2000, verbose_name="what is asked"),
                        ),
                        (
                            "share_drawings",
                            models.BooleanField(
                                default=True, verbose_name="share the drawings with invited shops"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open for offers"),
                                    ("awarded", "Awarded"),
                                    ("closed", "Closed without award"),
                                    ("withdrawn", "Withdrawn"),
                                ],
                                default="open",
                                max_length=12,
                                verbose_name="status",
                            ),
                        ),
                        ("posted_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "awarded_offer",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="board.offer",
                            ),
                        ),
                        (
                            "buyer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="postings",
                                to="workshops.workshop",
                                verbose_name="buyer",
                            ),
                        ),
                        (
                            "certifications",
                            models.ManyToManyField(
                                blank=True,
                                related_name="+",
                                to="workshops.certification",
                                verbose_name="certifications required",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "districts",
                            models.ManyToManyField(
                                related_name="postings", to="workshops.district", verbose_name="districts"
                            ),
                        ),
                        (
                            "job",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="postings",
                                to="orders.job",
                            ),
                        ),
                        (
                            "material",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to="workshops.material",
                                verbose_name="material",
                            ),
                        ),
                        (
                            "order",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="posting",
                                to="orders.order",
                            ),
                        ),
                        (
                            "posted_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "process",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="workshops.process",
                                verbose_name="process",
                            ),
                        ),
                        (
                            "steps",
                            models.ManyToManyField(
                                related_name="postings", to="orders.step", verbose_name="steps"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "orders_posting",
                        "verbose_name": "posting",
                        "verbose_name_plural": "postings",
                        "ordering": ["answer_by", "pk"],
                    },
                ),
                migrations.AddField(
                    model_name="offer",
                    name="posting",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="offers",
                        to="board.posting",
                    ),
                ),
                migrations.CreateModel(
                    name="PostingInvite",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "posting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="invites",
                                to="board.posting",
                            ),
                        ),
                        (
                            "workshop",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="invites",
                                to="workshops.workshop",
                            ),
                        ),
                    ],
                    options={"db_table": "orders_postinginvite"},
                ),
                migrations.AddIndex(
                    model_name="posting",
                    index=models.Index(
                        fields=["status", "answer_by"], name="orders_post_status_00b078_idx"
                    ),
                ),
                migrations.AddIndex(
                    model_name="posting",
                    index=models.Index(fields=["buyer", "status"], name="orders_post_buyer_i_79c028_idx"),
                ),
                migrations.AddIndex(
                    model_name="offer",
                    index=models.Index(
                        fields=["workshop", "status"], name="orders_offe_worksho_dab4df_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="offer",
                    constraint=models.UniqueConstraint(
                        fields=("posting", "workshop"), name="unique_offer_per_shop"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="offer",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("price__gt", 0)), name="offer_price_positive"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="postinginvite",
                    constraint=models.UniqueConstraint(
                        fields=("posting", "workshop"), name="unique_posting_invite"
                    ),
                ),
            ],
        ),
    ]
