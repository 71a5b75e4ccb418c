"""Parts moving between shops: shipments per part and destination, receipts, acceptance
inspection (検収), returns and rework (不良返品・手直し), and material the buyer supplies
(材料支給).

Quantities are conserved and checked under the job's lock: a step ships no more than it made
good less what it already shipped, and no more than the destination is owed; a receipt is no
more than was shipped; accepted + rejected = received; a return is no more than was rejected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import Problems, Refused, idempotent
from workshops.access import require_member
from workshops.models import User

from .. import rollups
from ..events import append_event, locked_job
from ..models import (
    FINISHED_STEP_STATES,
    DefectCause,
    HandOff,
    HandOffKind,
    HandOffStatus,
    Job,
    JobStatus,
    MaterialSupply,
    Order,
    OrderStatus,
    RejectAction,
    Step,
    StepLink,
    StepStatus,
)
from ..payment_terms import latest_lawful_payment, payment_date_problems
from ..selectors import ship_plan, supply_targets, trading_terms
from .progress import _locked_step, _performer_may, recompute

NOTE_LENGTH = 300


def _count(value: Any, field: str = "quantity") -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise Refused({field: _("Enter a whole number.")}, code="not_a_number") from None
    if n < 0:
        raise Refused({field: _("The quantity cannot be negative.")}, code="negative")
    return n


def _note(*notes: str) -> str:
    return " / ".join(n.strip() for n in notes if n and n.strip())[:NOTE_LENGTH]


def _cause(value: str, *, field: str = "cause") -> str:
    value = (value or "").strip()
    if value not in DefectCause.values:
        raise Refused({field: _("Choose the cause of the defect.")}, code="cause_required")
    return value


# --- shipping ------------------------------------------------------------------------------------


@idempotent("handoff.ship", HandOff)
@transaction.atomic
def handoff_ship(
    *,
    step: Step,
    actor: User | None,
    quantity: int,
    to_step: Step | None = None,
    note: str = "",
) -> HandOff:
    """Ship parts a done step made to one of its destinations (`to_step`, or None for the
    buyer of its order). Refused, with nothing written, beyond what the step may still ship
    there."""
    job, step = _locked_step(step)
    _performer_may(actor, step)
    if step.status != StepStatus.DONE:
        raise Refused(_("Parts can be shipped once the step is done."), code="not_done")
    destinations = ship_plan([step])[step.pk]
    if to_step is not None:
        match = [d for d in destinations if d.step is not None and d.step.pk == to_step.pk]
    else:
        match = [d for d in destinations if d.step is None] or destinations[:1]
    if not match:
        raise Refused(_("There is no shop to ship these parts to."), code="no_destination")
    destination = match[0]
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise Refused({"quantity": _("Enter a whole number.")}, code="not_a_number") from None
    if quantity < 1:
        raise Refused({"quantity": _("Ship at least one part.")}, code="negative")
    if quantity > destination.left:
        raise Refused(
            {
                "quantity": _(
                    "Only %(left)s of %(part)s can still be shipped there (made good, less what "
                    "was shipped, up to what is owed there)."
                )
                % {"left": destination.left, "part": step.part.name}
            },
            code="too_many",
        )
    handoff = HandOff.objects.create(
        job=job,
        kind=HandOffKind.SHIP,
        part=step.part,
        order=destination.order,
        from_step=step,
        to_step=destination.step,
        from_workshop=step.workshop,
        to_workshop=destination.shop,
        status=HandOffStatus.SHIPPED,
        quantity_shipped=quantity,
        shipped_by=actor,
        note=_note(note),
    )
    append_event(
        job,
        "handoff.shipped",
        actor=actor,
        workshop=step.workshop,
        step=step,
        handoff=handoff,
        part=str(step.part.uuid),
        to_workshop=str(destination.shop.uuid),
        to_step=str(destination.step.uuid) if destination.step else None,
        quantity=quantity,
    )
    return handoff


# --- receiving and inspecting --------------------------------------------------------------------


def inspection_deferred(handoff: HandOff) -> bool:
    """Whether the buyer inspects these parts after receipt: they come to the buyer itself
    under an order that sets an inspection completion date. Everywhere else the receiving shop
    counts good and rejected parts as it receives them."""
    return (
        handoff.kind == HandOffKind.SHIP
        and handoff.to_step_id is None
        and handoff.order_id is not None
        and handoff.order.inspection_due_date is not None
    )


@idempotent("handoff.receive", HandOff)
@transaction.atomic
def handoff_receive(
    *,
    handoff: HandOff,
    actor: User | None,
    quantity: int,
    rejected: int = 0,
    cause: str = "",
    note: str = "",
) -> HandOff:
    """Receive parts: how many arrived and, unless the buyer inspects later, how many of them
    are rejected (with the cause). A short receipt is kept on the hand-off and shown in red."""
    job = locked_job(handoff.job_id)
    handoff = (
        HandOff.objects.select_for_update(of=("self",))
        .select_related("to_workshop", "order", "part")
        .get(pk=handoff.pk)
    )
    require_member(actor, handoff.to_workshop)
    if handoff.status == HandOffStatus.RECEIVED:
        raise Refused(_("These parts were already received."), code="already_received")
    problems = Problems()
    try:
        quantity = _count(quantity)
        if quantity > handoff.quantity_shipped:
            problems.add(
                "quantity",
                _("You cannot receive more than was shipped (%(n)s).")
                % {"n": handoff.quantity_shipped},
                "too_many",
            )
    except Refused as refused:
        problems.add_refused(refused)
        quantity = 0
    try:
        rejected = _count(rejected or 0, "rejected")
    except Refused as refused:
        problems.add_refused(refused)
        rejected = 0
    deferred = inspection_deferred(handoff)
    if rejected and deferred:
        problems.add(
            "rejected",
            _("These parts are inspected after receipt: record rejects in the inspection."),
            "inspected_later",
        )
    elif rejected > quantity:
        problems.add(
            "rejected",
            _("You cannot reject more than you received."),
            "too_many",
        )
    elif rejected:
        try:
            cause = _cause(cause)
        except Refused as refused:
            problems.add_refused(refused)
    if problems:
        raise Refused(problems, code=problems.code)
    handoff.status = HandOffStatus.RECEIVED
    handoff.quantity_received = quantity
    handoff.received_by = actor
    handoff.received_at = timezone.now()
    handoff.note = _note(handoff.note, note)
    fields = ["status", "quantity_received", "received_by", "received_at", "note"]
    if not deferred:
        handoff.quantity_accepted = quantity - rejected
        handoff.quantity_rejected = rejected
        handoff.inspected_by = actor
        handoff.inspected_on = timezone.localdate()
        if rejected:
            handoff.defect_cause = cause
        elif handoff.kind != HandOffKind.RETURN:  # a return keeps why it was sent back
            handoff.defect_cause = ""
        fields += [
            "quantity_accepted",
            "quantity_rejected",
            "inspected_by",
            "inspected_on",
            "defect_cause",
        ]
    handoff.save(update_fields=fields)
    append_event(
        job,
        "handoff.received",
        actor=actor,
        workshop=handoff.to_workshop,
        step=handoff.to_step or handoff.from_step,
        handoff=handoff,
        part=str(handoff.part.uuid),
        quantity=quantity,
        shortfall=handoff.shortfall,
        **({"rejected": rejected, "cause": handoff.defect_cause} if rejected else {}),
        **({"handoff_kind": handoff.kind} if handoff.kind != HandOffKind.SHIP else {}),
    )
    _check_payment_date(job, handoff, actor)
    if handoff.inspected:
        _settle_delivered_orders(job, handoff, actor)
    recompute(job, actor=actor)
    return handoff


@idempotent("handoff.inspect", HandOff)
@transaction.atomic
def handoff_inspect(
    *,
    handoff: HandOff,
    actor: User | None,
    accepted: int,
    rejected: int = 0,
    cause: str = "",
    reject_action: str = "",
    inspected_on: dt.date | None = None,
    note: str = "",
) -> HandOff:
    """検収: the buyer records how many of the received parts it accepts and rejects, the
    date, and what becomes of the rejects (returned to the supplier, or scrapped)."""
    job = locked_job(handoff.job_id)
    handoff = (
        HandOff.objects.select_for_update(of=("self",))
        .select_related("to_workshop", "order", "part")
        .get(pk=handoff.pk)
    )
    require_member(actor, handoff.to_workshop, manage=True)
    if handoff.status != HandOffStatus.RECEIVED:
        raise Refused(_("Parts can be inspected once they are received."), code="not_received")
    if handoff.inspected:
        raise Refused(_("These parts were already inspected."), code="already_inspected")
    problems = Problems()
    counts = {}
    for field, value in (("accepted", accepted), ("rejected", rejected or 0)):
        try:
            counts[field] = _count(value, field)
        except Refused as refused:
            problems.add_refused(refused)
            counts[field] = 0
    received = handoff.quantity_received or 0
    if not problems and counts["accepted"] + counts["rejected"] != received:
        problems.add(
            "accepted",
            _("Accepted and rejected together must make the %(n)s parts received.")
            % {"n": received},
            "counts_mismatch",
        )
    if counts["rejected"]:
        try:
            cause = _cause(cause)
        except Refused as refused:
            problems.add_refused(refused)
        if reject_action not in RejectAction.values:
            problems.add(
                "reject_action",
                _("Say what becomes of the rejected parts."),
                "action_required",
            )
    today = timezone.localdate()
    inspected_on = inspected_on or today
    if inspected_on > today:
        problems.add(
            "inspected_on",
            _("The inspection date cannot be in the future."),
            "future_date",
        )
    elif handoff.received_at and inspected_on < timezone.localtime(handoff.received_at).date():
        problems.add(
            "inspected_on",
            _("The inspection date cannot be before the parts arrived."),
            "before_arrival",
        )
    if problems:
        raise Refused(problems, code=problems.code)
    handoff.quantity_accepted = counts["accepted"]
    handoff.quantity_rejected = counts["rejected"]
    handoff.defect_cause = cause if counts["rejected"] else ""
    handoff.reject_action = reject_action if counts["rejected"] else ""
    handoff.inspected_by = actor
    handoff.inspected_on = inspected_on
    handoff.note = _note(handoff.note, note)
    handoff.save(
        update_fields=[
            "quantity_accepted",
            "quantity_rejected",
            "defect_cause",
            "reject_action",
            "inspected_by",
            "inspected_on",
            "note",
        ]
    )
    append_event(
        job,
        "handoff.inspected",
        actor=actor,
        workshop=handoff.to_workshop,
        step=handoff.from_step,
        handoff=handoff,
        order=handoff.order,
        part=str(handoff.part.uuid),
        accepted=counts["accepted"],
        rejected=counts["rejected"],
        cause=handoff.defect_cause,
        reject_action=handoff.reject_action,
        inspected_on=inspected_on.isoformat(),
    )
    _check_payment_date(job, handoff, actor)
    _settle_delivered_orders(job, handoff, actor)
    recompute(job, actor=actor)
    return handoff


def _check_payment_date(job: Job, handoff: HandOff, actor: User | None) -> None:
    """The 60-day rule against the actual receipt (分納: each lot): the receipt day of
    delivered parts may bring the latest lawful payment date before the order's planned one.
    Then the order keeps that date, the log says so (`order.payment_date_late`, which tells
    both parties) and the buyer must set a new payment date. An earlier receipt of the same
    order already bound the date: nothing changes."""
    if handoff.kind != HandOffKind.SHIP or handoff.order_id is None or not handoff.received_at:
        return
    order = Order.objects.select_for_update().get(pk=handoff.order_id)
    if order.status not in (OrderStatus.ACCEPTED, OrderStatus.DELIVERED):
        return
    if handoff.to_step_id and order.steps.filter(pk=handoff.to_step_id).exists():
        return  # moved between shops inside the order: not a delivery to its buyer
    receipt = timezone.localtime(handoff.received_at).date()
    terms = trading_terms(order.buyer_id, order.supplier_id)
    latest = latest_lawful_payment(receipt, terms)
    if order.payment_latest_lawful is not None and order.payment_latest_lawful <= latest:
        return
    order.payment_latest_lawful = latest
    order.save(update_fields=["payment_latest_lawful"])
    if payment_date_problems(receipt=receipt, payment=order.payment_due_date, terms=terms):
        append_event(
            job,
            "order.payment_date_late",
            actor=actor,
            workshop=order.buyer,
            order=order,
            handoff=handoff,
            received_on=receipt.isoformat(),
            payment_due_date=order.payment_due_date.isoformat(),
            latest_lawful=latest.isoformat(),
        )


def _settle_delivered_orders(job: Job, handoff: HandOff, actor: User | None) -> None:
    """分納: an accepted order is delivered when every step it covers is finished and, for
    each of its items, the parts that left it (to the buyer, or on to the next shop the buyer
    routed them to) and were accepted there make what it owes (`owed_per_part`)."""
    if handoff.kind != HandOffKind.SHIP or handoff.from_step_id is None:
        return
    for order in Order.objects.filter(
        job=job, status=OrderStatus.ACCEPTED, steps=handoff.from_step_id
    ).distinct():
        steps = list(order.steps.all())
        step_ids = {s.pk for s in steps}
        if handoff.to_step_id in step_ids:
            continue  # moved between shops inside the order (to or from a sub-supplier)
        if any(s.status not in FINISHED_STEP_STATES for s in steps):
            continue
        accepted: dict[int, int] = {}
        scrapped: dict[int, int] = {}
        for part_id, n, rejected, action in (
            HandOff.objects.filter(job=job, kind=HandOffKind.SHIP, from_step_id__in=step_ids)
            .exclude(to_step_id__in=step_ids)
            .values_list("part_id", "quantity_accepted", "quantity_rejected", "reject_action")
        ):
            accepted[part_id] = accepted.get(part_id, 0) + (n or 0)
            if action == RejectAction.SCRAP:
                scrapped[part_id] = scrapped.get(part_id, 0) + (rejected or 0)
        owed = owed_per_part(order, steps, scrapped)
        if any(accepted.get(part_id, 0) < n for part_id, n in owed.items()):
            continue
        order.status = OrderStatus.DELIVERED
        order.delivered_at = timezone.now()
        order.save(update_fields=["status", "delivered_at"])
        append_event(job, "order.delivered", actor=actor, workshop=order.buyer, order=order)
        rollups.order_delivered(order)


def owed_per_part(order: Order, steps: list[Step], scrapped: dict[int, int]) -> dict[int, int]:
    """What a finished order still has to hand over, per part: the quantity ordered, or what
    its last steps of that part made good when that is less (the supplier's own scrap is on
    the record with its cause, not a delivery still to come), less rejects the buyer scrapped
    instead of returning. A short receipt is never owed away: it stays to be delivered."""
    ids = {s.pk for s in steps}
    followed = set(
        StepLink.objects.filter(
            predecessor_id__in=ids, successor_id__in=ids, successor__rework_of__isnull=True
        )
        .filter(predecessor__part_id=F("successor__part_id"))
        .values_list("predecessor_id", flat=True)
    )
    made: dict[int, int] = {}
    for step in steps:
        if step.pk not in followed and step.status == StepStatus.DONE:
            made[step.part_id] = made.get(step.part_id, 0) + (step.good_qty or 0)
    return {
        item.part_id: min(item.quantity, made.get(item.part_id, 0)) - scrapped.get(item.part_id, 0)
        for item in order.items.all()
    }


# --- returns and rework --------------------------------------------------------------------------


def returned_quantities(handoffs: list[HandOff]) -> dict[int, int]:
    """How many of each hand-off's parts were already sent back, in one query."""
    return dict(
        HandOff.objects.filter(kind=HandOffKind.RETURN, return_of__in=handoffs)
        .values("return_of_id")
        .annotate(n=Sum("quantity_shipped"))
        .values_list("return_of_id", "n")
    )


