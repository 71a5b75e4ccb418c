"""Routing steps to peers: order requests, acceptance, sub-orders, and changes of terms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import dates
from core.services import Problems, Refused, idempotent
from workshops.access import require_member
from workshops.models import Capability, User, Workshop
from workshops.selectors import capability_shortfall

from .. import rollups
from ..events import append_event, locked_job
from ..models import (
    FINISHED_STEP_STATES,
    LIVE_ORDER_STATES,
    CounterOffer,
    CounterStatus,
    DeclineReason,
    Job,
    MaterialSupply,
    Order,
    OrderItem,
    OrderStatus,
    Part,
    PaymentMethod,
    Step,
    StepLink,
    StepStatus,
    TradingTerms,
    TransferFeePayer,
)
from ..payment_terms import PaymentTerms, latest_lawful_payment, payment_due_date
from ..selectors import trading_pair
from .documents import acceptance_record, document_issue
from .progress import recompute

# 取適法 第3条 (旧下請法 第2条の2): the payment due date must fall within 60 days of receiving
# the goods, counting the day of receipt; orders/payment_terms.py holds the count.

TERM_FIELDS = (
    "price",
    "due_date",
    "delivery_place",
    "inspection_due_date",
    "payment_due_date",
    "payment_method",
    "transfer_fee_payer",
    "terms_note",
    "material_supply",
    "supply_note",
    "supply_price",
    "supply_settlement_date",
)


def with_payment_due_date(
    terms: dict[str, Any], payment_terms: PaymentTerms | None
) -> dict[str, Any]:
    """`terms` with the payment due date the pair's standing terms give for the delivery
    date, when none was entered (an entered date is kept: the form prefills, the buyer may
    change it)."""
    due = terms.get("due_date")
    if terms.get("payment_due_date") or payment_terms is None or not isinstance(due, date):
        return terms
    return {**terms, "payment_due_date": payment_due_date(payment_terms, due)}


def _pair_terms(pair: TradingTerms | None) -> PaymentTerms | None:
    return pair.as_terms() if pair else None


def check_terms(
    terms: dict[str, Any],
    payment_terms: PaymentTerms | None = None,
    *,
    pair: TradingTerms | None = None,
) -> dict[str, Any]:
    """Validate an order's terms; returns them cleaned. Raises Refused with every problem.
    With the pair's standing `payment_terms` (a monthly closing), the 60-day limit is read
    as the practice reads it for a closing (orders/payment_terms.py). `pair` (the trading
    pair's row) gives both those terms and who bears the transfer fee when none is given."""
    errors: dict[str, str] = {}
    if pair is not None and payment_terms is None:
        payment_terms = pair.as_terms()
    terms = with_payment_due_date(terms, payment_terms)
    cleaned = dict(terms)
    fee = terms.get("transfer_fee_payer") or (
        pair.transfer_fee_payer if pair is not None else TransferFeePayer.BUYER
    )
    if fee not in TransferFeePayer.values:
        errors["transfer_fee_payer"] = _("Choose who bears the transfer fee.")
    cleaned["transfer_fee_payer"] = fee
    try:
        price = Decimal(str(terms.get("price")))
        if not price.is_finite() or price <= 0:
            raise InvalidOperation
        if price != price.to_integral_value():
            errors["price"] = _("Give the price in whole yen.")
        cleaned["price"] = price
    except (InvalidOperation, ValueError, TypeError):
        errors["price"] = _("The price must be more than 0 yen.")
    today = timezone.localdate()
    due: date | None = terms.get("due_date")
    if not isinstance(due, date):
        errors["due_date"] = _("Enter the delivery date.")
    elif due < today:
        errors["due_date"] = _("The delivery date cannot be in the past.")
    if not (terms.get("delivery_place") or "").strip():
        errors["delivery_place"] = _("Enter where the parts are to be delivered.")
    inspection = terms.get("inspection_due_date")
    if inspection is not None and isinstance(due, date) and inspection < due:
        errors["inspection_due_date"] = _(
            "Inspection cannot be completed before the parts are delivered."
        )
    pay: date | None = terms.get("payment_due_date")
    if not isinstance(pay, date):
        errors["payment_due_date"] = _("Enter the payment due date.")
    elif isinstance(due, date) and pay > latest_lawful_payment(due, payment_terms):
        errors["payment_due_date"] = _(
            "The payment due date must be within 60 days of delivery (by %(latest)s). "
            "Under the Act on the Proper Conduct of Subcontract Transactions (取適法) the price "
            "must be paid within 60 days of receiving the goods, even if inspection is not "
            "finished."
        ) % {"latest": dates.day(latest_lawful_payment(due, payment_terms))}
    elif isinstance(due, date) and pay < today:
        errors["payment_due_date"] = _("The payment due date cannot be in the past.")
    if terms.get("payment_method") not in PaymentMethod.values:
        errors["payment_method"] = _(
            "Choose how the price is paid (promissory notes are not allowed)."
        )
    errors.update(_supply_problems(terms, cleaned))
    if errors:
        raise Refused(errors, code="terms")
    cleaned["delivery_place"] = terms["delivery_place"].strip()
    cleaned["terms_note"] = (terms.get("terms_note") or "").strip()
    return cleaned


def check_routable(steps: list[Step], buyer: Workshop) -> None:
    """Refused unless there are steps, none has started, and all are `buyer`'s to route (by
    an order or on the open board)."""
    if not steps:
        raise Refused({"steps": _("Choose at least one step of this job.")}, code="no_steps")
    for step in steps:
        if step.status in FINISHED_STEP_STATES or step.started_at is not None:
            raise Refused(
                {"steps": _("Step %(step)s has already started.") % {"step": step.label}},
                code="step_started",
            )
        if step.workshop_id != buyer.pk:
            raise Refused(
                {"steps": _("Step %(step)s is not yours to route.") % {"step": step.label}},
                code="not_yours",
            )


def steps_connected(steps: list[Step]) -> bool:
    """Do the chosen steps hang together in the DAG (one consecutive run, branches allowed)?"""
    ids = {s.pk for s in steps}
    parent = {pk: pk for pk in ids}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in StepLink.objects.filter(predecessor__in=ids, successor__in=ids).values_list(
        "predecessor_id", "successor_id"
    ):
        parent[find(a)] = find(b)
    return len({find(pk) for pk in ids}) == 1


def route_requirements(job: Job, steps: Iterable[Step]) -> dict[str, Any]:
    """What a shop must meet to be asked for `steps` of `job` directly: the job's material. The
    route form lists, and `order_request` accepts, exactly the shops
    `Workshop.objects.capable_of(processes, **these)` finds; the route suggestions ask the
    same. The lot is not a condition: a peer may take a lot beyond its usual range and pass
    it on (a sub-order), so the form and the suggestions show it as a warning instead."""
    return {"material": job.material}


def supplier_problem(
    supplier: Workshop, steps: Iterable[Step], requirements: dict[str, Any]
) -> str | None:
    """Why `supplier` may not be asked for `steps` under `requirements`, or None."""
    if not supplier.is_active:
        return _("That workshop is not active on shopnet.")
    steps = list(steps)
    processes = {s.process_id for s in steps}
    if Workshop.objects.capable_of(processes, **requirements).filter(pk=supplier.pk).exists():
        return None
    able = set(Capability.objects.filter(workshop=supplier).values_list("process_id", flat=True))
    missing = sorted({s.process.name for s in steps if s.process_id not in able})
    if missing:
        return _("%(shop)s does not list the capability for: %(processes)s.") % {
            "shop": supplier.name,
            "processes": ", ".join(missing),
        }
    shortfall = capability_shortfall(
        processes, among=Workshop.objects.filter(pk=supplier.pk), **requirements
    )
    return _("%(shop)s does not meet: %(conditions)s.") % {
        "shop": supplier.name,
        "conditions": pgettext("list separator", ", ").join(shortfall),
    }


def order_request_problems(
    *,
    job: Job,
    buyer: Workshop,
    supplier: Workshop | None,
    steps: list[Step],
    terms: dict[str, Any],
    parent: Order | None = None,
    requirements: dict[str, Any] | None = None,
) -> Problems:
    """Every reason `order_request` would refuse, by field, all at once (it reads, never
    writes): the route form shows them together instead of one layer per submit. A part left
    out (no supplier chosen yet) is not checked."""
    errors = Problems()
    if supplier is not None and supplier.pk == buyer.pk:
        errors.add("supplier", _("Choose another workshop: this one is your own."), "own_workshop")
    try:
        check_routable(steps, buyer)
    except Refused as refused:
        errors.add_refused(refused)
    for step in steps:
        live = step.orders.filter(status__in=LIVE_ORDER_STATES)
        live = live.filter(parent=parent) if parent else live.filter(parent__isnull=True)
        if live.exists():
            errors.add(
                "steps",
                _("Step %(step)s is already routed.") % {"step": step.label},
                "already_routed",
            )
        elif parent is None and Step.objects.on_open_board().filter(pk=step.pk).exists():
            errors.add(
                "steps",
                _("Step %(step)s is on the open board. Award or withdraw the posting first.")
                % {"step": step.label},
                "on_board",
            )
        if parent is not None and not parent.steps.filter(pk=step.pk).exists():
            errors.add("steps", _("Only steps of your own order can be passed on."), "not_yours")
    if len(steps) > 1 and not steps_connected(steps):
        errors.add(
            "steps",
            _("One request covers consecutive steps. Send separate requests instead."),
            "not_consecutive",
        )
    if supplier is not None and not supplier.is_member and supplier.pk != buyer.pk:
        # An outside shop lists no capabilities: the hub that brought it vouches for it, and
        # no other shop may ask it anything (docs/OUTSIDE_SHOPS.md).
        if supplier.invited_by_id != buyer.pk or not supplier.is_active:
            errors.add(
                "supplier", _("That workshop is not active on shopnet."), "supplier_inactive"
            )
    elif supplier is not None and supplier.pk != buyer.pk and steps:
        if requirements is None:
            requirements = route_requirements(job, steps)
        problem = supplier_problem(supplier, steps, requirements)
        if problem:
            code = "supplier_inactive" if not supplier.is_active else "no_capability"
            errors.add("supplier", problem, code)
    pair = (
        trading_pair(buyer.pk, supplier.pk)
        if supplier is not None and supplier.pk != buyer.pk
        else None
    )
    if terms.get("unit_prices"):
        price, _lines, line_errors = line_prices(
            order_items_for(steps) if steps else {}, terms["unit_prices"], terms.get("price")
        )
        for field, message in line_errors.items():
            errors.add(field, message, "lines")
        terms = {**terms, "price": price}
    try:
        check_terms(terms, pair=pair)
    except Refused as refused:
        errors.add_refused(refused)
    return errors


def _whole(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return amount if amount.is_finite() and amount > 0 else None


def lines_as_a_whole(
    quantities: dict[int, int], price: Any
) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """{part id: (unit price, amount)} when the buyer priced the order as a whole: one part
    carries the price (its unit price when the price divides to the sen); several parts are
    priced together (一式), no line has an amount."""
    amount = _whole(price)
    if len(quantities) != 1 or amount is None:
        return {part_id: (None, None) for part_id in quantities}
    ((part_id, quantity),) = quantities.items()
    unit = (amount / quantity).quantize(Decimal("0.01"))
    return {part_id: (unit if unit * quantity == amount else None, amount)}


def line_prices(
    quantities: dict[int, int], unit_prices: dict[Any, Any] | None, price: Any
) -> tuple[Any, dict[int, tuple[Decimal | None, Decimal | None]], dict[str, str]]:
    """(order price, {part id: (unit price, amount)}, problems) for an order of `quantities`
    (part id → quantity). Without `unit_prices` (part uuid → 単価) the order is priced as a
    whole (`lines_as_a_whole`). With them, every part needs a unit price of more than 0 yen, to
    the sen at most, whose amount (× quantity) comes to whole yen; the order's price is the sum
    of the amounts, and a price given as well must equal it."""
    if not unit_prices:
        return price, lines_as_a_whole(quantities, price), {}
    errors: dict[str, str] = {}
    wanted = {str(k): v for k, v in unit_prices.items()}
    parts = dict(Part.objects.filter(pk__in=quantities).values_list("pk", "uuid"))
    by_uuid = {str(u): pk for pk, u in parts.items()}
    if set(wanted) - set(by_uuid):
        errors["unit_prices"] = _("Only the parts of this order can be priced.")
    lines: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    for part_id, quantity in quantities.items():
        try:
            unit = Decimal(str(wanted.get(str(parts.get(part_id)))))
            if not unit.is_finite() or unit <= 0 or unit != unit.quantize(Decimal("0.01")):
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            errors["unit_prices"] = _(
                "Give every part a unit price of more than 0 yen, to the sen at most."
            )
            continue
        amount = unit * quantity
        if amount != amount.to_integral_value():
            errors["unit_prices"] = _(
                "A unit price times its quantity must come to whole yen (¥%(amount)s)."
            ) % {"amount": f"{amount:,.2f}"}
            continue
        lines[part_id] = (unit, amount.quantize(Decimal(1)))
    if errors:
        return price, {}, errors
    total = sum((amount for _unit, amount in lines.values()), Decimal(0))
    if price not in (None, "") and _whole(price) != total:
        errors["price"] = _(
            "The price is the sum of the lines (¥%(total)s): leave it empty or enter that sum."
        ) % {"total": f"{total:,}"}
    return total, lines, errors


def reprice_items(order: Order) -> None:
    """After the order's price changed (a change of terms, a counter-offer taken): lines that
    no longer sum to it are priced as a whole again (one part carries the price; several parts
    are 一式), since a new price says nothing of how it splits between the parts."""
    items = list(order.items.all())
    amounts = [item.amount for item in items]
    if None not in amounts and sum(amounts) == order.price:
        return
    lines = lines_as_a_whole({item.part_id: item.quantity for item in items}, order.price)
    for item in items:
        item.unit_price, item.amount = lines[item.part_id]
    OrderItem.objects.bulk_update(items, ["unit_price", "amount"])


def _supply_problems(terms: dict[str, Any], cleaned: dict[str, Any]) -> dict[str, str]:
    """材料支給 on the terms: none, free, or for a price settled on a date. Fills `cleaned`."""
    errors: dict[str, str] = {}
    supply = terms.get("material_supply") or ""
    if supply not in MaterialSupply.values:
        errors["material_supply"] = _("Choose whether the buyer supplies material.")
        return errors
    cleaned["material_supply"] = supply
    cleaned["supply_note"] = (terms.get("supply_note") or "").strip()[:300]
    cleaned["supply_price"] = None
    cleaned["supply_settlement_date"] = None
    if supply == MaterialSupply.NONE:
        cleaned["supply_note"] = ""
        return errors
    if not cleaned["supply_note"]:
        errors["supply_note"] = _("Say what material or parts the buyer supplies.")
    if supply == MaterialSupply.PAID:
        try:
            price = Decimal(str(terms.get("supply_price")))
            if not price.is_finite() or price <= 0 or price != price.to_integral_value():
                raise InvalidOperation
            cleaned["supply_price"] = price
        except (InvalidOperation, ValueError, TypeError):
            errors["supply_price"] = _(
                "Give the price of the supplied material in whole yen, more than 0."
            )
        settle = terms.get("supply_settlement_date")
        if not isinstance(settle, date):
            errors["supply_settlement_date"] = _(
                "Enter when the supplied material is settled (paid for)."
            )
        else:
            cleaned["supply_settlement_date"] = settle
            due = terms.get("due_date")
            if isinstance(due, date) and settle < due:
                # 取適法 第4条 / 旧下請法 第4条第2項第1号: the supplier may not be made to pay for
                # supplied material before it is paid for the goods made from it.
                errors["supply_settlement_date"] = _(
                    "The supplied material cannot be settled before the delivery date: the "
                    "supplier may not be made to pay for it before it is paid for the goods."
                )
    return errors


def order_items_for(steps: list[Step]) -> dict[int, int]:
    """What an order of `steps` owes, per part: the quantity its last steps of each part make
    (the steps of that part with no step of the same part after them inside the order)."""
    ids = {s.pk for s in steps}
    followed = set(
        StepLink.objects.filter(predecessor_id__in=ids, successor_id__in=ids)
        .filter(predecessor__part_id=F("successor__part_id"))
        .values_list("predecessor_id", flat=True)
    )
    items: dict[int, int] = {}
    for step in steps:
        if step.pk not in followed:
            items[step.part_id] = items.get(step.part_id, 0) + step.quantity
    return items


@idempotent("order.request", Order)
@transaction.atomic
def order_request(
    *,
    job: Job,
    actor: User | None,
    supplier: Workshop,
    steps: Iterable[Step],
    terms: dict[str, Any],
    parent: Order | None = None,
    requirements: dict[str, Any] | None = None,
) -> Order:
    """Ask `supplier` to do `steps` on the given terms. Without `parent`, the hub routes its own
    steps; with `parent`, that order's supplier passes some of its steps on (a sub-order).
    Refused with every problem at once (`order_request_problems`). `requirements` are what
    the supplier must meet (`route_requirements` unless an award brings the posting's)."""
    job = locked_job(job)
    if parent is not None:
        parent = Order.objects.select_for_update().get(pk=parent.pk)
        if parent.job_id != job.pk or parent.status != OrderStatus.ACCEPTED:
            raise Refused(
                _("Only steps of an accepted order can be passed on."), code="not_accepted"
            )
        buyer = parent.supplier
    else:
        buyer = job.owner
    require_member(actor, buyer, manage=True)
    steps = list(
        Step.objects.select_related("process")
        .select_for_update()
        .filter(pk__in=[s.pk for s in steps], job=job)
    )
    errors = order_request_problems(
        job=job,
        buyer=buyer,
        supplier=supplier,
        steps=steps,
        terms=terms,
        parent=parent,
        requirements=requirements,
    )
    if errors:
        raise Refused(errors)
    quantities = order_items_for(steps)
    price, lines, _problems = line_prices(quantities, terms.get("unit_prices"), terms.get("price"))
    cleaned = check_terms({**terms, "price": price}, pair=trading_pair(buyer.pk, supplier.pk))
    if not terms.get("unit_prices"):
        lines = lines_as_a_whole(quantities, cleaned["price"])
    order = Order.objects.create(
        job=job,
        parent=parent,
        buyer=buyer,
        supplier=supplier,
        requested_by=actor,
        **{k: cleaned.get(k) for k in TERM_FIELDS},
    )
    order.steps.set(steps)
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            part_id=part_id,
            quantity=quantity,
            unit_price=lines[part_id][0],
            amount=lines[part_id][1],
        )
        for part_id, quantity in quantities.items()
    )
    # Until the supplier accepts, nobody may start these steps.
    Step.objects.filter(pk__in=[s.pk for s in steps], status=StepStatus.READY).update(
        status=StepStatus.PLANNED
    )
    append_event(
        job,
        "order.requested",
        actor=actor,
        workshop=buyer,
        order=order,
        supplier=str(supplier.uuid),
        steps=[str(s.uuid) for s in steps],
        sub_order=parent is not None,
    )
    # 取適法 第4条: the terms are stated at once, when the order is placed, i.e. with the
    # request: version 1 of the order document, whose 製造委託等をした日 is today.
    document_issue(order=order, job=job, actor=actor, reason="")
    recompute(job, actor=actor)
    return order


