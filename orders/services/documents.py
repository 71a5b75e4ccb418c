"""Order documents (発注書): the record of an order's terms required by 取適法.

取適法 第4条 and its rules require the buyer (委託事業者) to state, at once and for each order:
  1. the names of both parties,
  2. the date of the order,
  3. what is to be delivered (給付の内容),
  4. the date it is to be delivered (給付を受領する期日),
  5. the place of delivery (給付を受領する場所),
  6. where the goods are inspected, the date inspection is completed,
  7. the price (代金の額),
  8. the payment due date (支払期日),
  9. the means of payment, and for an electronically recorded monetary claim its terms,
 10. where materials are supplied for a fee (有償支給), their name, quantity, price, delivery
     date, settlement date and method.
第7条 requires records of the transaction to be made and kept for two years. A document is
frozen at issue; a change of terms issues a new version; nothing is ever deleted.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from django.utils import timezone

from workshops.models import User

from ..events import append_event
from ..models import Job, Order, OrderDocument

RETENTION_YEARS = 2

# The content keys, in the order a document lists them, with the label each is shown under.
# Labels are Japanese on purpose: the document is a legal record in Japanese.
DOCUMENT_ITEMS: list[tuple[str, str]] = [
    ("document_number", "発注番号"),
    ("version", "版"),
    ("buyer", "委託事業者（発注者）"),
    ("supplier", "中小受託事業者（受注者）"),
    ("ordered_on", "製造委託をした日"),
    ("part", "品名・図番"),
    ("material", "材質"),
    ("parts", "部品（品名・図番・版・材質・数量）"),
    ("items", "給付の内容"),
    ("due_date", "給付を受領する期日（納期）"),
    ("delivery_place", "給付を受領する場所（納入場所）"),
    ("inspection_due_date", "検査を完了する期日"),
    ("price", "代金の額（税抜）"),
    ("tax", "消費税額"),
    ("total", "合計金額（税込）"),
    ("payment_due_date", "代金の支払期日"),
    ("payment_method", "支払方法"),
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


def _party(workshop) -> dict[str, str]:
    return {
        "name": workshop.name,
        "address": " ".join(
            p for p in (workshop.postal_code and f"〒{workshop.postal_code}", workshop.address) if p
        ),
        "id": str(workshop.uuid),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def document_content(order: Order, job: Job, *, version: int, reason: str) -> dict[str, Any]:
    steps = list(order.steps.select_related("process").order_by("position", "pk"))
    return {
        "document_number": f"{order.uuid.hex[:8].upper()}-{version}",
        "version": version,
        "buyer": _party(order.buyer),
        "supplier": _party(order.supplier),
        # The day the order was made: the supplier's acceptance, when this document is issued.
        "ordered_on": timezone.localtime(order.decided_at or timezone.now()).date().isoformat(),
        "part": {"name": job.part_name, "drawing_number": job.drawing_number},
        "material": job.material.code if job.material_id else job.material_note,
        "items": [
            {
                "step": str(s.uuid),
                "process": s.process.name_ja,
                "process_code": s.process.code,
                "title": s.title,
                "quantity": s.quantity,
                "drawing_number": job.drawing_number,
            }
            for s in steps
        ],
        "due_date": _iso(order.due_date),
        "delivery_place": order.delivery_place,
        "inspection_due_date": _iso(order.inspection_due_date),
        "price": int(order.price),
        "tax_rate": str(order.tax_rate),
        "tax": int(order.tax_amount),
        "total": int(order.total),
        "payment_due_date": _iso(order.payment_due_date),
        "payment_method": order.payment_method,
        "payment_method_ja": PAYMENT_METHOD_JA.get(order.payment_method, order.payment_method),
        "parts": [
            {
                "name": item.part.name,
                "drawing_number": item.part.drawing_number,
                "revision": item.part.revision,
                "material": (
                    item.part.material.code if item.part.material_id else item.part.material_note
                ),
                "quantity": item.quantity,
            }
            for item in order.items.select_related("part__material")
        ],
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
        content_sha256=hashlib.sha256(
            json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest(),
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


def document_diff(previous: OrderDocument | None, current: OrderDocument) -> list[dict[str, Any]]:
    """What changed between two versions: [{key, label, old, new}] in document order."""
    if previous is None:
        return []
    changes = []
    skip = {"document_number", "version", "reason"}
    for key, label in DOCUMENT_ITEMS:
        if key in skip:
            continue
        old, new = previous.content.get(key), current.content.get(key)
        if old != new:
            changes.append({"key": key, "label": label, "old": old, "new": new})
    return changes
