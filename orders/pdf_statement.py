"""The purchase statement (仕入明細書) as an A4 PDF: the frozen statement, never the live orders.

宛先 (the supplier, with its invoice registration number) on the left, 発行者 (the buyer) on
the right; the statement number and version, the period and its closing day, the payment due
date; one line per accepted receipt (受領日, 検収日, 発注番号, 品名・図番, 数量, 金額, 税率);
the amount and the tax per rate, each rate's tax rounded down once; the total.
"""

from __future__ import annotations

import calendar
from decimal import Decimal
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from .models import PurchaseStatement, StatementStatus
from .pdf import a4_document, ja_date, paragraph_style, register_japanese_font, yen
from .pdf_delivery import order_number, para, party_lines

GRID = colors.HexColor("#9a9a9a")
HEAD_BG = colors.HexColor("#dddddd")

STATUS_JA = {
    StatementStatus.ISSUED: "発行済み（受託者の確認待ち）",
    StatementStatus.CONFIRMED: "受託者が確認済み",
    StatementStatus.DISPUTED: "受託者が異議あり",
    StatementStatus.SUPERSEDED: "訂正版により差し替え済み（無効）",
    StatementStatus.CANCELLED: "取消済み（無効）",
}


def _rate(rate: str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"


def registration_text(supplier: dict) -> str:
    """What the statement says of the supplier's registration number (適格請求書発行事業者
    登録番号): the number, or that it is not given (then the statement is no 適格請求書)."""
    number = supplier.get("registration_number")
    if number:
        return f"登録番号 {number}"
    return (
        "登録番号: 記載なし（受託者の登録番号が登録されていないため、本書は適格請求書"
        "（仕入明細書）の要件を満たしません）"
    )


def closing_label(statement: PurchaseStatement) -> str:
    end = statement.period_end
    if end.day == calendar.monthrange(end.year, end.month)[1]:
        return "月末締め"
    return f"{end.day}日締め"


def render_statement(statement: PurchaseStatement) -> bytes:
    font = register_japanese_font()
    title = paragraph_style("ps-title", 20, alignment=TA_CENTER, leading=26)
    body = paragraph_style("ps-body", 9.5)
    right = paragraph_style("ps-right", 9, alignment=TA_RIGHT, leading=13)
    cell = paragraph_style("ps-cell", 8.5)
    number = paragraph_style("ps-number", 8.5, alignment=TA_RIGHT)
    small = paragraph_style("ps-small", 8)

    parties = statement.parties or {}
    supplier, buyer = parties.get("supplier") or {}, parties.get("buyer") or {}
    buffer = BytesIO()
    doc = a4_document(
        buffer,
        title=f"仕入明細書 {statement.number}（第{statement.version}版）",
        author=buyer.get("name", ""),
        side_margin=14 * mm,
    )
    width = doc.width
    meta = [
        f"明細書番号: {statement.number}",
        f"版: 第{statement.version}版",
        f"発行日: {ja_date(statement.issued_at.date())}",
        f"状態: {STATUS_JA.get(statement.status, statement.status)}",
    ]
    addressee = para(f"{supplier.get('name', '')}　御中", paragraph_style("ps-to", 13))
    heading = Table(
        [
            [
                [
                    addressee,
                    Spacer(1, 2 * mm),
                    para(party_lines(supplier), body),
                    para(registration_text(supplier), body),
                ],
                [
                    para("\n".join(meta), right),
                    Spacer(1, 3 * mm),
                    para("発行者（委託事業者・仕入側）\n" + party_lines(buyer), right),
                ],
            ]
        ],
        colWidths=[width * 0.55, width * 0.45],
    )
    heading.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    summary = Table(
        [
            [
                para("対象期間", cell),
                para(
                    f"{ja_date(statement.period_start)}〜{ja_date(statement.period_end)}"
                    f"（{closing_label(statement)}）",
                    body,
                ),
            ],
            [para("お支払期日", cell), para(ja_date(statement.due_date), body)],
            [para("ご請求金額（税込）", cell), para(yen(statement.total), body)],
        ],
        colWidths=[width * 0.25, width * 0.75],
    )
    summary.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
            ]
        )
    )

    head = ["No.", "受領日", "検収日", "発注番号", "品名・図番", "数量", "金額（税抜）", "税率"]
    rows: list[list[Any]] = [[para(h, cell) for h in head]]
    for n, line in enumerate(statement.lines.select_related("order").order_by("position"), 1):
        drawing = " ".join(
            x for x in (line.drawing_number, line.revision and f"{line.revision}版") if x
        )
        rows.append(
            [
                para(str(n), number),
                para(ja_date(line.received_on), cell),
                para(ja_date(line.accepted_on), cell),
                para(order_number(line.order), cell),
                para(f"{line.part_name}\n{drawing}" if drawing else line.part_name, cell),
                para(f"{line.quantity:,}", number),
                para(yen(line.amount), number),
                para(_rate(str(line.tax_rate)), number),
            ]
        )
    widths = [0.05, 0.14, 0.14, 0.12, 0.25, 0.08, 0.13, 0.09]
    lines = Table(rows, colWidths=[width * w for w in widths], repeatRows=1)
    lines.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )

    total_rows = [[para("税率区分", cell), para("対象額（税抜）", cell), para("消費税額", cell)]]
    for t in statement.totals:
        total_rows.append(
            [
                para(f"{_rate(t['rate'])}対象", cell),
                para(yen(t["amount"]), number),
                para(yen(t["tax"]), number),
            ]
        )
    total_rows.append(
        [para("合計", cell), para(yen(statement.amount), number), para(yen(statement.tax), number)]
    )
    total_rows.append([para("総額（税込）", cell), para(yen(statement.total), number), ""])
    totals = Table(total_rows, colWidths=[width * 0.2, width * 0.2, width * 0.2], hAlign="RIGHT")
    totals.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ]
        )
    )
    story: list[Any] = [
        Paragraph("仕　入　明　細　書", title),
        Spacer(1, 4 * mm),
        heading,
        Spacer(1, 4 * mm),
        para("下記のとおり検収いたしましたので、お支払いたします。", body),
        Spacer(1, 2 * mm),
        summary,
        Spacer(1, 4 * mm),
        lines,
        Spacer(1, 3 * mm),
        totals,
        Spacer(1, 4 * mm),
        para(
            "消費税額は税率ごとに合計した対象額から算出し、1円未満を切り捨てています。"
            "記載内容に誤りがある場合は、shopnet上で異議をお申し出ください。"
            "お申し出がなく確認された場合、本書は受託者の確認を受けた仕入明細書として"
            "適格請求書の保存に代えることができます（消費税法第30条第9項第3号）。",
            small,
        ),
    ]
    if statement.replaces_id:
        story.append(
            para(
                f"本書は第{statement.version - 1}版を訂正したものです。前の版は無効です。",
                small,
            )
        )
    if statement.dispute_reason:
        story.append(para(f"受託者の異議: {statement.dispute_reason}", small))
    doc.build(story)
    return buffer.getvalue()