def _locked_order(order: Order) -> tuple[Job, Order]:
    job = locked_job(order.job_id)
    return job, Order.objects.select_for_update().select_related("buyer", "supplier").get(
        pk=order.pk
    )


def _still_requested(order: Order) -> None:
    if order.status != OrderStatus.REQUESTED:
        raise Refused(
            _("This request was already %(status)s.") % {"status": order.get_status_display()},
            code="not_requested",
        )


@idempotent("order.accept", Order)
@transaction.atomic
def order_accept(*, order: Order, actor: User | None) -> Order:
    job, order = _locked_order(order)
    require_member(actor, order.supplier, manage=True)
    _still_requested(order)
    _accept(job, order, actor)
    recompute(job, actor=actor)
    return order


def _accept(
    job: Job,
    order: Order,
    actor: User | None,
    *,
    accepted_by: User | None = None,
    counter_offer: bool = False,
) -> None:
    """The order becomes a contract on its current terms: its steps move to the supplier,
    the acceptance is logged and recorded as a 注文請書 of the latest document version (the
    caller holds the job lock and recomputes). `accepted_by` is the supplier's person whose
    acceptance it is, when not `actor` (a counter-offer the buyer took). An open
    counter-offer is settled by the caller first."""
    order.status = OrderStatus.ACCEPTED
    order.decided_by = actor
    order.decided_at = timezone.now()
    order.save(update_fields=["status", "decided_by", "decided_at"])
    # The supplier now performs these steps (a sub-order moves them one shop further down).
    Step.objects.filter(pk__in=order.steps.values("pk")).update(workshop=order.supplier)
    if job.joint_at is None:
        # Two workshops now work on this job together: a joint order (共同受注) from here on.
        job.joint_at = order.decided_at
        job.save(update_fields=["joint_at"])
    append_event(job, "order.accepted", actor=actor, workshop=order.supplier, order=order)
    rollups.order_accepted(order, job)
    if not order.documents.exists():
        # A request sent before the document went with the request: its version 1 now.
        document_issue(order=order, job=job, actor=actor, reason="")
    acceptance_record(
        order=order,
        job=job,
        actor=accepted_by if counter_offer else actor,
        counter_offer=counter_offer,
    )


