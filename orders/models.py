"""What flows: jobs, their steps (a DAG), orders and sub-orders, documents, hand-offs, events."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import LogEntry
from workshops.models import Material, Process, Workshop

from .payment_terms import PaymentTerms
from .tax import total_tax


class Priority(models.IntegerChoices):
    NORMAL = 0, _("Normal")
    HIGH = 1, _("High")
    URGENT = 2, _("Urgent")


class JobStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    # Ended by the hub with what was made (the rest no longer needed): see docs/JOB_END.md.
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# A job in these states takes no more changes.
ENDED_JOB_STATES = (JobStatus.DONE, JobStatus.CLOSED, JobStatus.CANCELLED)


# Why the hub ends a job: codes are stored, the words are shown in the reader's language.
END_REASONS: dict[str, list[tuple[str, str]]] = {
    "cancel": [
        ("customer_cancelled", pgettext_lazy("job end reason", "The customer cancelled")),
        ("design_changed", pgettext_lazy("job end reason", "The design or drawing changed")),
        ("posted_by_mistake", pgettext_lazy("job end reason", "Posted twice or by mistake")),
        ("other", pgettext_lazy("job end reason", "Other")),
    ],
    "close": [
        ("delivered_as_made", pgettext_lazy("job end reason", "Delivered with what was made")),
        (
            "rest_not_needed",
            pgettext_lazy("job end reason", "The remaining steps are no longer needed"),
        ),
        ("finished_elsewhere", pgettext_lazy("job end reason", "Finished outside shopnet")),
        ("other", pgettext_lazy("job end reason", "Other")),
    ],
}
END_REASON_LABELS = {code: label for reasons in END_REASONS.values() for code, label in reasons}


class Job(models.Model):
    """案件: one part to make, owned by the hub that took the customer's order."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("hub")
    )
    part_name = models.CharField(_("part name"), max_length=200)
    drawing_number = models.CharField(_("drawing number"), max_length=100, blank=True)
    material = models.ForeignKey(
        Material, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("material")
    )
    material_note = models.CharField(_("material (other)"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    due_date = models.DateField(_("due date"))
    # Private to the hub's managers: never shown to suppliers, floor staff or the district.
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    priority = models.SmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.OPEN
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The last ProgressEvent.seq handed out; bumped under the job's row lock.
    last_seq = models.PositiveBigIntegerField(default=0)
    projected_finish = models.DateTimeField(null=True, blank=True)
    late_risk = models.BooleanField(default=False)
    # When a second workshop first accepted work on this job (a joint order, 共同受注).
    joint_at = models.DateTimeField(null=True, blank=True)
    # Why the hub cancelled or closed the job: a code of END_REASONS, and the
    # hub's own note (never shown to suppliers). Who and when are in the event log.
    end_reason = models.CharField(_("reason"), max_length=32, blank=True)
    end_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["due_date", "-priority", "pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["owner", "status", "due_date"])]

    def __str__(self) -> str:
        return (
            f"{self.part_name} ({self.drawing_number})" if self.drawing_number else self.part_name
        )

    @property
    def end_reason_label(self) -> str:
        return str(END_REASON_LABELS.get(self.end_reason, self.end_reason))


class PartQuerySet(models.QuerySet):
    def make_main(self, jobs: list[Job]) -> dict[int, Part]:
        """One part per job, from the job's own fields, in one insert (for seeding in bulk)."""
        parts = self.bulk_create(
            [
                Part(
                    job=job,
                    name=job.part_name,
                    drawing_number=job.drawing_number,
                    material_id=job.material_id,
                    material_note=job.material_note,
                    quantity=job.quantity,
                    position=0,
                )
                for job in jobs
            ]
        )
        return {part.job_id: part for part in parts}

    def main_for(self, job: Job) -> Part:
        """The job's first part, made from the job's own fields when it has none yet: a job
        posted with one part (every job before parts, every job a seed or a test makes
        directly) keeps working unchanged."""
        part = self.filter(job_id=job.pk).order_by("position", "pk").first()
        if part is None:
            part = self.create(
                job=job,
                name=job.part_name,
                drawing_number=job.drawing_number,
                material_id=job.material_id,
                material_note=job.material_note,
                quantity=job.quantity,
                position=0,
            )
        return part


class Part(models.Model):
    """部品: one kind of part a job makes, with its own drawing, material, quantity and steps.

    A job of one part (most jobs) has one row, made from the job's own fields. Assembly steps
    consume parts (`StepInput`), so the step DAG says what joins where."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(_("part name"), max_length=200)
    drawing_number = models.CharField(_("drawing number"), max_length=100, blank=True)
    revision = models.CharField(_("revision"), max_length=20, blank=True)
    material = models.ForeignKey(
        Material, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("material")
    )
    material_note = models.CharField(_("material (other)"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    position = models.PositiveIntegerField(default=0)

    objects = PartQuerySet.as_manager()

    class Meta:
        ordering = ["job", "position", "pk"]
        verbose_name = _("part")
        verbose_name_plural = _("parts")

    def __str__(self) -> str:
        return f"{self.name} ({self.drawing_number})" if self.drawing_number else self.name

    @property
    def material_label(self) -> str:
        return str(self.material) if self.material_id else self.material_note


class StepStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    READY = "ready", _("Ready")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class HoldReason(models.TextChoices):
    """Why a step is on hold: stored as the code, shown in the viewer's language."""

    MATERIAL = "material", _("Waiting for material")
    TOOLING = "tooling", _("Waiting for tools or jigs")
    MACHINE = "machine", _("Machine down")
    QUALITY = "quality", _("Quality problem")
    DRAWING = "drawing", _("Question about the drawing")
    OTHER = "other", _("Other")


HOLD_NOTE_LENGTH = 200


class DefectCause(models.TextChoices):
    """Why parts were scrapped at a step or rejected at inspection: a code, shown in the
    reader's language; the note says the rest."""

    MACHINING = "machining", _("Machining defect")
    MATERIAL = "material", _("Material defect")
    DIMENSION = "dimension", _("Out of tolerance")
    APPEARANCE = "appearance", _("Surface or appearance defect")
    OTHER = "other", _("Other")


# States from which nothing moves on.
FINISHED_STEP_STATES = (StepStatus.DONE, StepStatus.CANCELLED)


# The open board (board/, a layer above) relates postings to steps as `Step.postings`; a
# posting waiting for offers has this status (board.models.PostingStatus.OPEN). Read by name,
# so that orders never imports board.
OPEN_POSTING = "open"


class StepQuerySet(models.QuerySet):
    def on_open_board(self) -> StepQuerySet:
        """Steps posted on the open board by the shop that performs them, waiting for offers."""
        return self.filter(
            Exists(
                Step.objects.filter(
                    pk=OuterRef("pk"),
                    postings__status=OPEN_POSTING,
                    postings__buyer_id=OuterRef("workshop_id"),
                )
            )
        )

    def with_posted_flag(self) -> StepQuerySet:
        """Each step with `posted`: whether its own shop ever put it on the open board (the
        job page links those steps to their postings). A subquery, not a query per step."""
        return self.annotate(
            posted=Exists(
                Step.objects.filter(pk=OuterRef("pk"), postings__buyer_id=OuterRef("workshop_id"))
            )
        )

    def routable_by(self, buyer: Workshop, *, parent: Order | None = None) -> StepQuerySet:
        """The steps `buyer` may route now: the one rule the route form, the board, the route
        suggestions and `order_request` share. A step is routable when `buyer` performs it,
        it has neither started nor finished, and no live order covers it at this level (the
        hub's orders; with `parent`, that order's sub-orders, and only the parent's steps).
        The hub's steps on the open board wait for the posting's award or withdrawal."""
        qs = self.filter(workshop=buyer, started_at__isnull=True).exclude(
            status__in=FINISHED_STEP_STATES
        )
        if parent is not None:
            return qs.filter(orders=parent).exclude(
                orders__in=Order.objects.filter(parent=parent, status__in=LIVE_ORDER_STATES)
            )
        live = Order.objects.filter(parent__isnull=True, status__in=LIVE_ORDER_STATES)
        return qs.exclude(orders__in=live).exclude(pk__in=Step.objects.on_open_board())


class Step(models.Model):
    """工程: one process on a job, done by one workshop. Steps form a DAG through StepLink."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="steps")
    # The part this step works on; an assembly step's part is what it assembles, and what it
    # consumes is in `inputs`. Filled with the job's first part when a caller leaves it out.
    part = models.ForeignKey(
        Part, on_delete=models.CASCADE, related_name="steps", verbose_name=_("part")
    )
    process = models.ForeignKey(Process, on_delete=models.PROTECT, verbose_name=_("process"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    planned_hours = models.DecimalField(
        _("planned hours"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    # Who does it now: the hub itself, a supplier, or a sub-supplier (deepest accepted order).
    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="steps", verbose_name=_("workshop")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=StepStatus.choices, default=StepStatus.PLANNED
    )
    held_from = models.CharField(max_length=16, choices=StepStatus.choices, blank=True)
    hold_reason = models.CharField(
        _("hold reason"), max_length=16, choices=HoldReason.choices, blank=True
    )
    hold_note = models.CharField(_("hold note"), max_length=HOLD_NOTE_LENGTH, blank=True)
    good_qty = models.PositiveIntegerField(_("good"), null=True, blank=True)
    scrap_qty = models.PositiveIntegerField(_("scrap"), null=True, blank=True)
    scrap_cause = models.CharField(
        _("cause of scrap"), max_length=16, choices=DefectCause.choices, blank=True
    )
    # A rework (手直し) or replacement (再製作) of parts returned to this shop: made again at
    # the shop of the step whose parts came back, and shipped where that step's parts went.
    rework_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="reworks"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    projected_start = models.DateTimeField(null=True, blank=True)
    projected_finish = models.DateTimeField(null=True, blank=True)
    late_risk = models.BooleanField(default=False)
    predecessors = models.ManyToManyField(
        "self",
        through="StepLink",
        # From this step (as successor) to the steps it waits for.
        through_fields=("successor", "predecessor"),
        symmetrical=False,
        related_name="successors",
        blank=True,
    )

    objects = StepQuerySet.as_manager()

    class Meta:
        ordering = ["job", "position", "pk"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        indexes = [models.Index(fields=["workshop", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(good_qty__isnull=True) | Q(status="done"),
                name="step_counts_only_when_done",
            )
        ]

    def __str__(self) -> str:
        return self.title or str(self.process)

    def save(self, *args, **kwargs):
        if self.part_id is None and self.job_id is not None:
            self.part = Part.objects.main_for(self.job)
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.process.name} {self.title}".strip()

    def ships_towards(self) -> models.QuerySet[Step]:
        """The steps this one may name as where its parts go: its successors, or, for a rework,
        those of the step it redoes (a rework ships where the returned parts had gone)."""
        return Step.objects.filter(in_links__predecessor_id=self.rework_of_id or self.pk).exclude(
            rework_of__isnull=False
        )


class StepInput(models.Model):
    """An assembly step consumes `per_unit` of `part` for each unit it makes."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="inputs")
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="consumed_by")
    per_unit = models.PositiveIntegerField(_("per unit"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["step", "part__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["step", "part"], name="unique_step_input"),
            models.CheckConstraint(condition=Q(per_unit__gte=1), name="step_input_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.part} × {self.per_unit}"


class StepLink(models.Model):
    """An edge of the step DAG: `successor` starts after `predecessor` is done."""

    predecessor = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="out_links")
    successor = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="in_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unique_step_link"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="step_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id}"


class PaymentMethod(models.TextChoices):
    # No promissory notes: 取適法 (2026) forbids paying a small supplier by 手形. Electronically
    # recorded claims are left out until documents carry the claim's amount and dates.
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")


class MaterialSupply(models.TextChoices):
    """材料支給: whether the buyer supplies the material or parts the supplier works on."""

    NONE = "", _("The supplier provides the material")
    FREE = "free", _("Supplied by the buyer free of charge (無償支給)")
    PAID = "paid", _("Supplied by the buyer for a fee (有償支給)")


class TransferFeePayer(models.TextChoices):
    """Who bears the bank's transfer fee (振込手数料), as the document states it. The buyer by
    default: under 取適法 (運用基準 第4の3(1)カ) deducting the fee from the price is a prohibited
    減額 whether or not the supplier agreed; the supplier only between shops the Act does not
    cover (docs/TORITEKI.md)."""

    BUYER = "buyer", _("The buyer (発注者負担)")
    SUPPLIER = "supplier", _("The supplier (受注者負担)")


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class DeclineReason(models.TextChoices):
    """Why a supplier declines a request: a code stored on the order, shown in the reader's
    language; what it adds in its own words goes in the note (`Order.decline_reason`)."""

    FULLY_BOOKED = "fully_booked", _("Fully booked")
    DUE_DATE = "due_date", _("Cannot meet the delivery date")
    PRICE = "price", _("The price does not work for us")
    CAPABILITY = "capability", _("Outside what we can make")
    MATERIAL = "material", _("Cannot get the material")
    OTHER = "other", _("Another reason")


# An order in these states holds its steps: no second order may cover them at the same level.
LIVE_ORDER_STATES = (OrderStatus.REQUESTED, OrderStatus.ACCEPTED, OrderStatus.DELIVERED)


class Order(models.Model):
    """発注依頼 → 発注: steps of a job asked of one supplier; accepted, it is the contract.

    A supplier may pass some of its ordered steps on to another shop: that is a sub-order,
    whose `parent` is the supplier's own order. Jobs, orders and sub-orders are the order graph.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="orders")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="sub_orders"
    )
    buyer = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="orders_placed", verbose_name=_("buyer")
    )
    supplier = models.ForeignKey(
        Workshop,
        on_delete=models.PROTECT,
        related_name="orders_received",
        verbose_name=_("supplier"),
    )
    steps = models.ManyToManyField(Step, related_name="orders", verbose_name=_("steps"))
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    # Terms (取適法 第4条): what, when, where, how much, when and how paid.
    price = models.DecimalField(_("price (excl. tax, JPY)"), max_digits=12, decimal_places=0)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=4, decimal_places=3, default="0.100")
    due_date = models.DateField(_("delivery date"))
    delivery_place = models.CharField(_("delivery place"), max_length=300)
    inspection_due_date = models.DateField(_("inspection completion date"), null=True, blank=True)
    payment_due_date = models.DateField(_("payment due date"))
    # The last payment date the 60-day rule allows from the parts actually received so far
    # (the earliest receipt binds); NULL until a receipt. Set by the hand-off services.
    payment_latest_lawful = models.DateField(_("latest lawful payment date"), null=True, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices
    )
    transfer_fee_payer = models.CharField(
        _("transfer fee"),
        max_length=8,
        choices=TransferFeePayer.choices,
        default=TransferFeePayer.BUYER,
    )
    terms_note = models.TextField(_("other terms"), blank=True)
    material_supply = models.CharField(
        _("material supply"), max_length=8, choices=MaterialSupply.choices, blank=True
    )
    supply_note = models.CharField(_("supplied material"), max_length=300, blank=True)
    supply_price = models.DecimalField(
        _("price of supplied material (excl. tax, JPY)"),
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
    )
    supply_settlement_date = models.DateField(
        _("settlement date for supplied material"), null=True, blank=True
    )
    decline_code = models.CharField(
        _("reason for declining"), max_length=16, choices=DeclineReason.choices, blank=True
    )
    # The supplier's own words on declining (alone, from clients that send no code).
    decline_reason = models.CharField(_("note on declining"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    terms_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["supplier", "status"]),
            models.Index(fields=["buyer", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="order_price_positive"),
            models.CheckConstraint(
                condition=~Q(buyer=models.F("supplier")), name="order_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} → {self.supplier}"

    @property
    def is_sub_order(self) -> bool:
        return self.parent_id is not None

    @property
    def tax_amount(self):
        # The lines sum to the price and share the order's rate: rounded once (orders/tax.py).
        return total_tax([(self.tax_rate, self.price)])

    @property
    def total(self):
        return self.price + self.tax_amount

    @property
    def payment_date_late(self) -> bool:
        """Whether the planned payment date is past what the 60-day rule allows from the
        parts actually received: the buyer must set a new one."""
        return (
            self.payment_latest_lawful is not None
            and self.payment_due_date > self.payment_latest_lawful
        )


class OrderItem(models.Model):
    """One part of an order and how many of it the supplier owes (給付の内容, one line per part).
    The order is delivered when each item's quantity has been received and accepted."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    # 単価 (to the sen) and 金額 (whole yen) of the line. Either every line of an order has an
    # amount and the amounts sum to the order's price, or (several parts priced as a whole, and
    # orders from before lines were priced) none has: the documents then print 一式.
    unit_price = models.DecimalField(
        _("unit price (excl. tax, JPY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(
        _("amount (excl. tax, JPY)"), max_digits=12, decimal_places=0, null=True, blank=True
    )

    class Meta:
        ordering = ["order", "part__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "part"], name="unique_order_item"),
        ]

    def __str__(self) -> str:
        return f"{self.part} × {self.quantity}"


class OrderDocumentQuerySet(models.QuerySet):
    """Issued records (order documents and acceptances): never updated, never deleted."""

    def delete(self):
        raise PermissionError("Order documents are records: they are never deleted.")

    def update(self, **kwargs):
        raise PermissionError("Order documents are immutable: issue a new version instead.")


class OrderDocument(models.Model):
    """発注書: the issued record of an order's terms (取適法 第4条 明示, 第7条 記録).

    Immutable once issued (the model, its QuerySet and a database trigger all refuse updates
    and deletes); a change of terms issues a new version. Kept at least until `retain_until`.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="documents")
    version = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(_("reason for the change"), max_length=300, blank=True)
    # Every item the law asks for, as JSON primitives, frozen at issue.
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    retain_until = models.DateField()

    objects = OrderDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["order", "version"]
        verbose_name = _("order document")
        verbose_name_plural = _("order documents")
        constraints = [
            models.UniqueConstraint(fields=["order", "version"], name="unique_document_version")
        ]

    def __str__(self) -> str:
        return f"{self.order} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Order documents are immutable: issue a new version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Order documents are records: they are never deleted.")


class OrderAcceptance(models.Model):
    """注文請書: the supplier's acceptance of one issued version of the order document, with the
    terms as accepted (a frozen copy of that version's content). One per order, immutable and
    kept like the document it accepts (model, QuerySet and database trigger refuse changes)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="acceptances")
    document = models.ForeignKey(
        OrderDocument, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    retain_until = models.DateField()

    objects = OrderDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["order", "accepted_at"]
        verbose_name = _("order acceptance")
        verbose_name_plural = _("order acceptances")
        constraints = [models.UniqueConstraint(fields=["order"], name="one_acceptance_per_order")]

    def __str__(self) -> str:
        return f"{self.order} accepts v{self.document_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("An order acceptance is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("An order acceptance is a record: it is never deleted.")


class HandOffStatus(models.TextChoices):
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")


class HandOffKind(models.TextChoices):
    SHIP = "ship", _("Shipment")
    RETURN = "return", _("Return")
    SUPPLY = "supply", _("Supplied material")


class RejectAction(models.TextChoices):
    """What the buyer does with rejected parts."""

    RETURN = "return", _("Return to the supplier")
    SCRAP = "scrap", _("Scrap")


class HandOff(models.Model):
    """引渡し: parts shipped by one shop and received by the next (or by the buyer)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="handoffs")
    kind = models.CharField(max_length=8, choices=HandOffKind.choices, default=HandOffKind.SHIP)
    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="handoffs")
    # None for material the buyer supplies (it comes from no step), and for a return of parts
    # the buyer itself received (they left no step there).
    from_step = models.ForeignKey(
        Step, on_delete=models.CASCADE, null=True, blank=True, related_name="handoffs_out"
    )
    # The order the parts are owed under (the supplier's order for a shipment or a return, the
    # order that says so for supplied material), when there is one.
    order = models.ForeignKey(
        "Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="handoffs"
    )
    # None: delivered to the buyer of the order (the end of that shop's part of the chain).
    to_step = models.ForeignKey(
        Step, on_delete=models.CASCADE, null=True, blank=True, related_name="handoffs_in"
    )
    from_workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    to_workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=HandOffStatus.choices)
    quantity_shipped = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_received = models.PositiveIntegerField(null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    shipped_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    # 検収: accepted + rejected = received once inspected (at receipt, or later by the buyer
    # when the order sets an inspection date).
    quantity_accepted = models.PositiveIntegerField(null=True, blank=True)
    quantity_rejected = models.PositiveIntegerField(null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    inspected_on = models.DateField(_("inspection date"), null=True, blank=True)
    reject_action = models.CharField(
        _("rejected parts"), max_length=8, choices=RejectAction.choices, blank=True
    )
    # Why parts were rejected (on the inspected hand-off) or sent back (on a return).
    defect_cause = models.CharField(
        _("cause"), max_length=16, choices=DefectCause.choices, blank=True
    )
    # A return: the hand-off whose rejected parts it sends back.
    return_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    # A return, once its supplier decided: the rework or replacement step it opened.
    resolved_by_step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["shipped_at", "pk"]
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True)
                | Q(quantity_received__lte=models.F("quantity_shipped")),
                name="handoff_received_not_more_than_shipped",
            ),
            models.CheckConstraint(
                condition=Q(quantity_accepted__isnull=True)
                | Q(
                    quantity_received__isnull=False,
                    quantity_rejected__isnull=False,
                    quantity_received=models.F("quantity_accepted") + models.F("quantity_rejected"),
                ),
                name="handoff_accepted_and_rejected_make_received",
            ),
            models.CheckConstraint(
                condition=Q(from_step__isnull=False) | Q(kind__in=("supply", "return")),
                name="handoff_from_a_step_unless_supplied",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_workshop} → {self.to_workshop} × {self.quantity_shipped}"

    def save(self, *args, **kwargs):
        if self.part_id is None and self.from_step_id is not None:
            self.part_id = Step.objects.values_list("part_id", flat=True).get(pk=self.from_step_id)
        super().save(*args, **kwargs)

    @property
    def shortfall(self) -> int:
        if self.quantity_received is None:
            return 0
        return self.quantity_shipped - self.quantity_received

    @property
    def inspected(self) -> bool:
        return self.quantity_accepted is not None

    @property
    def returnable(self) -> int:
        """Rejected parts not yet sent back: none when the buyer scrapped them instead."""
        if self.reject_action == RejectAction.SCRAP:
            return 0
        return max((self.quantity_rejected or 0) - getattr(self, "returned", 0), 0)


class ProgressEvent(models.Model):
    """進捗: the append-only log of everything that happened to a job.

    Written in the same transaction as the change, with a per-job `seq` that increases by
    exactly one each time. The channel layer only rings the doorbell; this is the truth.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    workshop = models.ForeignKey(
        Workshop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    step = models.ForeignKey(
        Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    # Hand-off events concern both ends: the shop that shipped and the one that receives.
    handoff = models.ForeignKey(
        "HandOff", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    # JSON primitives only (msgpack in channels_redis rejects Decimal, UUID, sets).
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="unique_event_seq")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.seq} {self.kind}"


class Rating(models.Model):
    """評価: the buyer's rating of a delivered order (quality, delivery, cost, 1–5), public to
    the district's signed-in members, and the supplier's one reply."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="rating")
    buyer = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="ratings_given", verbose_name=_("buyer")
    )
    supplier = models.ForeignKey(
        Workshop,
        on_delete=models.PROTECT,
        related_name="ratings_received",
        verbose_name=_("supplier"),
    )
    quality = models.PositiveSmallIntegerField(_("quality"))
    delivery = models.PositiveSmallIntegerField(_("delivery"))
    cost = models.PositiveSmallIntegerField(_("cost"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reply = models.TextField(_("reply"), blank=True, max_length=1000)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["supplier", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quality__gte=1, quality__lte=5)
                & Q(delivery__gte=1, delivery__lte=5)
                & Q(cost__gte=1, cost__lte=5),
                name="rating_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier} ← {self.buyer}: {self.quality}/{self.delivery}/{self.cost}"


# --- District statistics -------------------------------------------------------------------------
# Rollups behind the district dashboard (districts/). Kept by the services that change state,
# in the same transaction (orders/rollups.py), and rebuilt from the raw rows by
# `manage.py rebuild_rollups`. Days are Japan dates. Nothing here names a job, customer or price.


class StepDayStat(models.Model):
    """Steps one workshop started and finished in one process on one day."""

    day = models.DateField()
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="+")
    steps_started = models.PositiveIntegerField(default=0)
    steps_done = models.PositiveIntegerField(default=0)
    good_qty = models.PositiveBigIntegerField(default=0)
    scrap_qty = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "workshop", "process"], name="unique_step_day_stat"
            )
        ]
        indexes = [models.Index(fields=["day", "process"])]

    def __str__(self) -> str:
        return f"{self.day} {self.workshop_id}/{self.process_id}: {self.steps_done} done"


class WorkshopDayStat(models.Model):
    """What one workshop did on one day as a hub, buyer and supplier."""

    day = models.DateField()
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    jobs_completed = models.PositiveIntegerField(default=0)  # as the job's hub
    jobs_joint = models.PositiveIntegerField(default=0)  # its jobs that became joint orders
    orders_placed = models.PositiveIntegerField(default=0)  # accepted, as buyer
    orders_accepted = models.PositiveIntegerField(default=0)  # as supplier
    orders_delivered = models.PositiveIntegerField(default=0)  # as supplier
    orders_on_time = models.PositiveIntegerField(default=0)  # delivered by the due date

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "workshop"], name="unique_workshop_day_stat")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.workshop_id}"


class PairDayStat(models.Model):
    """Orders accepted between two workshops on one day: the edges of the inter-firm network."""

    day = models.DateField()
    buyer = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "buyer", "supplier"], name="unique_pair_day_stat"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.buyer_id} → {self.supplier_id}: {self.orders}"


class LeadTime(models.Model):
    """One finished step's or completed job's lead time, kept exactly for medians and 90th
    percentiles (which cannot be summed from daily counts). One row per step or job."""

    class Kind(models.TextChoices):
        STEP = "step", _("Step")
        JOB = "job", _("Job")

    kind = models.CharField(max_length=4, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    day = models.DateField()  # the day it finished
    # The performing workshop (a step) or the hub (a job).
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    process = models.ForeignKey(
        Process, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seconds = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="unique_lead_time")
        ]
        indexes = [models.Index(fields=["kind", "day"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.seconds}s"


class TradingTerms(models.Model):
    """A trading pair's standing payment terms (支払条件), buyer → supplier: 締日, 支払月,
    支払日 (31 = 末日). They fill in an order's payment due date; the buyer's owners and
    managers set them, the supplier's read them (orders/payment_terms.py holds the rules)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    buyer = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    closing_day = models.PositiveSmallIntegerField(_("closing day"))
    payment_month_offset = models.PositiveSmallIntegerField(_("payment month"))
    payment_day = models.PositiveSmallIntegerField(_("payment day"))
    # Who bears the transfer fee on this pair's orders: the default of each new order.
    transfer_fee_payer = models.CharField(
        _("transfer fee"),
        max_length=8,
        choices=TransferFeePayer.choices,
        default=TransferFeePayer.BUYER,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")
        constraints = [
            models.UniqueConstraint(fields=["buyer", "supplier"], name="unique_trading_terms"),
            models.CheckConstraint(
                condition=~Q(buyer=models.F("supplier")), name="trading_terms_two_shops"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id} → {self.supplier_id}: {self.as_terms().label()}"

    def as_terms(self) -> PaymentTerms:
        return PaymentTerms(self.closing_day, self.payment_month_offset, self.payment_day)


class TradingTermsChange(LogEntry):
    """Who set a pair's payment terms, from what to what, and when."""

    terms = models.ForeignKey(TradingTerms, on_delete=models.CASCADE, related_name="changes")

    class Meta(LogEntry.Meta):
        verbose_name = _("payment terms change")
        verbose_name_plural = _("payment terms changes")


class CounterStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the buyer's answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class CounterOffer(models.Model):
    """A supplier's answer to a request with another price or delivery date (逆提案), instead of
    only accepting or declining. The buyer accepts it (the order is then accepted on these
    terms and its document issued) or declines it (the request stands as it was). At most one
    is open per order. Prices: the two parties only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="counters")
    price = models.DecimalField(_("price (excl. tax, JPY)"), max_digits=12, decimal_places=0)
    due_date = models.DateField(_("delivery date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=CounterStatus.choices, default=CounterStatus.OPEN
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="open"),
                name="one_open_counter_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: ¥{self.price} / {self.due_date} ({self.status})"


class Payment(models.Model):
    """A payment the buyer made against an order or a purchase statement (date, amount,
    means), recorded by the buyer's owners or managers and confirmed as received by the
    supplier's. Flagged when it came after the payment due date or left the total (tax
    included) short. Prices: the two parties only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Against one order, or against one purchase statement (仕入明細書): exactly one is set.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    statement = models.ForeignKey(
        "PurchaseStatement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    paid_on = models.DateField(_("payment date"))
    amount = models.DecimalField(_("amount (tax incl., JPY)"), max_digits=12, decimal_places=0)
    means = models.CharField(_("means of payment"), max_length=20, choices=PaymentMethod.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Set when recorded, from the order's due date and total at that time.
    late = models.BooleanField(_("late"), default=False)
    short = models.BooleanField(_("short"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(order__isnull=False, statement__isnull=True)
                | Q(order__isnull=True, statement__isnull=False),
                name="payment_against_order_or_statement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id or self.statement_id}: ¥{self.amount} on {self.paid_on}"


class PaymentLog(LogEntry):
    """Who recorded or confirmed a payment, and when (its amount and date in `data`)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="log")

    class Meta(LogEntry.Meta):
        verbose_name = _("payment log entry")
        verbose_name_plural = _("payment log entries")


# --- Purchase statements (仕入明細書) -------------------------------------------------------------


class StatementStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, awaiting the supplier")
    CONFIRMED = "confirmed", _("Confirmed by the supplier")
    DISPUTED = "disputed", _("Disputed by the supplier")
    SUPERSEDED = "superseded", _("Replaced by a corrected version")
    CANCELLED = "cancelled", _("Cancelled")


# A statement in these states holds its receipts: no other statement may bill them.
LIVE_STATEMENT_STATES = (
    StatementStatus.ISSUED,
    StatementStatus.CONFIRMED,
    StatementStatus.DISPUTED,
)


class PurchaseStatement(models.Model):
    """仕入明細書: what the buyer accepted from one supplier in one closing period, priced, with
    tax per rate, made by the buyer and confirmed (or disputed) by the supplier. Once confirmed
    it stands as the supplier's 適格請求書 for those goods (docs/TORITEKI.md). Everything
    printed is frozen at issue: the parties in `parties`, the lines as rows, the totals here.
    A correction is a new version with the same number; the old one is kept, superseded."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("statement number"), max_length=40)
    version = models.PositiveIntegerField(default=1)
    buyer = models.ForeignKey(
        Workshop,
        on_delete=models.PROTECT,
        related_name="statements_issued",
        verbose_name=_("buyer"),
    )
    supplier = models.ForeignKey(
        Workshop,
        on_delete=models.PROTECT,
        related_name="statements_received",
        verbose_name=_("supplier"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to (closing day)"))
    due_date = models.DateField(_("payment due date"))
    # {"buyer": {...}, "supplier": {...}}: names, addresses, phones and the supplier's
    # registration number as they were when issued (JSON primitives).
    parties = models.JSONField(default=dict)
    # [{"rate": "0.100", "amount": int, "tax": int}], one per tax rate, tax rounded down once.
    totals = models.JSONField(default=list)
    amount = models.DecimalField(_("amount (excl. tax, JPY)"), max_digits=14, decimal_places=0)
    tax = models.DecimalField(_("tax (JPY)"), max_digits=14, decimal_places=0)
    total = models.DecimalField(_("total (tax incl., JPY)"), max_digits=14, decimal_places=0)
    status = models.CharField(
        _("status"), max_length=12, choices=StatementStatus.choices, default=StatementStatus.ISSUED
    )
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(_("reason for the dispute"), max_length=500, blank=True)

    class Meta:
        ordering = ["-period_end", "-issued_at", "-pk"]
        verbose_name = _("purchase statement")
        verbose_name_plural = _("purchase statements")
        indexes = [models.Index(fields=["buyer", "supplier", "period_end"])]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "number", "version"], name="unique_statement_version"
            ),
            models.CheckConstraint(
                condition=~Q(buyer=models.F("supplier")), name="statement_two_shops"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="statement_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATEMENT_STATES

    @property
    def registration_number(self) -> str:
        return (self.parties.get("supplier") or {}).get("registration_number", "")


class PurchaseStatementLine(models.Model):
    """One accepted receipt on a statement: which order and part, received and accepted when,
    how many accepted, and its amount (excl. tax) at the order's tax rate. `live` follows the
    statement, so that the database itself keeps a receipt on one live statement at most."""

    statement = models.ForeignKey(PurchaseStatement, on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="statement_lines")
    handoff = models.ForeignKey(HandOff, on_delete=models.PROTECT, related_name="statement_lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    part_name = models.CharField(_("part name"), max_length=200)
    drawing_number = models.CharField(_("drawing number"), max_length=100, blank=True)
    revision = models.CharField(_("revision"), max_length=20, blank=True)
    received_on = models.DateField(_("received on"))
    accepted_on = models.DateField(_("accepted on"))
    quantity = models.PositiveIntegerField(_("accepted quantity"))
    amount = models.DecimalField(_("amount (excl. tax, JPY)"), max_digits=12, decimal_places=0)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=4, decimal_places=3)
    live = models.BooleanField(default=True)

    class Meta:
        ordering = ["statement", "position", "pk"]
        verbose_name = _("purchase statement line")
        verbose_name_plural = _("purchase statement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "handoff"],
                condition=Q(live=True),
                name="receipt_on_one_live_statement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_name} × {self.quantity}"


class StatementLog(LogEntry):
    """Who issued, confirmed, disputed, corrected or cancelled a statement, or recorded or
    confirmed a payment against it, and when."""

    statement = models.ForeignKey(PurchaseStatement, on_delete=models.CASCADE, related_name="log")

    class Meta(LogEntry.Meta):
        verbose_name = _("purchase statement log entry")
        verbose_name_plural = _("purchase statement log entries")