@idempotent("handoff.return", HandOff)
@transaction.atomic
def handoff_return(
    *, handoff: HandOff, actor: User | None, quantity: int, cause: str, note: str = ""
) -> HandOff:
    """Send rejected parts back to the shop that shipped them (不良返品), with the cause."""
    job = locked_job(handoff.job_id)
    handoff = (
        HandOff.objects.select_for_update(of=("self",))
        .select_related("to_workshop", "from_workshop", "part", "from_step")
        .get(pk=handoff.pk)
    )
    require_member(actor, handoff.to_workshop)
    if handoff.kind != HandOffKind.SHIP or handoff.from_step_id is None:
        raise Refused(_("Only shipped parts can be returned."), code="not_returnable")
    if handoff.reject_action == RejectAction.SCRAP:
        # The buyer scrapped these rejects at inspection: the order owes them no more
        # (`owed_per_part`), so sending them back as well would count them twice.
        raise Refused(
            _("The rejected parts of this delivery were scrapped: there is nothing to return."),
            code="rejects_scrapped",
        )
    problems = Problems()
    left = (handoff.quantity_rejected or 0) - returned_quantities([handoff]).get(handoff.pk, 0)
    try:
        quantity = _count(quantity)
        if quantity < 1:
            problems.add(
                "quantity",
                _("Return at least one part."),
                "negative",
            )
        elif quantity > left:
            problems.add(
                "quantity",
                (
                    _("Only %(n)s rejected parts of this delivery are left to return.")
                    % {"n": left}
                    if left
                    else _("No parts of this delivery were rejected: there is nothing to return.")
                ),
                "nothing_to_return",
            )
    except Refused as refused:
        problems.add_refused(refused)
    try:
        cause = _cause(cause)
    except Refused as refused:
        problems.add_refused(refused)
    if problems:
        raise Refused(problems, code=problems.code)
    back = HandOff.objects.create(
        job=job,
        kind=HandOffKind.RETURN,
        part=handoff.part,
        order=handoff.order,
        return_of=handoff,
        from_step=handoff.to_step,
        to_step=handoff.from_step,
        from_workshop=handoff.to_workshop,
        to_workshop=handoff.from_workshop,
        status=HandOffStatus.SHIPPED,
        quantity_shipped=quantity,
        shipped_by=actor,
        defect_cause=cause,
        note=_note(note),
    )
    append_event(
        job,
        "handoff.returned",
        actor=actor,
        workshop=handoff.to_workshop,
        step=handoff.from_step,
        handoff=back,
        part=str(handoff.part.uuid),
        quantity=quantity,
        cause=cause,
        to_workshop=str(handoff.from_workshop.uuid),
    )
    return back


