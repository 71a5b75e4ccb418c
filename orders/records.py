"""The 第7条 record (取適法 第7条, 公正取引委員会規則): every order a workshop is party to, as
buyer or supplier, with its documents, receipts, inspections, returns and payments, searchable
by trading partner and by order date, on a page and in a CSV (docs/TORITEKI.md maps each
column to the rule's items).

One read per relation, whatever the number of orders: the page's query count is pinned.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workshops.models import Workshop

from .models import HandOff, HandOffKind, Order, OrderStatus, PurchaseStatementLine

# Requests never accepted are no contract (no 製造委託); everything else is on the record.
RECORDED_STATES = (OrderStatus.ACCEPTED, OrderStatus.DELIVERED, OrderStatus.CANCELLED)
BOM = "\ufeff"


class RecordsFilterForm(forms.Form):
    """The search the rule asks of electronic records: trading partner and order date range."""

    partner = forms.ChoiceField(label=_("Trading partner"), required=False)
    ordered_from = forms.DateField(
        label=_("Ordered from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ordered_to = forms.DateField(
        label=pgettext_lazy("date range", "to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, data, *, partners: list[Workshop]):
        super().__init__(data)
        self.partners = {str(p.uuid): p for p in partners}
        self.fields["partner"].choices = [("", _("All partners"))] + [
            (str(p.uuid), p.display_name) for p in partners
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("ordered_from"), cleaned.get("ordered_to")
        if start and end and start > end:
            self.add_error("ordered_to", _("The end of the range is before its start."))
        return cleaned


def record_orders(workshop: Workshop) -> QuerySet[Order]:
    return Order.objects.filter(
        Q(buyer=workshop) | Q(supplier=workshop), status__in=RECORDED_STATES
    )


def trading_partners(workshop: Workshop) -> list[Workshop]:
    ids = set()
    for buyer, supplier in record_orders(workshop).values_list("buyer_id", "supplier_id"):
        ids.add(supplier if buyer == workshop.pk else buyer)
    return sorted(Workshop.objects.filter(pk__in=ids), key=lambda w: w.display_name)


def order_records(
    workshop: Workshop,
    *,
    partner: Workshop | None = None,
    ordered_from: dt.date | None = None,
    ordered_to: dt.date | None = None,
) -> list[Order]:
    """The orders on `workshop`'s record, newest first, each with its documents, items,
    hand-offs (shipments, receipts, inspections, returns), payments, and the purchase
    statements billing its receipts (with their payments) prefetched: eight queries in all."""
    orders = record_orders(workshop)
    if partner is not None:
        orders = orders.filter(Q(buyer=partner) | Q(supplier=partner))
    tz = timezone.get_current_timezone()
    if ordered_from:
        orders = orders.filter(
            requested_at__gte=dt.datetime.combine(ordered_from, dt.time.min, tzinfo=tz)
        )
    if ordered_to:
        orders = orders.filter(
            requested_at__lt=dt.datetime.combine(
                ordered_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
        )
    return list(
        orders.select_related("buyer", "supplier", "job")
        .prefetch_related(
            "documents",
            "items__part",
            Prefetch(
                "handoffs",
                queryset=HandOff.objects.select_related("part").order_by("shipped_at", "pk"),
            ),
            "payments",
            Prefetch(
                "statement_lines",
                queryset=PurchaseStatementLine.objects.select_related("statement")
                .prefetch_related("statement__payments")
                .order_by("statement__issued_at", "statement__version", "position"),
            ),
        )
        .order_by("-requested_at", "-pk")
    )


@dataclass
class Record:
    """One order's line on the record, every cell a plain string."""

    order: Order
    cells: dict[str, str]


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _yen(value) -> str:
    return "" if value is None else f"{int(value)}"


