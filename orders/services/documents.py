"""Order documents (発注書): the record of an order's terms required by 取適法.

取適法 第4条 and its rules require the buyer (委託事業者) to state, at once and for each order:
  1. the names of both parties,
  2. the date of the order (製造委託等をした日: the day the request is sent),
  3. what is to be delivered (給付の内容),
  4. the date it is to be delivered (給付を受領する期日),
  5. the place of delivery (給付を受領する場所),
  6. where the goods are inspected, the date inspection is completed,
  7. the price (代金の額),
  8. the payment due date (支払期日),
  9. the means of payment, and for an electronically recorded monetary claim its terms,
 10. where materials are supplied for a fee (有償支給), their name, quantity, price, delivery
     date, settlement date and method.
第7条 requires records of the transaction to be made and kept for two years. Version 1 is issued
when the request is sent; a change of terms (or a counter-offer the buyer takes) issues a new
version; the supplier's acceptance is recorded as a 注文請書 of the version it accepts. Each is
frozen at issue; nothing is ever deleted.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from workshops.models import User, Workshop

from ..events import append_event
from ..models import Job, Order, OrderAcceptance, OrderDocument
from ..tax import tax_by_rate

RETENTION_YEARS = 2

# The content keys, in the order a document lists them, with the label each is shown under.
# Labels are Japanese on purpose: the document is a legal record in Japanese. Every label is
# printed (orders/pdf.py): the parties in the address blocks, the lines in the line table, the
# amounts under it, the rest in the terms table.
DOCUMENT_ITEMS: list[tuple[str, str]] = [
    ("document_number", "発注番号"),
    ("version", "版"),
    ("buyer", "委託事業者（発注者）"),
    ("supplier", "中小受託事業者（受注者）"),
    ("ordered_on", "製造委託等をした日"),
    ("lines", "給付の内容"),
    ("items", "工程（加工法）"),
    ("due_date", "給付を受領する期日（納期）"),
    ("delivery_place", "給付を受領する場所（納入場所）"),
    ("inspection_due_date", "検査を完了する期日"),
    ("price", "代金の額（税抜）"),
    ("tax", "消費税額"),
    ("total", "合計金額（税込）"),
    ("payment_due_date", "代金の支払期日"),
    ("payment_method", "支払方法"),
    ("transfer_fee_payer", "振込手数料"),
    ("supplied_materials", "原材料等の支給"),
    ("terms_note", "その他の取引条件"),
    ("reason", "変更の理由"),
]

PAYMENT_METHOD_JA = {
    "bank_transfer": "銀行振込",
    "cash": "現金",
}

# The document is the Japanese record (第4条): the supply terms in its words, whatever the
# reader's language.
SUPPLY_JA = {"free": "無償支給", "paid": "有償支給"}
TRANSFER_FEE_JA = {"buyer": "発注者負担", "supplier": "受注者負担"}


def _party(workshop: Workshop, *, contact: User | None = None) -> dict[str, str]:
    """A party as the document names it: the registered (Japanese) name, address, phone, FAX,
    invoice registration number and the person to contact (担当者), as they were at issue."""
    return {
        "name": workshop.name,
        "address": " ".join(
            p for p in (workshop.postal_code and f"〒{workshop.postal_code}", workshop.address) if p
        ),
        "id": str(workshop.uuid),
        "phone": workshop.phone,
        "fax": workshop.fax,
        "registration_number": workshop.invoice_registration_number,
        "contact": str(contact) if contact is not None else "",
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _unit_price(value: Decimal | None) -> str | None:
    """A unit price as a JSON string: whole yen without decimals, else to the sen."""
    if value is None:
        return None
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.2f}"


def document_lines(order: Order) -> list[dict[str, Any]]:
    """給付の内容, one line per part: 品名, 図番 and 版 (the part's), 材質, 数量, 単価, 金額."""
    return [
        {
            "part": str(item.part.uuid),
            "name": item.part.name,
            "drawing_number": item.part.drawing_number,
            "revision": item.part.revision,
            "material": item.part.material.code
            if item.part.material_id
            else item.part.material_note,
            "quantity": item.quantity,
            "unit_price": _unit_price(item.unit_price),
            "amount": int(item.amount) if item.amount is not None else None,
        }
        for item in order.items.select_related("part__material").order_by("part__position", "pk")
    ]


def document_content(order: Order, job: Job, *, version: int, reason: str) -> dict[str, Any]:
    steps = list(order.steps.select_related("process").order_by("position", "pk"))
    lines = document_lines(order)
    # The parties as stored now (the caller's instances may predate a profile edit).
    parties = Order.objects.select_related("buyer", "supplier", "requested_by").get(pk=order.pk)
    # Tax once per rate over the lines (orders/tax.py); an order's lines share its rate and sum
    # to its price, and lines priced as a whole (一式) are the price itself.
    priced = [(order.tax_rate, Decimal(line["amount"])) for line in lines if line["amount"]]
    if sum(amount for _rate, amount in priced) != order.price:
        priced = [(order.tax_rate, order.price)]
    taxes = tax_by_rate(priced)
    tax = sum((t.tax for t in taxes), Decimal(0))
    return {
        "document_number": f"{order.uuid.hex[:8].upper()}-{version}",
        "version": version,
        "buyer": _party(parties.buyer, contact=parties.requested_by),
        "supplier": _party(parties.supplier),
        # 製造委託等をした日: the day the request was sent, when version 1 is issued.
        "ordered_on": timezone.localtime(order.requested_at).date().isoformat(),
        "lines": lines,
        "items": [
            {
                "step": str(s.uuid),
                "process": s.process.name_ja,
                "process_code": s.process.code,
                "title": s.title,
                "quantity": s.quantity,
            }
            for s in steps
        ],
        "due_date": _iso(order.due_date),
        "delivery_place": order.delivery_place,
        "inspection_due_date": _iso(order.inspection_due_date),
        "price": int(order.price),
        "tax_rate": str(order.tax_rate),
        "taxes": [{"rate": str(t.rate), "base": int(t.base), "tax": int(t.tax)} for t in taxes],
        "tax": int(tax),
        "total": int(order.price + tax),
        "payment_due_date": _iso(order.payment_due_date),
        "payment_method": order.payment_method,
        "payment_method_ja": PAYMENT_METHOD_JA.get(order.payment_method, order.payment_method),
        "transfer_fee_payer": order.transfer_fee_payer,
        "transfer_fee_payer_ja": TRANSFER_FEE_JA.get(
            order.transfer_fee_payer, order.transfer_fee_payer
        ),
        "supplied_materials": (
            {
                "kind": order.material_supply,
                "kind_ja": SUPPLY_JA.get(order.material_supply, order.material_supply),
                "what": order.supply_note,
                "price": int(order.supply_price) if order.supply_price is not None else None,
                "settlement_date": _iso(order.supply_settlement_date),
            }
            if order.material_supply
            else None
        ),
        "terms_note": order.terms_note,
        "reason": reason,
        "sub_order": order.parent_id is not None,
    }


def _sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def document_issue(*, order: Order, job: Job, actor: User | None, reason: str) -> OrderDocument:
    """Issue the next version of `order`'s document (the caller holds the job lock)."""
    last = order.documents.order_by("-version").values_list("version", flat=True).first() or 0
    version = last + 1
    content = document_content(order, job, version=version, reason=reason)
    issued_at = timezone.now()
    # 第7条: kept two years from when the record is complete; the payment due date is the last
    # thing the record speaks of, so count from it (and never from before the issue date).
    start = max(timezone.localdate(issued_at), order.payment_due_date)
    try:
        retain_until = start.replace(year=start.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        retain_until = start.replace(year=start.year + RETENTION_YEARS, day=28)
    document = OrderDocument.objects.create(
        order=order,
        version=version,
        issued_at=issued_at,
        issued_by=actor,
        reason=reason,
        content=content,
        content_sha256=_sha256(content),
        retain_until=retain_until,
    )
    append_event(
        job,
        "document.issued",
        actor=actor,
        workshop=order.buyer,
        order=order,
        document=str(document.uuid),
        version=version,
    )
    return document


def acceptance_record(
    *, order: Order, job: Job, actor: User | None, counter_offer: bool = False
) -> OrderAcceptance:
    """Record the supplier's 注文請書 for the latest version of `order`'s document (the caller
    holds the job lock and has just accepted the order): who accepted, when, which version,
    and that version's terms, frozen. With `counter_offer`, the supplier's acceptance is its
    counter-offer, which the buyer has just taken (`actor` is then who offered it)."""
    document = order.documents.order_by("-version").first()
    accepted_at = order.decided_at or timezone.now()
    content = {
        "acceptance_number": f"{order.uuid.hex[:8].upper()}-A{document.version}",
        "order_document": {
            "id": str(document.uuid),
            "document_number": document.content.get("document_number"),
            "version": document.version,
            "content_sha256": document.content_sha256,
            "issued_on": timezone.localtime(document.issued_at).date().isoformat(),
        },
        "buyer": document.content.get("buyer"),
        "supplier": _party(order.supplier, contact=actor),
        "accepted_on": timezone.localtime(accepted_at).date().isoformat(),
        "accepted_by": str(actor) if actor is not None else "",
        "counter_offer": counter_offer,
        "terms": document.content,
    }
    acceptance = OrderAcceptance.objects.create(
        order=order,
        document=document,
        accepted_at=accepted_at,
        accepted_by=actor,
        content=content,
        content_sha256=_sha256(content),
        retain_until=document.retain_until,
    )
    append_event(
        job,
        "acceptance.recorded",
        actor=actor,
        workshop=order.supplier,
        order=order,
        acceptance=str(acceptance.uuid),
        version=document.version,
    )
    return acceptance


def document_diff(previous: OrderDocument | None, current: OrderDocument) -> list[dict[str, Any]]:
    """What changed between two versions: [{key, label, old, new}] in document order."""
    if previous is None:
        return []
    changes = []
    skip = {"document_number", "version", "reason"}
    for key, label in DOCUMENT_ITEMS:
        # A key only one version has is a change of the document's form, not of the terms
        # (documents issued before the lines were priced, say).
        if key in skip or key not in previous.content or key not in current.content:
            continue
        old, new = previous.content.get(key), current.content.get(key)
        if old != new:
            changes.append({"key": key, "label": label, "old": old, "new": new})
    return changes
