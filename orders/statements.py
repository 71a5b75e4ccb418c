"""Purchase statements (仕入明細書) and delivery notes (納品書): the reads.

- the closing period of a trading pair for a month (`statement_period`: it ends on the pair's
  closing day, 締日, from `TradingTerms`; month end when the pair has none);
- the receipts an order's buyer accepted from its supplier (`pair_receipts`): shipments that
  left the order (to its buyer, or on to the next shop the buyer routed them to), received and
  inspected, each with its amount;
- the price of N units of an order's item (`price_of_units`): the one place that prices a line;
- totals per tax rate with the tax rounded once per rate (`totals_per_rate`);
- who may see a statement (`statements_visible_to`, `get_statement_for`) and a delivery note
  (`get_delivery_note_for`).

The writes are in `orders/services/statements.py`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from workshops.models import User, Workshop
from workshops.selectors import user_roles

from .models import (
    LIVE_STATEMENT_STATES,
    HandOff,
    HandOffKind,
    HandOffStatus,
    Order,
    OrderStatus,
    PurchaseStatement,
    PurchaseStatementLine,
    TradingTerms,
)
from .payment_terms import MONTH_END, PaymentTerms, latest_lawful_payment, payment_due_date
from .tax import tax_by_rate, tax_on

# Orders whose accepted receipts are owed for: a cancelled order's accepted parts are still paid.
BILLED_ORDER_STATES = (OrderStatus.ACCEPTED, OrderStatus.DELIVERED, OrderStatus.CANCELLED)


# --- the period -------------------------------------------------------------------------------


def _day_of(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def pair_terms(buyer: Workshop, supplier: Workshop) -> PaymentTerms | None:
    row = TradingTerms.objects.filter(buyer=buyer, supplier=supplier).first()
    return row.as_terms() if row is not None else None


def statement_period(terms: PaymentTerms | None, year: int, month: int) -> tuple[dt.date, dt.date]:
    """The closing period that ends in `month`: from the day after last month's closing day to
    this month's (31 = month end; a shorter month closes on its last day)."""
    closing = terms.closing_day if terms is not None else MONTH_END
    end = _day_of(year, month, closing)
    previous_year, previous_month = (year, month - 1) if month > 1 else (year - 1, 12)
    start = _day_of(previous_year, previous_month, closing) + dt.timedelta(days=1)
    return start, end


# --- pricing ----------------------------------------------------------------------------------


def ordered_units(order: Order) -> int:
    """How many units the order's price is for: the sum of its items (the job's quantity for
    an order made before items existed). Reads the prefetched items."""
    return sum(item.quantity for item in order.items.all()) or order.job.quantity


def price_of_units(
    order: Order, part_id: int, quantity: int, *, before: int, before_of_part: int = 0
) -> Decimal:
    """The price (excl. tax, whole yen) of `quantity` units of `order`'s item for `part_id`,
    when `before` units of the order (`before_of_part` of that part) were billed earlier.

    An order priced per line (every item has its 金額) prices a part from its own line: the
    line's amount apportioned over the line's quantity. An order priced as a whole (一式, and
    orders from before lines were priced) apportions its one price over all its units. Either
    way cumulatively, so the lines of an order delivered in lots (分納) add up to its price to
    the yen, and units beyond what was ordered add nothing. The one function that prices a
    line. Reads the prefetched items."""
    if quantity <= 0:
        return Decimal(0)
    items = list(order.items.all())
    if items and all(item.amount is not None for item in items):
        item = next((item for item in items if item.part_id == part_id), None)
        if item is None:
            return Decimal(0)
        return _apportioned(item.amount, item.quantity, before_of_part, quantity)
    return _apportioned(order.price, ordered_units(order), before, quantity)


def _apportioned(price: Decimal, units: int, before: int, quantity: int) -> Decimal:
    """Units before+1 … before+quantity of `units` sharing `price`, rounded down cumulatively."""
    if units <= 0:
        return Decimal(0)

    def up_to(n: int) -> Decimal:
        n = min(max(n, 0), units)
        return (price * n / units).quantize(Decimal(1), rounding=ROUND_DOWN)

    return up_to(before + quantity) - up_to(before)