@idempotent("order.decline", Order)
@transaction.atomic
def order_decline(*, order: Order, actor: User | None, reason: str = "", code: str = "") -> Order:
    """Decline a request, saying why: a reason from the list (`code`, a DeclineReason) and/or
    a note in the supplier's words (`reason`); "another reason" needs the note."""
    job, order = _locked_order(order)
    require_member(actor, order.supplier, manage=True)
    _still_requested(order)
    reason = (reason or "").strip()
    code = (code or "").strip()
    errors = Problems()
    if code and code not in DeclineReason.values:
        errors.add("code", _("Choose a reason from the list."), "unknown_decline_reason")
    if not code and not reason:
        errors.add("reason", _("Tell the buyer why you decline."), "reason_required")
    elif code == DeclineReason.OTHER and not reason:
        errors.add("reason", _("Say in a few words what the reason is."), "reason_required")
    if len(reason) > 300:
        errors.add("reason", _("At most 300 characters."), "reason_too_long")
    if errors:
        raise Refused(errors)
    order.status = OrderStatus.DECLINED
    order.decline_code = code
    order.decline_reason = reason
    order.decided_by = actor
    order.decided_at = timezone.now()
    order.save(
        update_fields=["status", "decline_code", "decline_reason", "decided_by", "decided_at"]
    )
    append_event(
        job,
        "order.declined",
        actor=actor,
        workshop=order.supplier,
        order=order,
        code=code,
        reason=reason,
    )
    recompute(job, actor=actor)
    return order