REWORK_ACTIONS = ("rework", "replace")


@idempotent("handoff.rework", Step)
@transaction.atomic
def return_resolve(
    *, handoff: HandOff, actor: User | None, action: str, planned_hours: Any = None
) -> Step:
    """The supplier decides what to do with returned parts it received: rework them (手直し)
    or make replacements (再製作). Either opens a new step at its shop, ready at once, for the
    parts that came back; it ships where the returned parts had gone."""
    job = locked_job(handoff.job_id)
    handoff = (
        HandOff.objects.select_for_update(of=("self",))
        .select_related("to_workshop", "to_step__process", "part")
        .get(pk=handoff.pk)
    )
    require_member(actor, handoff.to_workshop, manage=True)
    if handoff.kind != HandOffKind.RETURN:
        raise Refused(_("Only returned parts can be reworked."), code="not_a_return")
    if handoff.status != HandOffStatus.RECEIVED:
        raise Refused(_("Receive the returned parts first."), code="not_received")
    if handoff.resolved_by_step_id:
        raise Refused(_("These returned parts are already being dealt with."), code="resolved")
    if action not in REWORK_ACTIONS:
        raise Refused({"action": _("Choose rework or replacement.")}, code="action_unknown")
    if not handoff.quantity_received:
        raise Refused(_("None of the returned parts arrived."), code="nothing_received")
    original = handoff.to_step
    if original.rework_of_id:
        original = Step.objects.select_related("process").get(pk=original.rework_of_id)
    hours = original.planned_hours if planned_hours in (None, "") else planned_hours
    title = _("Rework") if action == "rework" else _("Replacement")
    step = Step.objects.create(
        job=job,
        part_id=original.part_id,
        process_id=original.process_id,
        title=f"{title} ({original.title})" if original.title else title,
        position=original.position,
        planned_hours=hours,
        quantity=handoff.quantity_received,
        workshop=handoff.to_workshop,
        status=StepStatus.READY,
        rework_of=original,
    )
    StepLink.objects.create(predecessor=original, successor=step)
    for order in original.orders.filter(status__in=(OrderStatus.ACCEPTED, OrderStatus.DELIVERED)):
        order.steps.add(step)
    handoff.resolved_by_step = step
    handoff.save(update_fields=["resolved_by_step"])
    if job.status == JobStatus.DONE:
        # Parts came back after the job was done: it is open again until the rework is.
        job.status = JobStatus.IN_PROGRESS
        job.save(update_fields=["status", "updated_at"])
        append_event(job, "job.reopened", actor=actor, workshop=job.owner, step=step)
    append_event(
        job,
        "step.rework_opened",
        actor=actor,
        workshop=handoff.to_workshop,
        step=step,
        handoff=handoff,
        action=action,
        rework_of=str(original.uuid),
        quantity=step.quantity,
    )
    recompute(job, actor=actor)
    return step