# (key, heading): the CSV's columns and the page's, in order.
COLUMNS = [
    ("ordered_on", _("Order date (製造委託等をした日)")),
    ("order", _("Order number")),
    ("buyer", _("Buyer (発注者)")),
    ("supplier", _("Supplier (受託者)")),
    ("content", _("Description of the goods (給付の内容)")),
    ("due_date", _("Delivery date")),
    ("delivery_place", _("Delivery place")),
    ("price", _("Price (excl. tax, JPY)")),
    ("tax", _("Tax (JPY)")),
    ("total", _("Total (tax incl., JPY)")),
    ("payment_due_date", _("Payment due date")),
    ("payment_method", _("Payment method")),
    ("inspection_due_date", _("Inspection completion date")),
    ("documents", _("Order documents (version, issued, reason)")),
    ("receipts", _("Receipts (received on, received, accepted, rejected, inspected on)")),
    ("returns", _("Returns (returned on, quantity, cause)")),
    ("payments", _("Payments (paid on, amount, means, confirmed on)")),
    (
        "statements",
        _("Purchase statements (number, version, status, received on, accepted, amount)"),
    ),
    (
        "statement_payments",
        _("Payments against those statements (number, paid on, amount, means, confirmed on)"),
    ),
    ("status", _("Status")),
    ("terms_changed", _("Last change of terms")),
]


def record_of(order: Order) -> Record:
    handoffs = list(order.handoffs.all())
    receipts = [h for h in handoffs if h.kind == HandOffKind.SHIP]
    returns = [h for h in handoffs if h.kind == HandOffKind.RETURN]
    documents = sorted(order.documents.all(), key=lambda d: d.version)
    items = list(order.items.all())
    lines = list(order.statement_lines.all())
    statements = list({line.statement_id: line.statement for line in lines}.values())
    content = (
        "; ".join(
            f"{i.part.name} {i.part.drawing_number or ''} × {i.quantity}".replace("  ", " ")
            for i in items
        )
        if items
        else f"{order.job.part_name} {order.job.drawing_number or ''}".strip()
    )
    cells = {
        "ordered_on": _day(order.requested_at),
        "order": str(order.uuid),
        "buyer": order.buyer.display_name,
        "supplier": order.supplier.display_name,
        "content": content,
        "due_date": _day(order.due_date),
        "delivery_place": order.delivery_place,
        "price": _yen(order.price),
        "tax": _yen(order.tax_amount),
        "total": _yen(order.total),
        "payment_due_date": _day(order.payment_due_date),
        "payment_method": str(order.get_payment_method_display()),
        "inspection_due_date": _day(order.inspection_due_date),
        "documents": "; ".join(
            f"v{d.version} {_day(d.issued_at)}{' ' + d.reason if d.reason else ''}"
            for d in documents
        ),
        "receipts": "; ".join(
            f"{h.part.name} {_day(h.received_at) or '-'} "
            f"{h.quantity_received if h.quantity_received is not None else '-'}/"
            f"{h.quantity_shipped} "
            f"○{h.quantity_accepted if h.quantity_accepted is not None else '-'} "
            f"×{h.quantity_rejected or 0} {_day(h.inspected_on) or '-'}"
            for h in receipts
        ),
        "returns": "; ".join(
            f"{h.part.name} {_day(h.shipped_at)} {h.quantity_shipped} "
            f"{h.get_defect_cause_display()}"
            for h in returns
        ),
        "payments": "; ".join(
            f"{_day(p.paid_on)} {_yen(p.amount)} {p.get_means_display()} "
            f"{_day(p.confirmed_at) or '-'}"
            for p in order.payments.all()
        ),
        "statements": "; ".join(
            f"{line.statement.number} v{line.statement.version} "
            f"{line.statement.get_status_display()} {_day(line.received_on)} "
            f"×{line.quantity} {_yen(line.amount)}"
            for line in lines
        ),
        "statement_payments": "; ".join(
            f"{statement.number} {_day(p.paid_on)} {_yen(p.amount)} {p.get_means_display()} "
            f"{_day(p.confirmed_at) or '-'}"
            for statement in statements
            for p in statement.payments.all()
        ),
        "status": str(order.get_status_display()),
        "terms_changed": _day(documents[-1].issued_at) if documents else "",
    }
    return Record(order, cells)


def records_csv(records: list[Record]) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Japanese as Japanese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(heading) for _key, heading in COLUMNS])
    for record in records:
        writer.writerow([record.cells[key] for key, _heading in COLUMNS])
    return (BOM + buffer.getvalue()).encode("utf-8")