@idempotent("order.withdraw", Order)
@transaction.atomic
def order_withdraw(*, order: Order, actor: User | None) -> Order:
    job, order = _locked_order(order)
    require_member(actor, order.buyer, manage=True)
    _still_requested(order)
    order.status = OrderStatus.WITHDRAWN
    order.decided_by = actor
    order.decided_at = timezone.now()
    order.save(update_fields=["status", "decided_by", "decided_at"])
    append_event(job, "order.withdrawn", actor=actor, workshop=order.buyer, order=order)
    recompute(job, actor=actor)
    return order


@transaction.atomic
def order_change_terms(
    *, order: Order, actor: User | None, terms: dict[str, Any], reason: str
) -> Order:
    """Change an accepted order's terms: a new document version is issued for both parties."""
    job, order = _locked_order(order)
    require_member(actor, order.buyer, manage=True)
    merged = {field: terms.get(field, getattr(order, field)) for field in TERM_FIELDS}
    # Once parts arrived, a planned payment date past the 60-day limit from that receipt must
    # be moved, even on a delivered order whose delivery date has passed: only that date.
    moving_late_payment = order.payment_date_late and all(
        merged[f] == getattr(order, f) for f in TERM_FIELDS if f != "payment_due_date"
    )
    if order.status != OrderStatus.ACCEPTED and not (
        moving_late_payment and order.status == OrderStatus.DELIVERED
    ):
        raise Refused(_("Only an accepted order's terms can be changed."), code="not_accepted")
    reason = (reason or "").strip()
    if not reason:
        raise Refused(
            {"reason": _("Say why the terms change; both parties will see it.")},
            code="reason_required",
        )
    if moving_late_payment:
        cleaned = {f: getattr(order, f) for f in TERM_FIELDS}
        cleaned["payment_due_date"] = merged["payment_due_date"]
        if not isinstance(cleaned["payment_due_date"], date):
            raise Refused({"payment_due_date": _("Enter the payment due date.")}, code="terms")
        if cleaned["payment_due_date"] < timezone.localdate():
            raise Refused(
                {"payment_due_date": _("The payment due date cannot be in the past.")},
                code="terms",
            )
    else:
        cleaned = check_terms(merged, pair=trading_pair(order.buyer_id, order.supplier_id))
    latest = order.payment_latest_lawful
    if latest is not None and cleaned["payment_due_date"] > latest:
        raise Refused(
            {
                "payment_due_date": _(
                    "Parts of this order were received: under the 60-day rule the payment "
                    "due date must be on or before %(latest)s."
                )
                % {"latest": dates.day(latest)}
            },
            code="payment_too_late",
        )
    changed = [f for f in TERM_FIELDS if getattr(order, f) != cleaned[f]]
    if not changed:
        raise Refused(_("Nothing in the terms changed."), code="no_change")
    for field in changed:
        setattr(order, field, cleaned[field])
    order.terms_version += 1
    order.save(update_fields=[*changed, "terms_version"])
    if "price" in changed:
        reprice_items(order)
    append_event(
        job,
        "order.terms_changed",
        actor=actor,
        workshop=order.buyer,
        order=order,
        fields=changed,
        version=order.terms_version,
    )
    document_issue(order=order, job=job, actor=actor, reason=reason)
    recompute(job, actor=actor)
    return order