# --- material the buyer supplies -----------------------------------------------------------------


@idempotent("handoff.supply", HandOff)
@transaction.atomic
def supply_ship(
    *, order: Order, actor: User | None, quantity: int, note: str = "", to_step: Step | None = None
) -> HandOff:
    """材料支給: the buyer sends the material or parts an order says it supplies; the supplier's
    first step is ready only once it has received them."""
    job = locked_job(order.job_id)
    order = Order.objects.select_related("buyer", "supplier").get(pk=order.pk)
    require_member(actor, order.buyer, manage=True)
    if order.material_supply == MaterialSupply.NONE:
        raise Refused(_("This order does not say the buyer supplies material."), code="no_supply")
    if order.status != OrderStatus.ACCEPTED:
        raise Refused(
            _("Material can be sent once the supplier has accepted the order."),
            code="not_accepted",
        )
    targets = supply_targets(order)
    if to_step is not None:
        targets = [s for s in targets if s.pk == to_step.pk]
    if not targets:
        raise Refused(_("No step of this order takes supplied material."), code="no_destination")
    quantity = _count(quantity)
    if quantity < 1:
        raise Refused({"quantity": _("Send at least one.")}, code="negative")
    target = targets[0]
    handoff = HandOff.objects.create(
        job=job,
        kind=HandOffKind.SUPPLY,
        part=target.part,
        order=order,
        from_step=None,
        to_step=target,
        from_workshop=order.buyer,
        to_workshop=order.supplier,
        status=HandOffStatus.SHIPPED,
        quantity_shipped=quantity,
        shipped_by=actor,
        note=_note(note),
    )
    append_event(
        job,
        "handoff.supplied",
        actor=actor,
        workshop=order.buyer,
        step=target,
        order=order,
        handoff=handoff,
        part=str(target.part.uuid),
        quantity=quantity,
        supply=order.material_supply,
    )
    return handoff