def tax_of(amount: Decimal, rate: Decimal) -> Decimal:
    """Consumption tax on `amount` at `rate`, rounded down to the yen: once per rate per
    document (適格請求書), never per line."""
    return tax_on(amount, rate)


def totals_per_rate(lines) -> list[dict]:
    """[{"rate": "0.100", "amount": int, "tax": int}], highest rate first, from lines with
    `amount` and `tax_rate`: the amounts of a rate are summed, then taxed once."""
    return [
        {"rate": str(total.rate), "amount": int(total.base), "tax": int(total.tax)}
        for total in tax_by_rate(
            (Decimal(line.tax_rate).quantize(Decimal("0.001")), line.amount) for line in lines
        )
    ]


# --- receipts ---------------------------------------------------------------------------------


@dataclass
class Receipt:
    """One shipment that left an order, as its buyer received it."""

    order: Order
    handoff: HandOff
    received_on: dt.date
    accepted_on: dt.date | None
    quantity: int  # accepted (0 until inspected)
    amount: Decimal
    statement: PurchaseStatement | None = None  # the live statement that bills it

    @property
    def accepted(self) -> bool:
        return self.handoff.quantity_accepted is not None

    @property
    def tax_rate(self) -> Decimal:
        return self.order.tax_rate

    @property
    def key(self) -> str:
        return f"{self.order.uuid}:{self.handoff.uuid}"


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def pair_receipts(
    buyer: Workshop, supplier: Workshop, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[Receipt]:
    """Every shipment that left an order of `buyer` to `supplier` and was received (received
    between `start` and `end`, Tokyo dates, when given), in order of receipt, with its amount
    and the live statement already billing it. A shipment between two steps of the same order
    is no receipt by its buyer. Five queries."""
    orders = {
        o.pk: o
        for o in Order.objects.filter(
            buyer=buyer, supplier=supplier, status__in=BILLED_ORDER_STATES
        )
        .select_related("job")
        .prefetch_related("items")
    }
    if not orders:
        return []
    order_steps: dict[int, set[int]] = {pk: set() for pk in orders}
    for order_id, step_id in Order.steps.through.objects.filter(
        order_id__in=list(orders)
    ).values_list("order_id", "step_id"):
        order_steps[order_id].add(step_id)
    every_step = set().union(*order_steps.values())
    handoffs = list(
        HandOff.objects.filter(
            kind=HandOffKind.SHIP, status=HandOffStatus.RECEIVED, from_step_id__in=every_step
        )
        .select_related("part", "from_step")
        .order_by("received_at", "pk")
    )
    billed = {
        (line.order_id, line.handoff_id): line.statement
        for line in PurchaseStatementLine.objects.filter(
            live=True, order_id__in=list(orders)
        ).select_related("statement")
    }
    step_orders: dict[int, list[int]] = {}
    for order_id, steps in order_steps.items():
        for step_id in steps:
            step_orders.setdefault(step_id, []).append(order_id)
    receipts = []
    before: dict[int, int] = {}
    before_of_part: dict[tuple[int, int], int] = {}
    for handoff in handoffs:
        for order_id in step_orders.get(handoff.from_step_id, ()):
            if handoff.to_step_id in order_steps[order_id]:
                continue
            order = orders[order_id]
            accepted = handoff.quantity_accepted or 0
            key = (order_id, handoff.part_id)
            amount = price_of_units(
                order,
                handoff.part_id,
                accepted,
                before=before.get(order_id, 0),
                before_of_part=before_of_part.get(key, 0),
            )
            before[order_id] = before.get(order_id, 0) + accepted
            before_of_part[key] = before_of_part.get(key, 0) + accepted
            received_on = _local_day(handoff.received_at)
            if (start and received_on < start) or (end and received_on > end):
                continue
            receipts.append(
                Receipt(
                    order=order,
                    handoff=handoff,
                    received_on=received_on,
                    accepted_on=handoff.inspected_on,
                    quantity=accepted,
                    amount=amount,
                    statement=billed.get((order_id, handoff.pk)),
                )
            )
    return receipts


def statement_due_date(
    terms: PaymentTerms | None, period_end: dt.date, receipts: list[Receipt]
) -> dt.date:
    """When the statement is to be paid: the pair's terms applied to the closing day, never
    later than the 60-day rule allows for any receipt on it (counted from its actual receipt)
    nor than the payment date agreed on any of its orders; without terms, the earliest of
    those agreed dates and limits."""
    dates = [latest_lawful_payment(r.received_on, terms) for r in receipts]
    dates += [r.order.payment_due_date for r in receipts]
    if terms is not None:
        dates.append(payment_due_date(terms, period_end))
    return min(dates)


def delivered_before(order: Order, handoff: HandOff, *, same_part: bool = False) -> int:
    """Units of `order` (of `handoff`'s part only, with `same_part`) that left it in shipments
    before `handoff` (for a delivery note's price: the same cumulative apportioning as a
    statement)."""
    steps = set(order.steps.values_list("pk", flat=True))
    earlier = (
        HandOff.objects.filter(kind=HandOffKind.SHIP, from_step_id__in=steps)
        .exclude(to_step_id__in=steps)
        .filter(
            Q(shipped_at__lt=handoff.shipped_at)
            | Q(shipped_at=handoff.shipped_at, pk__lt=handoff.pk)
        )
    )
    if same_part:
        earlier = earlier.filter(part_id=handoff.part_id)
    return sum(earlier.values_list("quantity_shipped", flat=True))


# --- who may see what -------------------------------------------------------------------------


def statements_visible_to(user: User) -> QuerySet[PurchaseStatement]:
    """Statements carry prices: the owners and managers of their buyer and supplier only."""
    managed, _floor = user_roles(user)
    if not managed:
        return PurchaseStatement.objects.none()
    return PurchaseStatement.objects.filter(Q(buyer_id__in=managed) | Q(supplier_id__in=managed))


def get_statement_for(user: User, statement_uuid: UUID | str) -> PurchaseStatement:
    try:
        UUID(str(statement_uuid))
    except ValueError:
        raise Http404("No such statement.") from None
    statement = (
        statements_visible_to(user)
        .select_related("buyer", "supplier", "issued_by", "answered_by", "replaces")
        .filter(uuid=statement_uuid)
        .first()
    )
    if statement is None:
        raise Http404("No such statement.")
    return statement


def live_statements(statements: QuerySet[PurchaseStatement]) -> QuerySet[PurchaseStatement]:
    return statements.filter(status__in=LIVE_STATEMENT_STATES)


@dataclass
class DeliveryNoteAccess:
    handoff: HandOff
    show_prices: bool


def get_delivery_note_for(user: User, handoff_uuid: UUID | str) -> DeliveryNoteAccess:
    """The 納品書 of a shipment: for the people of the shop that shipped and the shop that
    received (floor staff included: they print it for the parcel), and the owners and managers
    of the order's buyer and supplier. Prices only for the order's two parties; anyone else
    gets a 404."""
    try:
        UUID(str(handoff_uuid))
    except ValueError:
        raise Http404("No such delivery note.") from None
    handoff = (
        HandOff.objects.select_related(
            "part",
            "order__buyer",
            "order__supplier",
            "order__job",
            "from_workshop",
            "to_workshop",
            "from_step",
        )
        .filter(uuid=handoff_uuid, kind=HandOffKind.SHIP)
        .first()
    )
    if handoff is None:
        raise Http404("No such delivery note.")
    managed, floor = user_roles(user)
    shops = managed | floor
    order = handoff.order
    parties = {handoff.from_workshop_id, handoff.to_workshop_id}
    price_parties = {order.buyer_id, order.supplier_id} if order is not None else set()
    if not (parties & shops or price_parties & managed):
        raise Http404("No such delivery note.")
    return DeliveryNoteAccess(handoff=handoff, show_prices=bool(price_parties & managed))


def statement_suppliers(buyer: Workshop) -> list[Workshop]:
    """The shops `buyer` has orders with that can be billed, by name."""
    return sorted(
        Workshop.objects.filter(
            orders_received__buyer=buyer, orders_received__status__in=BILLED_ORDER_STATES
        ).distinct(),
        key=lambda w: w.display_name,
    )