# --- Counter-offers ------------------------------------------------------------------------


def _open_counter(order: Order) -> CounterOffer | None:
    return order.counters.select_for_update().filter(status=CounterStatus.OPEN).first()


def counter_problems(*, order: Order, price: Any, due_date: Any) -> Problems:
    """Every reason a counter-offer of `price` and `due_date` on `order` would be refused
    (reads only): the form shows them together."""
    errors = Problems()
    try:
        amount = Decimal(str(price))
        if not amount.is_finite() or amount <= 0:
            raise InvalidOperation
        if amount != amount.to_integral_value():
            errors.add("price", _("Give the price in whole yen."), "terms")
    except (InvalidOperation, ValueError, TypeError):
        errors.add("price", _("The price must be more than 0 yen."), "terms")
        amount = None
    if not isinstance(due_date, date):
        errors.add("due_date", _("Enter the delivery date."), "terms")
    elif due_date < timezone.localdate():
        errors.add("due_date", _("The delivery date cannot be in the past."), "terms")
    if amount is not None and amount == order.price and due_date == order.due_date:
        errors.add(
            "__all__",
            _(
                "A counter-offer changes the price or the delivery date: "
                "accept the request instead."
            ),
            "no_change",
        )
    return errors


@transaction.atomic
def order_counter(
    *, order: Order, actor: User | None, price: Any, due_date: date, note: str = ""
) -> CounterOffer:
    """The supplier answers a request with another price or delivery date. The request stays
    open on its own terms until the buyer answers; nothing is issued yet."""
    job, order = _locked_order(order)
    require_member(actor, order.supplier, manage=True)
    _still_requested(order)
    if _open_counter(order) is not None:
        raise Refused(
            _("Your counter-offer is waiting for the buyer's answer."), code="counter_open"
        )
    errors = counter_problems(order=order, price=price, due_date=due_date)
    if errors:
        raise Refused(errors)
    counter = CounterOffer.objects.create(
        order=order,
        price=Decimal(str(price)),
        due_date=due_date,
        note=(note or "").strip()[:300],
        proposed_by=actor,
    )
    # No price in the event: the job's log is read by every party, floor staff included.
    append_event(
        job,
        "order.countered",
        actor=actor,
        workshop=order.supplier,
        order=order,
        counter=str(counter.uuid),
        due_date=due_date.isoformat(),
    )
    return counter


