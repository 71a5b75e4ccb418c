"""The input of the orders API's writes to jobs, parts, steps, orders and hand-offs (an
integrator's production system builds its jobs with these). The services check the rules;
these check the shape."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from ..models import (
    DefectCause,
    MaterialSupply,
    PaymentMethod,
    Priority,
    RejectAction,
    TransferFeePayer,
)
from ..services.handoffs import REWORK_ACTIONS

MAX_QUANTITY = 10_000_000
MAX_HOURS = 99_999
STEPS_AT_ONCE = 200


def _text(length: int, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        max_length=length, required=False, allow_blank=True, help_text=help_text
    )


def _quantity(**extra) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, **extra)


# --- jobs and parts ------------------------------------------------------------------------------


class JobFields(serializers.Serializer):
    """A job's header. Its first part mirrors it while the job has one part."""

    part_name = serializers.CharField(max_length=200)
    drawing_number = _text(100)
    material = serializers.CharField(
        max_length=24,
        required=False,
        allow_blank=True,
        help_text="A material code (`/api/v1/materials/`); blank: say it in `material_note`.",
    )
    material_note = _text(100)
    quantity = _quantity()
    due_date = serializers.DateField(help_text="The customer's due date.")
    customer_name = _text(200, "The hub's own: never shown to suppliers.")
    notes = _text(2000, "The hub's internal notes: never shown to suppliers.")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class JobCreateInput(JobFields):
    workshop = serializers.UUIDField(help_text="The hub: a workshop the caller manages.")


class JobUpdateInput(JobFields):
    """Only the fields given change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class PartInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    drawing_number = _text(100)
    revision = _text(20)
    material = serializers.CharField(
        max_length=24, required=False, allow_blank=True, help_text="A material code."
    )
    material_note = _text(100)
    quantity = _quantity()


class PartUpdateInput(PartInput):
    """Only the fields given change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


# --- steps ---------------------------------------------------------------------------------------


class StepFields(serializers.Serializer):
    process = serializers.CharField(max_length=24, help_text="A process code.")
    title = _text(200)
    planned_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, max_value=MAX_HOURS
    )
    quantity = _quantity(
        required=False, allow_null=True, help_text="Blank: the part's quantity (on adding)."
    )


class StepAddInput(StepFields):
    part = serializers.UUIDField(
        required=False, allow_null=True, help_text="The part it works on; blank: the first part."
    )
    after = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=STEPS_AT_ONCE,
        help_text="The steps it waits for.",
    )


class StepUpdateInput(StepFields):
    """Only the fields given change; a step that has started or is routed is not changed."""

    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class LinkInput(serializers.Serializer):
    predecessor = serializers.UUIDField(help_text="The step this one is to wait for.")


class StepInputItem(serializers.Serializer):
    part = serializers.UUIDField()
    per_unit = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class StepInputsInput(serializers.Serializer):
    inputs = StepInputItem(
        many=True,
        max_length=STEPS_AT_ONCE,
        help_text="Every part the step joins; parts left out are no longer consumed.",
    )


# --- orders and hand-offs ------------------------------------------------------------------------


class OrderLineInput(serializers.Serializer):
    part = serializers.UUIDField(help_text="A part the order's steps make.")
    unit_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="単価, JPY excl. tax, to the sen at most.",
    )


class OrderRequestInput(serializers.Serializer):
    """Ask a workshop to do some of the job's steps (or, with `parent`, pass on some steps of
    an order one supplies: a sub-order), on these terms."""

    supplier = serializers.UUIDField()
    steps = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=STEPS_AT_ONCE
    )
    parent = serializers.UUIDField(
        required=False, allow_null=True, help_text="The order whose steps are passed on."
    )
    price = serializers.IntegerField(
        min_value=1,
        max_value=10**12 - 1,
        required=False,
        allow_null=True,
        help_text="JPY, excl. tax. Required unless `lines` price every part; with them, the "
        "sum of the lines (or omitted).",
    )
    lines = serializers.ListField(
        child=OrderLineInput(),
        required=False,
        max_length=STEPS_AT_ONCE,
        help_text="A unit price (単価) for every part the order makes; the order's price is "
        "the sum of unit price × quantity. Omit to price the order as a whole.",
    )
    due_date = serializers.DateField()
    delivery_place = serializers.CharField(max_length=300)
    inspection_due_date = serializers.DateField(required=False, allow_null=True)
    payment_due_date = serializers.DateField()
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    transfer_fee_payer = serializers.ChoiceField(
        choices=TransferFeePayer.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Who bears the transfer fee (振込手数料); empty: as the trading pair's terms "
        "say, else the buyer.",
    )
    terms_note = _text(2000)
    material_supply = serializers.ChoiceField(
        choices=MaterialSupply.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="材料支給: empty, none; `free` (無償支給) or `paid` (有償支給).",
    )
    supply_note = _text(300, "What the buyer supplies (required when it supplies).")
    supply_price = serializers.IntegerField(
        min_value=1,
        max_value=10**12 - 1,
        required=False,
        allow_null=True,
        help_text="有償支給: the price of the supplied material, JPY.",
    )
    supply_settlement_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="有償支給: when it is settled (not before the delivery date).",
    )


class InspectInput(serializers.Serializer):
    accepted = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)
    rejected = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)
    cause = serializers.ChoiceField(
        choices=DefectCause.choices, required=False, default="", allow_blank=True
    )
    reject_action = serializers.ChoiceField(
        choices=RejectAction.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="With rejects: return them to the supplier, or scrap them.",
    )
    inspected_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Blank: today."
    )
    note = _text(300)


class ReturnInput(serializers.Serializer):
    quantity = _quantity()
    cause = serializers.ChoiceField(choices=DefectCause.choices)
    note = _text(300)


class ReworkInput(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=REWORK_ACTIONS, help_text="`rework` (手直し) or `replace` (再製作)."
    )
    planned_hours = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=0,
        max_value=MAX_HOURS,
        required=False,
        allow_null=True,
        help_text="Blank: the redone step's.",
    )


class SupplyInput(serializers.Serializer):
    quantity = _quantity()
    to_step = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A first step of the order; blank: the first one.",
    )
    note = _text(300)
