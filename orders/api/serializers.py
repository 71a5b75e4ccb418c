"""Serializers of the orders API: what each reader may see, and the input of each write."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers

from core.api import ChoiceLabelField, FieldsBuiltOnce, SimpleFieldsShared

from ..models import (
    END_REASONS,
    HOLD_NOTE_LENGTH,
    DeclineReason,
    DefectCause,
    HandOff,
    HandOffKind,
    HoldReason,
    Job,
    JobStatus,
    MaterialSupply,
    Order,
    OrderAcceptance,
    OrderDocument,
    OrderStatus,
    Part,
    PaymentMethod,
    Priority,
    RejectAction,
    Step,
    StepStatus,
    TransferFeePayer,
)

EVENTS_PAGE = 500
MAX_SEQ = 2**63 - 1  # what a BIGINT holds; larger cursors are refused, not overflowed

# --- serializers: out ----------------------------------------------------------------------------


class WorkshopRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField(help_text="The registered (Japanese) name.")
    display_name = serializers.CharField(
        help_text="In the caller's language: the English name, when the shop gave one."
    )


class JobRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    part_name = serializers.CharField()
    drawing_number = serializers.CharField()


class PartSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """部品: one kind of part the job makes, with its own drawing, material and quantity."""

    id = serializers.UUIDField(source="uuid")
    material = serializers.SerializerMethodField(help_text="A material code, or the free text.")

    class Meta:
        model = Part
        fields = ["id", "name", "drawing_number", "revision", "material", "quantity", "position"]

    def get_material(self, part: Part) -> str:
        return part.material.code if part.material_id else part.material_note


class StepInputSerializer(serializers.Serializer):
    """What an assembly step consumes: `per_unit` of `part` for each unit it makes."""

    step = serializers.UUIDField(source="step.uuid")
    part = serializers.UUIDField(source="part.uuid")
    per_unit = serializers.IntegerField()


class JobSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """The job header: a row of the job list and the `job` of the job detail."""

    id = serializers.UUIDField(source="uuid")
    owner = WorkshopRefSerializer(help_text="The hub: the workshop that took the customer's order.")
    material = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    customer_name = serializers.CharField(
        required=False, help_text="Only for the hub's owners and managers; absent for others."
    )
    notes = serializers.CharField(
        required=False,
        help_text="The hub's internal notes: only for its owners and managers; absent for others.",
    )
    last_seq = serializers.IntegerField(
        help_text="The job's latest event number: follow on from here with `events?after=`."
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "part_name",
            "drawing_number",
            "material",
            "quantity",
            "due_date",
            "priority",
            "status",
            "owner",
            "customer_name",
            "notes",
            "projected_finish",
            "late_risk",
            "last_seq",
            "created_at",
            "updated_at",
        ]

    def get_material(self, job: Job) -> str:
        return job.material.code if job.material_id else job.material_note

    def to_representation(self, job: Job) -> dict[str, Any]:
        data = super().to_representation(job)
        if not self.context["can_see_customer"](job):
            del data["customer_name"]
            del data["notes"]
        return data


class StepSerializer(SimpleFieldsShared, serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    process = serializers.CharField(source="process.code", help_text="Process code.")
    process_name = serializers.CharField(source="process.name")
    status = serializers.ChoiceField(choices=StepStatus.choices)
    workshop = WorkshopRefSerializer(help_text="Who performs the step now.")
    predecessors = serializers.SerializerMethodField(
        help_text="The steps this one waits for, among those the caller may see."
    )
    orders = serializers.SerializerMethodField(
        help_text="The orders covering this step, among those the caller may see."
    )
    hold_reason = serializers.ChoiceField(
        choices=HoldReason.choices,
        allow_blank=True,
        help_text="On hold: why, as a code (empty otherwise).",
    )
    hold_reason_label = ChoiceLabelField(
        "hold_reason",
        help_text="The hold reason's label in the caller's language (empty when not on hold).",
    )
    hold_note = serializers.CharField(help_text="On hold: the holder's note, as they wrote it.")
    part = serializers.SerializerMethodField(help_text="The part this step works on.")
    rework_of = serializers.SerializerMethodField(
        help_text="A rework or replacement step: the step whose parts it redoes (else null)."
    )
    scrap_cause = serializers.ChoiceField(
        choices=DefectCause.choices,
        allow_blank=True,
        help_text="Why parts were scrapped at this step, as a code (empty: none scrapped).",
    )

    class Meta:
        model = Step
        fields = [
            "id",
            "process",
            "process_name",
            "title",
            "position",
            "status",
            "hold_reason",
            "hold_reason_label",
            "hold_note",
            "workshop",
            "quantity",
            "planned_hours",
            "good_qty",
            "scrap_qty",
            "scrap_cause",
            "part",
            "rework_of",
            "started_at",
            "finished_at",
            "projected_start",
            "projected_finish",
            "late_risk",
            "predecessors",
            "orders",
        ]

    @extend_schema_field(serializers.UUIDField())
    def get_part(self, step: Step) -> str:
        if Step.part.is_cached(step):
            return str(step.part.uuid)
        return str(_public_id(Part, step.part_id, self.context))

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_rework_of(self, step: Step) -> str | None:
        if step.rework_of_id is None:
            return None
        if Step.rework_of.is_cached(step):
            return str(step.rework_of.uuid)
        return str(_public_id(Step, step.rework_of_id, self.context))

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_predecessors(self, step: Step) -> list[str]:
        return self.context["predecessors"].get(step.pk, [])

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_orders(self, step: Step) -> list[str]:
        return self.context["step_orders"].get(step.pk, [])


def _public_id(model, pk: int, context: dict[str, Any]):
    """The public id of a row the serializer did not load (a step answered alone)."""
    cache = context.setdefault("_uuids", {})
    if (model, pk) not in cache:
        cache[model, pk] = model.objects.filter(pk=pk).values_list("uuid", flat=True).first()
    return cache[model, pk]


# An order's commercial terms: only the two parties to it see them (the hub sees that a step is
# sub-ordered, and to whom, but not for how much).
PRICED_FIELDS = (
    "price",
    "tax_rate",
    "tax",
    "total",
    "payment_due_date",
    "payment_method",
    "transfer_fee_payer",
    "terms_note",
    "supply_price",
    "supply_settlement_date",
)
# What of an order's lines only the two parties see.
PRICED_ITEM_FIELDS = ("unit_price", "amount")
PARTIES_ONLY = "Only for the two parties to the order; absent for others."


class OrderItemSerializer(serializers.Serializer):
    part = serializers.UUIDField(source="part.uuid")
    part_name = serializers.CharField(source="part.name")
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        required=False,
        help_text="単価, JPY excl. tax; null when the order is priced as a whole (一式). "
        + PARTIES_ONLY,
    )
    amount = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text="金額 of the line, JPY excl. tax; the lines' amounts sum to the price. Null "
        "when the order is priced as a whole (一式). " + PARTIES_ONLY,
    )


class OrderSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    job = JobRefSerializer()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    is_sub_order = serializers.BooleanField()
    parent = serializers.SerializerMethodField(
        help_text="The order this one passes work on from, when the caller may see it."
    )
    buyer = WorkshopRefSerializer()
    supplier = WorkshopRefSerializer()
    steps = serializers.SerializerMethodField()
    price = serializers.IntegerField(
        required=False, help_text="JPY, excluding tax. " + PARTIES_ONLY
    )
    tax_rate = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, help_text=PARTIES_ONLY
    )
    tax = serializers.IntegerField(source="tax_amount", required=False, help_text=PARTIES_ONLY)
    total = serializers.IntegerField(required=False, help_text=PARTIES_ONLY)
    payment_due_date = serializers.DateField(required=False, help_text=PARTIES_ONLY)
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices, required=False, help_text=PARTIES_ONLY
    )
    transfer_fee_payer = serializers.ChoiceField(
        choices=TransferFeePayer.choices,
        required=False,
        help_text="Who bears the transfer fee (振込手数料). " + PARTIES_ONLY,
    )
    terms_note = serializers.CharField(required=False, help_text=PARTIES_ONLY)
    items = OrderItemSerializer(
        many=True,
        source="items.all",
        help_text="What the order owes, per part: the quantity its last steps of each part make.",
    )
    material_supply = serializers.ChoiceField(
        choices=MaterialSupply.choices,
        allow_blank=True,
        help_text="材料支給: empty, the supplier provides the material; `free` or `paid`, the "
        "buyer supplies it.",
    )
    supply_note = serializers.CharField(help_text="What material or parts the buyer supplies.")
    supply_price = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="有償支給: the supplied material's price, JPY. " + PARTIES_ONLY,
    )
    supply_settlement_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="有償支給: when the supplied material is settled. " + PARTIES_ONLY,
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "job",
            "status",
            "is_sub_order",
            "parent",
            "buyer",
            "supplier",
            "steps",
            "due_date",
            "delivery_place",
            "inspection_due_date",
            "items",
            "material_supply",
            "supply_note",
            *PRICED_FIELDS,
            "terms_version",
            "requested_at",
            "decided_at",
            "delivered_at",
            "decline_code",
            "decline_reason",
        ]

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_parent(self, order: Order) -> str | None:
        if order.parent_id is None or not self.context["sees_order"](order.parent_id):
            return None
        return str(self.context["order_uuids"][order.parent_id])

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_steps(self, order: Order) -> list[str]:
        return self.context["order_steps"].get(order.pk, [])

    def to_representation(self, order: Order) -> dict[str, Any]:
        data = super().to_representation(order)
        if not self.context["can_see_price"](order):
            for name in PRICED_FIELDS:
                del data[name]
            for item in data["items"]:
                for name in PRICED_ITEM_FIELDS:
                    del item[name]
        return data


class HandOffSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    kind = serializers.ChoiceField(
        choices=HandOffKind.choices,
        help_text="`ship`: parts passed on; `return`: rejected parts sent back; `supply`: "
        "material the buyer supplies.",
    )
    part = serializers.UUIDField(source="part.uuid")
    from_step = serializers.UUIDField(
        source="from_step.uuid", allow_null=True, help_text="Null: material the buyer supplies."
    )
    to_step = serializers.UUIDField(
        source="to_step.uuid", allow_null=True, help_text="Null: delivered to the order's buyer."
    )
    from_workshop = WorkshopRefSerializer()
    to_workshop = WorkshopRefSerializer()
    shortfall = serializers.IntegerField(help_text="Shipped minus received, once received.")
    reject_action = serializers.ChoiceField(
        choices=RejectAction.choices,
        allow_blank=True,
        help_text="What the buyer does with rejected parts (empty: none rejected).",
    )
    defect_cause = serializers.ChoiceField(
        choices=DefectCause.choices,
        allow_blank=True,
        help_text="Why parts were rejected or returned, as a code.",
    )
    return_of = serializers.UUIDField(
        source="return_of.uuid",
        allow_null=True,
        help_text="A return: the shipment whose rejected parts it sends back.",
    )
    resolved_by_step = serializers.UUIDField(
        source="resolved_by_step.uuid",
        allow_null=True,
        help_text="A return dealt with: the rework or replacement step opened for it.",
    )

    class Meta:
        model = HandOff
        fields = [
            "id",
            "kind",
            "status",
            "part",
            "from_step",
            "to_step",
            "from_workshop",
            "to_workshop",
            "quantity_shipped",
            "quantity_received",
            "shortfall",
            "quantity_accepted",
            "quantity_rejected",
            "inspected_on",
            "reject_action",
            "defect_cause",
            "return_of",
            "resolved_by_step",
            "shipped_at",
            "received_at",
            "note",
        ]


class OrderDocumentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")

    class Meta:
        model = OrderDocument
        fields = [
            "id",
            "version",
            "issued_at",
            "reason",
            "content",
            "content_sha256",
            "retain_until",
        ]


class OrderAcceptanceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    document = serializers.UUIDField(
        source="document.uuid", help_text="The order document (version) it accepts."
    )
    version = serializers.IntegerField(source="document.version")

    class Meta:
        model = OrderAcceptance
        fields = [
            "id",
            "document",
            "version",
            "accepted_at",
            "content",
            "content_sha256",
            "retain_until",
        ]


class JobDetailSerializer(serializers.Serializer):
    job = JobSerializer()
    parts = PartSerializer(
        many=True,
        help_text="The job's parts: all of them for the hub's managers; for others, the parts "
        "of the steps they see and of what those steps assemble.",
    )
    inputs = StepInputSerializer(
        many=True, help_text="What the visible assembly steps consume, per unit made."
    )
    steps = StepSerializer(many=True, help_text="The steps the caller may see, in job order.")
    orders = OrderSerializer(many=True, help_text="The orders the caller may see.")
    handoffs = HandOffSerializer(
        many=True, help_text="Hand-offs into and out of the steps the caller may see."
    )


class OrderDetailSerializer(serializers.Serializer):
    order = OrderSerializer()
    steps = StepSerializer(many=True)
    documents = OrderDocumentSerializer(many=True, required=False, help_text=PARTIES_ONLY)
    acceptance = OrderAcceptanceSerializer(
        required=False,
        help_text="The supplier's order acceptance (注文請書): present once it accepted. "
        + PARTIES_ONLY,
    )


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True, help_text="Display name of who did it.")
    workshop = serializers.UUIDField(allow_null=True)
    step = serializers.UUIDField(allow_null=True)
    order = serializers.UUIDField(allow_null=True)
    handoff = serializers.UUIDField(allow_null=True)
    data = serializers.JSONField()


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next_after = serializers.IntegerField(
        allow_null=True,
        help_text=f"More than {EVENTS_PAGE} events follow: ask again with this `after`. "
        "Null when this page reaches the end of the log.",
    )


# --- serializers: in -----------------------------------------------------------------------------


class EventQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, max_value=MAX_SEQ, default=0)


class DoneInput(serializers.Serializer):
    good = serializers.IntegerField(min_value=0)
    scrap = serializers.IntegerField(min_value=0, default=0)
    scrap_cause = serializers.ChoiceField(
        choices=DefectCause.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="Why parts were scrapped, as a code.",
    )


class HoldInput(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=HoldReason.choices,
        help_text="Why, as a code: " + ", ".join(f"`{code}`" for code in HoldReason.values) + ".",
    )
    note = serializers.CharField(
        max_length=HOLD_NOTE_LENGTH,
        required=False,
        default="",
        allow_blank=True,
        help_text="Optional detail in the holder's words.",
    )


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


REASON_HELP = "A reason code (stored as the code, shown in the reader's language)."


class JobEndInput(serializers.Serializer):
    note = serializers.CharField(
        max_length=300,
        required=False,
        default="",
        allow_blank=True,
        help_text="The hub's own note; never shown to suppliers.",
    )
    suppliers_agreed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Required (true) when suppliers hold accepted orders on the job: the hub "
        "confirms it agreed with them how the work they have done is paid.",
    )


class JobCancelInput(JobEndInput):
    reason = serializers.ChoiceField(
        choices=[code for code, _label in END_REASONS["cancel"]], help_text=REASON_HELP
    )


class JobCloseInput(JobEndInput):
    reason = serializers.ChoiceField(
        choices=[code for code, _label in END_REASONS["close"]], help_text=REASON_HELP
    )


class ShipInput(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)
    to_step = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A following step at another shop; blank: the usual destination.",
    )
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class ReceiveInput(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0)
    rejected = serializers.IntegerField(
        min_value=0,
        default=0,
        help_text="Parts rejected at receipt (0 when the buyer inspects later).",
    )
    cause = serializers.ChoiceField(
        choices=DefectCause.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="Why parts were rejected, as a code; required with rejects.",
    )
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class DeclineInput(serializers.Serializer):
    """A reason from the list (`code`) and/or a note; the service says which are needed."""

    code = serializers.ChoiceField(choices=DeclineReason.choices, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- helpers -------------------------------------------------------------------------------------


# --- ratings and load ----------------------------------------------------------------------------


class RatingSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    buyer = WorkshopRefSerializer(help_text="Ratings are not anonymous: the buyer is named.")
    quality = serializers.IntegerField(min_value=1, max_value=5)
    delivery = serializers.IntegerField(min_value=1, max_value=5)
    cost = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    reply = serializers.CharField(help_text="The supplier's one reply; empty until it replies.")
    replied_at = serializers.DateTimeField(allow_null=True)


class RatingSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Ratings over the last 12 months.")
    shown = serializers.BooleanField(help_text="Averages are given from 3 ratings on.")
    quality = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    delivery = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    cost = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    overall = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)


class DeliveryRecordSerializer(serializers.Serializer):
    delivered = serializers.IntegerField(help_text="Orders delivered over the last 12 months.")
    on_time = serializers.IntegerField(help_text="Of those, received by their delivery date.")
    percent = serializers.IntegerField(
        allow_null=True, help_text="On-time rate, given from 3 deliveries on."
    )


class WorkshopRatingsSerializer(serializers.Serializer):
    summary = RatingSummarySerializer()
    delivery = DeliveryRecordSerializer()
    count = serializers.IntegerField(help_text="All ratings of the workshop.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RatingSerializer(many=True, help_text="Newest first, 50 a page.")


def _score(label: str) -> serializers.IntegerField:
    message = gettext_lazy("Choose a score from 1 to 5.")
    return serializers.IntegerField(
        min_value=1,
        max_value=5,
        help_text=f"{label}, 1 (poor) to 5 (excellent).",
        error_messages={
            key: message for key in ("required", "null", "invalid", "min_value", "max_value")
        },
    )


class RatingInput(serializers.Serializer):
    quality = _score("Quality")
    delivery = _score("Delivery")
    cost = _score("Cost")
    comment = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


def _reply() -> serializers.CharField:
    message = gettext_lazy("Write a reply.")
    return serializers.CharField(
        max_length=1000,
        help_text="The supplier's answer; once only.",
        error_messages={key: message for key in ("required", "null", "blank")},
    )


class RatingReplyInput(serializers.Serializer):
    reply = _reply()


class LoadCellSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday of the week (Japan time).")
    hours = serializers.DecimalField(max_digits=9, decimal_places=2)
    capacity = serializers.IntegerField(allow_null=True, help_text="Declared hours per week.")
    percent = serializers.IntegerField(allow_null=True, help_text="Null: no capacity declared.")
    over = serializers.BooleanField(help_text="More hours committed than declared.")


class LoadRowSerializer(serializers.Serializer):
    process = serializers.CharField(source="process.code", help_text="The process code.")
    name = serializers.CharField(source="process.name", help_text="In the caller's language.")
    declared = serializers.BooleanField(help_text="The workshop lists this process.")
    capacity = serializers.IntegerField(allow_null=True)
    weeks = LoadCellSerializer(many=True)


class WorkshopLoadSerializer(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.DateField())
    processes = LoadRowSerializer(many=True, source="rows")