def _locked_counter(counter: CounterOffer) -> tuple[Job, Order, CounterOffer]:
    job, order = _locked_order(counter.order)
    counter = CounterOffer.objects.select_for_update().get(pk=counter.pk)
    if counter.status != CounterStatus.OPEN or order.status != OrderStatus.REQUESTED:
        raise Refused(_("This counter-offer was already answered."), code="counter_answered")
    return job, order, counter


@transaction.atomic
def order_counter_accept(
    *, counter: CounterOffer, actor: User | None, payment_due_date: date | None = None
) -> Order:
    """The buyer takes the supplier's counter-offer: the order takes its price and delivery
    date and is accepted on them, and its document is issued (the only new version a
    counter-offer makes). The payment due date is the one given, else the pair's payment
    terms' for the new date, else the request's; it must still meet the 60-day rule."""
    job, order, counter = _locked_counter(counter)
    require_member(actor, order.buyer, manage=True)
    pair = trading_pair(order.buyer_id, order.supplier_id)
    merged = {field: getattr(order, field) for field in TERM_FIELDS}
    merged.update(price=counter.price, due_date=counter.due_date)
    if payment_due_date is not None:
        merged["payment_due_date"] = payment_due_date
    elif pair is not None:
        merged["payment_due_date"] = None  # filled in from the terms for the new date
    cleaned = check_terms(merged, pair=pair)
    changed = [f for f in TERM_FIELDS if getattr(order, f) != cleaned[f]]
    for field in changed:
        setattr(order, field, cleaned[field])
    issued = order.documents.exists()
    if changed and issued:
        order.terms_version += 1
    if changed:
        order.save(update_fields=[*changed, "terms_version"])
    if "price" in changed:
        reprice_items(order)
    counter.status = CounterStatus.ACCEPTED
    counter.decided_by, counter.decided_at = actor, timezone.now()
    counter.save(update_fields=["status", "decided_by", "decided_at"])
    append_event(
        job,
        "order.counter_accepted",
        actor=actor,
        workshop=order.buyer,
        order=order,
        counter=str(counter.uuid),
        fields=changed,
    )
    if changed and issued:
        # The terms the supplier offered and the buyer took: the next version of the document,
        # which the supplier's 注文請書 then accepts.
        document_issue(
            order=order,
            job=job,
            actor=actor,
            reason=pgettext("document reason", "Counter-offer accepted"),
        )
    _accept(job, order, actor, accepted_by=counter.proposed_by, counter_offer=True)
    recompute(job, actor=actor)
    return order


@transaction.atomic
def order_counter_decline(
    *, counter: CounterOffer, actor: User | None, reason: str = ""
) -> CounterOffer:
    """The buyer declines the counter-offer: the request stands on its own terms, and the
    supplier may accept it, decline it or offer again."""
    job, order, counter = _locked_counter(counter)
    require_member(actor, order.buyer, manage=True)
    counter.status = CounterStatus.DECLINED
    counter.decided_by, counter.decided_at = actor, timezone.now()
    counter.save(update_fields=["status", "decided_by", "decided_at"])
    append_event(
        job,
        "order.counter_declined",
        actor=actor,
        workshop=order.buyer,
        order=order,
        counter=str(counter.uuid),
        reason=(reason or "").strip()[:300],
    )
    return counter
