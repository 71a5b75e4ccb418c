"""The delivery note (納品書) of one shipment, as an A4 PDF to print and put with the parts.

宛先 (the shop receiving) on the left, 発行者 (the shop shipping, with its address, phone and
invoice registration number) on the right, the delivery date and order number, one line per
part (品名, 図番・版, 数量; 単価 and 金額 only for the order's two parties), and a 受領 line for
the receiver's date and seal. Prices come from `orders.statements.price_of_units`, the one
function that prices a line.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from workshops.models import Workshop

from .models import HandOff
from .pdf import a4_document, ja_date, paragraph_style, printable, register_japanese_font, yen
from .statements import delivered_before, price_of_units, tax_of

GRID = colors.HexColor("#9a9a9a")
HEAD_BG = colors.HexColor("#dddddd")


def order_number(order) -> str:
    """The order's number as its documents print it (発注番号, without the version)."""
    return order.uuid.hex[:8].upper()


def para(text: str, style) -> Paragraph:
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


def party_lines(workshop: Workshop | dict, *, registration: bool = False) -> str:
    """A shop's name, address and phone (and registration number) as printed."""
    if isinstance(workshop, Workshop):
        workshop = {
            "name": workshop.name,
            "postal_code": workshop.postal_code,
            "address": workshop.address,
            "phone": workshop.phone,
            "registration_number": workshop.invoice_registration_number,
        }
    lines = [workshop.get("name", "")]
    address = " ".join(x for x in (workshop.get("postal_code"), workshop.get("address")) if x)
    if workshop.get("postal_code"):
        address = "〒" + address
    lines.append(address or "（所在地未登録）")
    if workshop.get("phone"):
        lines.append(f"TEL {workshop['phone']}")
    if registration:
        number = workshop.get("registration_number")
        lines.append(f"登録番号 {number}" if number else "登録番号 未登録")
    return "\n".join(lines)


def render_delivery_note(handoff: HandOff, *, show_prices: bool) -> bytes:
    """The A4 PDF of one shipment's delivery note. Without `show_prices` (floor staff, a shop
    that is not party to the order) no price appears anywhere in it."""
    font = register_japanese_font()
    title = paragraph_style("dn-title", 20, alignment=TA_CENTER, leading=26)
    body = paragraph_style("dn-body", 9.5)
    right = paragraph_style("dn-right", 9, alignment=TA_RIGHT, leading=13)
    cell = paragraph_style("dn-cell", 9)
    number = paragraph_style("dn-number", 9, alignment=TA_RIGHT)
    small = paragraph_style("dn-small", 8)

    order = handoff.order
    shipped = timezone.localtime(handoff.shipped_at).date()
    note_number = handoff.uuid.hex[:10].upper()
    buffer = BytesIO()
    doc = a4_document(
        buffer,
        title=f"納品書 {note_number}",
        author=handoff.from_workshop.name,
        side_margin=16 * mm,
    )
    width = doc.width
    meta = [
        f"納品書番号: {note_number}",
        f"納品日: {ja_date(shipped)}",
    ]
    if order is not None:
        meta.append(f"発注番号: {order_number(order)}")
    addressee = para(f"{handoff.to_workshop.name}　御中", paragraph_style("dn-to", 13))
    heading = Table(
        [
            [
                [addressee, Spacer(1, 2 * mm), para(party_lines(handoff.to_workshop), body)],
                [
                    para("\n".join(meta), right),
                    Spacer(1, 3 * mm),
                    para(party_lines(handoff.from_workshop, registration=True), right),
                ],
            ]
        ],
        colWidths=[width * 0.55, width * 0.45],
    )
    heading.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    part = handoff.part
    drawing = " ".join(
        x for x in (part.drawing_number, part.revision and f"{part.revision}版") if x
    )
    head = ["No.", "品名", "図番・版", "数量"]
    row: list[Any] = ["1", part.name, drawing or "—", f"{handoff.quantity_shipped:,}"]
    amount = tax = Decimal(0)
    if show_prices and order is not None:
        amount = price_of_units(
            order,
            part.pk,
            handoff.quantity_shipped,
            before=delivered_before(order, handoff),
            before_of_part=delivered_before(order, handoff, same_part=True),
        )
        unit = (amount / handoff.quantity_shipped).quantize(Decimal("0.01"))
        head += ["単価", "金額"]
        unit_text = f"¥{unit:,.2f}".replace(".00", "")
        row += [unit_text, yen(amount)]
        tax = tax_of(amount, order.tax_rate)
    widths = [0.07, 0.38, 0.30, 0.25] if len(head) == 4 else [0.06, 0.28, 0.22, 0.12, 0.14, 0.18]
    numeric = {3, 4, 5}
    rows = [[para(h, cell) for h in head]]
    rows.append([para(str(v), number if i in numeric else cell) for i, v in enumerate(row)])
    if show_prices and order is not None:
        rate = f"{(order.tax_rate * 100).normalize():f}%"
        for label, value in (
            ("小計（税抜）", amount),
            (f"消費税（{rate}）", tax),
            ("合計（税込）", amount + tax),
        ):
            rows.append(["", "", "", "", para(label, cell), para(yen(value), number)])
    lines = Table(rows, colWidths=[width * w for w in widths], repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, 1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if len(rows) > 2:
        style.append(("GRID", (4, 2), (-1, -1), 0.5, GRID))
    lines.setStyle(TableStyle(style))

    receipt = Table(
        [
            [
                para("受領日：＿＿＿＿年＿＿月＿＿日", body),
                para("受領印", cell),
                "",
            ]
        ],
        colWidths=[width * 0.55, width * 0.15, 24 * mm],
        rowHeights=[24 * mm],
    )
    receipt.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("BOX", (2, 0), (2, 0), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ]
        )
    )
    story: list[Any] = [
        Paragraph("納　品　書", title),
        Spacer(1, 4 * mm),
        heading,
        Spacer(1, 5 * mm),
        para("下記のとおり納品いたしました。ご査収ください。", body),
        Spacer(1, 3 * mm),
        lines,
    ]
    if handoff.note:
        story += [Spacer(1, 3 * mm), para(f"備考: {handoff.note}", body)]
    story += [
        Spacer(1, 10 * mm),
        para("受領欄（受け取った方がご記入ください）", small),
        receipt,
    ]
    doc.build(story)
    return buffer.getvalue()
