"""Order documents (発注書) as PDF: the printable form of an `OrderDocument`.

The PDF is a rendering of the frozen `OrderDocument.content`; the record itself is the database
row (immutable, hashed, kept until `retain_until`). Rendering never reads the live `Order`, so a
document printed years later shows exactly the terms that were issued. The supplier's 注文請書
(`OrderAcceptance`) prints the same way from its own frozen content.

The layout is the one a Japanese clerk expects of a 発注書: the addressee (宛先, 御中) top left,
the issuer's block (name, address, TEL, FAX, 担当者, 登録番号) top right, the title, number and
version, the line table (品名 / 図番・版 / 材質 / 数量 / 単価 / 金額) with the subtotal, the tax
per rate and the total, then the terms.

Japanese text needs a Japanese font *embedded* in the file: a PDF that only names a CID font
(HeiseiKakuGo-W5 and friends) relies on the reader having that font, and prints as boxes or with
substituted metrics elsewhere. We bundle IPAexGothic (a TrueType, glyf-outline font under the IPA
Font License, which allows redistribution unchanged with the licence attached and embedding in
PDFs without further obligations) in `shopnet/fonts/`, and ReportLab embeds the subset it uses.

`register_japanese_font()` and `paragraph_style()` are shared with other printed forms (the job
traveler): register once per process, then use `FONT_NAME`. Every string goes through
`printable()` first: people type symbols the font has no glyph for (the micro sign of 「5µm」 is
U+00B5; IPAexGothic only has the Greek mu U+03BC), and a missing glyph prints as an empty box.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .models import OrderAcceptance, OrderDocument
from .services.documents import (
    DOCUMENT_ITEMS,
    PAYMENT_METHOD_JA,
    TRANSFER_FEE_JA,
    document_diff,
)

FONT_NAME = "IPAexGothic"
FONT_FILE = "ipaexg.ttf"
FONT_LICENSE_FILE = "IPA_Font_License_Agreement_v1.0.txt"

_font_lock = threading.Lock()


def a4_document(
    buffer, *, title: str, author: str, side_margin: float = 16 * mm
) -> SimpleDocTemplate:
    """An A4 page set up for a Japanese business document: shopnet as its creator and the
    embedded Japanese font from the first page (otherwise every page starts in Helvetica,
    a font the reader must supply)."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=side_margin,
        rightMargin=side_margin,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=author,
        creator="shopnet",
        lang="ja-JP",
        initialFontName=register_japanese_font(),
        initialFontSize=9.5,
    )


def fonts_dir() -> Path:
    """Where the bundled fonts and their licences live (`shopnet/fonts/`)."""
    return Path(settings.BASE_DIR) / "shopnet" / "fonts"


def register_japanese_font() -> str:
    """Register the bundled Japanese TrueType font with ReportLab (once per process) and
    return its name, for `fontName=` in styles and `canvas.setFont()`."""
    # ReportLab's font registry is process-global; daphne may render from several threads.
    with _font_lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(fonts_dir() / FONT_FILE)))
    return FONT_NAME


# Symbols common in tolerances and finishes that IPAexGothic lacks, and the look-alike it has.
# ±, °, ø, φ, √, ∅ and Ra need none. `missing_glyphs()` finds any other gap.
GLYPH_SUBSTITUTES = str.maketrans(
    {
        "\u00b5": "\u03bc",  # MICRO SIGN → GREEK SMALL LETTER MU (µm → μm)
        "\u2300": "\u2205",  # DIAMETER SIGN ⌀ → EMPTY SET ∅, the usual stand-in for ⌀
        "\u339b": "\u03bcm",  # SQUARE MU M ㎛ → μm
        "\u2012": "-",  # FIGURE DASH
        "\u2212": "\uff0d",  # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
    }
)


def printable(text: str) -> str:
    """`text` with each character the bundled font cannot draw replaced by its look-alike."""
    return text.translate(GLYPH_SUBSTITUTES)


def missing_glyphs(text: str) -> set[str]:
    """The characters of `text` (other than line breaks) that the bundled font has no glyph for."""
    register_japanese_font()
    glyphs = pdfmetrics.getFont(FONT_NAME).face.charToGlyph
    return {ch for ch in text if ch not in "\r\n" and ord(ch) not in glyphs}


def paragraph_style(name: str, size: float = 9.5, **options: Any) -> ParagraphStyle:
    """A paragraph style in the Japanese font that wraps between any two characters (CJK)."""
    register_japanese_font()
    options.setdefault("leading", size * 1.45)
    return ParagraphStyle(name, fontName=FONT_NAME, fontSize=size, wordWrap="CJK", **options)


# --- Formatting ------------------------------------------------------------------------------

NOTHING = "なし"
NOT_SET = "—"
AS_A_WHOLE = "一式"


def yen(amount: int | None) -> str:
    return NOT_SET if amount is None else f"¥{int(amount):,}"


def ja_date(value: str | date | None, *, empty: str = NOT_SET) -> str:
    if not value:
        return empty
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def _unit_yen(value: str | None) -> str:
    """A unit price, whole yen or to the sen: ¥1,205 / ¥352.50."""
    if value in (None, ""):
        return NOT_SET
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return f"¥{int(amount):,}"
    return f"¥{amount:,.2f}"


def _percent(rate: str | None) -> str:
    if not rate:
        return ""
    percent = (Decimal(rate) * 100).normalize()
    return f"{percent:f}%"


def _party(value: dict[str, str] | None) -> str:
    if not value:
        return NOT_SET
    address = value.get("address") or "（所在地未登録）"
    return f"{value.get('name', '')}\n{address}"


def _part(value: dict[str, str] | None) -> str:
    if not value:
        return NOT_SET
    name, number = value.get("name", ""), value.get("drawing_number", "")
    return f"{name}（図番 {number}）" if number else name


def _item_line(item: dict[str, Any]) -> str:
    process = f"{item.get('process', '')}（{item.get('process_code', '')}）"
    title = f" {item['title']}" if item.get("title") else ""
    number = f" 図番 {item['drawing_number']}" if item.get("drawing_number") else ""
    return f"{process}{title} × {item.get('quantity', '')}{number}"


def _drawing(line: dict[str, Any]) -> str:
    number, revision = line.get("drawing_number") or "", line.get("revision") or ""
    if number and revision:
        return f"{number} 版{revision}"
    return number or (f"版{revision}" if revision else NOT_SET)


def _line_text(line: dict[str, Any]) -> str:
    bits = [line.get("name") or "", f"（{_drawing(line)}）", line.get("material") or ""]
    text = f"{' '.join(b for b in bits if b)} × {line.get('quantity')}個"
    if line.get("amount") is not None:
        text += f" 単価{_unit_yen(line.get('unit_price'))} 金額{yen(line['amount'])}"
    return text


def document_lines(content: dict[str, Any]) -> list[dict[str, Any]]:
    """給付の内容 as lines, also for documents issued before the lines were priced (their
    `parts`, or their one `part` and `material`): those print without 単価 and 金額."""
    if content.get("lines") is not None:
        return content["lines"]
    if content.get("parts"):
        return [{**p, "unit_price": None, "amount": None} for p in content["parts"]]
    part = content.get("part") or {}
    quantity = sum(i.get("quantity", 0) for i in content.get("items") or []) or None
    return [
        {
            "name": part.get("name", ""),
            "drawing_number": part.get("drawing_number", ""),
            "revision": "",
            "material": content.get("material") or "",
            "quantity": quantity,
            "unit_price": None,
            "amount": None,
        }
    ]


def document_taxes(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The tax per rate; one rate for documents issued before taxes were listed by rate."""
    if content.get("taxes"):
        return content["taxes"]
    return [
        {"rate": content.get("tax_rate"), "base": content.get("price"), "tax": content.get("tax")}
    ]


def item_text(key: str, value: Any, content: dict[str, Any] | None = None) -> str:
    """One content item as plain text, for the document body and the change table alike."""
    content = content or {}
    if key in ("buyer", "supplier"):
        return _party(value)
    if key == "version":
        return f"第{value}版"
    if key in ("ordered_on", "due_date", "payment_due_date"):
        return ja_date(value)
    if key == "inspection_due_date":
        return ja_date(value, empty="検査なし")
    if key == "part":
        return _part(value)
    if key == "items":
        return "\n".join(_item_line(i) for i in value or []) or NOT_SET
    if key == "lines":
        return "\n".join(_line_text(line) for line in value or []) or NOT_SET
    if key in ("price", "total"):
        return yen(value)
    if key == "tax":
        rate = _percent(content.get("tax_rate"))
        return f"{yen(value)}（税率{rate}、1円未満切り捨て）" if rate else yen(value)
    if key == "payment_method":
        # The wording frozen in the document wins over today's wording for the same method.
        if content.get("payment_method") == value and content.get("payment_method_ja"):
            return content["payment_method_ja"]
        return PAYMENT_METHOD_JA.get(value, value or NOT_SET)
    if key == "transfer_fee_payer":
        if content.get("transfer_fee_payer") == value and content.get("transfer_fee_payer_ja"):
            return content["transfer_fee_payer_ja"]
        return TRANSFER_FEE_JA.get(value, value or NOT_SET)
    if key == "parts":
        return "\n".join(_part_line(p) for p in value or []) or NOT_SET
    if key == "supplied_materials":
        return NOTHING if not value else _supply(value)
    if key == "terms_note":
        return value or NOTHING
    if key == "reason":
        return value or "—（初版）"
    if value in (None, ""):
        return NOT_SET
    return str(value)


def _part_line(part: dict) -> str:
    drawing = " ".join(x for x in (part.get("drawing_number"), part.get("revision")) if x)
    bits = [part.get("name") or "", f"（{drawing}）" if drawing else "", part.get("material") or ""]
    return f"{' '.join(b for b in bits if b)} × {part.get('quantity')}個"


def _supply(value: dict) -> str:
    """材料支給 as the document states it: kind, what, and for a fee its price and settlement."""
    text = f"{value.get('kind_ja') or value.get('kind')}：{value.get('what') or ''}"
    if value.get("price") is not None:
        text += f"\n対価 {yen(value['price'])}（税抜）"
        text += f"、決済期日 {ja_date(value.get('settlement_date'), empty=NOT_SET)}"
    return text


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


# --- The document ----------------------------------------------------------------------------

GRID = colors.HexColor("#9a9a9a")
LABEL_BG = colors.HexColor("#eeeeee")
HEAD_BG = colors.HexColor("#dddddd")
CHANGED_BG = colors.HexColor("#fff4cc")
# A table sets its cell font (Helvetica by default) even where every cell is a Paragraph.
TABLE_FONT = ("FONTNAME", (0, 0), (-1, -1), FONT_NAME)
PADDING = [
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
]


class _Styles:
    def __init__(self) -> None:
        self.title = paragraph_style("title", 19, alignment=TA_CENTER, leading=23)
        self.subtitle = paragraph_style("subtitle", 9, alignment=TA_CENTER)
        self.meta = paragraph_style("meta", 8.5, alignment=TA_RIGHT, leading=12)
        self.heading = paragraph_style("heading", 11.5, spaceBefore=4, spaceAfter=4)
        self.section = paragraph_style("section", 10, spaceBefore=4, spaceAfter=2, leading=13)
        self.addressee = paragraph_style("addressee", 14, leading=19)
        self.party_label = paragraph_style("party_label", 7.5, textColor=colors.HexColor("#555555"))
        self.issuer = paragraph_style("issuer", 9, leading=12.5, alignment=TA_LEFT)
        self.issuer_name = paragraph_style("issuer_name", 11, leading=15)
        self.label = paragraph_style("label", 9)
        self.body = paragraph_style("body", 9.5)
        self.small = paragraph_style("small", 8, leading=11)
        self.cell = paragraph_style("cell", 9)
        self.head = paragraph_style("head", 8.5, alignment=TA_CENTER)
        self.number = paragraph_style("number", 9, alignment=TA_RIGHT)
        self.amount_label = paragraph_style("amount_label", 12, leading=16)
        self.amount = paragraph_style("amount", 15, leading=19, alignment=TA_RIGHT)


def _issuer_block(label: str, party: dict[str, Any] | None, s: _Styles) -> list[Any]:
    """The issuer's block (top right): name, address, TEL / FAX, 担当者, 登録番号."""
    party = party or {}
    lines = [party.get("address") or "（所在地未登録）"]
    phone, fax = party.get("phone") or "", party.get("fax") or ""
    if phone or fax:
        lines.append("　".join(x for x in (phone and f"TEL {phone}", fax and f"FAX {fax}") if x))
    if party.get("contact"):
        lines.append(f"担当者 {party['contact']}")
    if party.get("registration_number"):
        lines.append(f"登録番号 {party['registration_number']}")
    return [
        _para(label, s.party_label),
        _para(party.get("name", ""), s.issuer_name),
        _para("\n".join(lines), s.issuer),
    ]


def _addressee_block(label: str, party: dict[str, Any] | None, s: _Styles, note: str) -> list:
    """The addressee (top left): 「<name> 御中」 over a rule, the address, and the one line that
    says what the paper is."""
    party = party or {}
    name = Table(
        [[_para(f"{party.get('name', '')}　御中", s.addressee)]],
        style=TableStyle(
            [TABLE_FONT, ("LINEBELOW", (0, 0), (-1, -1), 0.8, colors.black), *PADDING]
        ),
    )
    return [
        _para(label, s.party_label),
        name,
        Spacer(1, 1 * mm),
        _para(party.get("address") or "", s.small),
        Spacer(1, 3 * mm),
        _para(note, s.body),
    ]


HEADER_GAP = 8 * mm


def _left_width(width: float) -> float:
    """The addressee column's width inside the header, for what it holds."""
    return width * 0.54 - HEADER_GAP


def _header(left: list[Any], right: list[Any], width: float) -> Table:
    table = Table([[left, right]], colWidths=[width * 0.54, width * 0.46])
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), HEADER_GAP),
            ]
        )
    )
    return table


def _total_box(content: dict[str, Any], s: _Styles, width: float) -> Table:
    """The amount a clerk looks for first: 合計金額（税込）, boxed, under the addressee
    (`width`: the addressee column's)."""
    table = Table(
        [[_para("合計金額（税込）", s.amount_label), _para(yen(content.get("total")), s.amount)]],
        colWidths=[width * 0.45, width * 0.55],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
                ("BACKGROUND", (0, 0), (0, 0), LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *PADDING,
            ]
        )
    )
    return table


LINE_WIDTHS = [0.05, 0.27, 0.21, 0.12, 0.08, 0.12, 0.15]


def _lines_table(content: dict[str, Any], s: _Styles, width: float) -> Table:
    """給付の内容: one row per part, then 小計, 消費税 per rate and 合計 under the amounts."""
    lines = document_lines(content)
    rows: list[list[Any]] = [
        [_para(h, s.head) for h in ("No.", "品名", "図番・版", "材質", "数量", "単価", "金額")]
    ]
    for n, line in enumerate(lines, start=1):
        rows.append(
            [
                _para(str(n), s.number),
                _para(line.get("name") or NOT_SET, s.cell),
                _para(_drawing(line), s.cell),
                _para(line.get("material") or NOT_SET, s.cell),
                _para(
                    f"{line.get('quantity') or NOT_SET:,}" if line.get("quantity") else NOT_SET,
                    s.number,
                ),
                _para(_unit_yen(line.get("unit_price")), s.number),
                _para(yen(line.get("amount")), s.number),
            ]
        )
    style: list[Any] = [
        TABLE_FONT,
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        *PADDING,
    ]
    if any(line.get("amount") is None for line in lines):
        # Priced as a whole: the parts above, one amount for them all.
        rows.append(
            [
                "",
                _para(f"上記{AS_A_WHOLE}", s.cell),
                "",
                "",
                "",
                _para(AS_A_WHOLE, s.number),
                _para(yen(content.get("price")), s.number),
            ]
        )
        style.append(("SPAN", (1, len(rows) - 1), (4, len(rows) - 1)))
    first_total = len(rows)
    totals = [("代金の額（税抜）", content.get("price"))]
    totals += [
        (f"消費税額（{_percent(t.get('rate'))}対象 {yen(t.get('base'))}）", t.get("tax"))
        for t in document_taxes(content)
    ]
    totals.append(("合計金額（税込）", content.get("total")))
    for label, amount in totals:
        rows.append(["", "", "", _para(label, s.cell), "", "", _para(yen(amount), s.number)])
        r = len(rows) - 1
        style += [("SPAN", (3, r), (5, r)), ("BACKGROUND", (3, r), (5, r), LABEL_BG)]
    # The totals sit under the amount columns only: no grid to their left.
    style += [
        ("GRID", (0, first_total), (2, -1), 0, colors.white),
        ("LINEABOVE", (0, first_total), (2, first_total), 0.4, GRID),
        ("LINEBELOW", (0, -1), (2, -1), 0, colors.white),
        ("LINEBEFORE", (0, first_total), (0, -1), 0, colors.white),
    ]
    table = Table(rows, colWidths=[width * w for w in LINE_WIDTHS], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _steps_table(items: list[dict[str, Any]], s: _Styles, width: float) -> Table:
    rows: list[list[Any]] = [[_para(h, s.head) for h in ("No.", "工程（加工法）", "内容", "数量")]]
    for n, item in enumerate(items, start=1):
        rows.append(
            [
                _para(str(n), s.number),
                _para(f"{item.get('process', '')}（{item.get('process_code', '')}）", s.cell),
                _para(item.get("title") or NOT_SET, s.cell),
                _para(f"{item.get('quantity', '')}", s.number),
            ]
        )
    table = Table(rows, colWidths=[width * w for w in (0.05, 0.40, 0.43, 0.12)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *PADDING,
            ]
        )
    )
    return table


# The terms under the lines, in the order the rule lists them (the parties, the lines and the
# amounts are printed above).
TERM_ROWS = (
    "ordered_on",
    "due_date",
    "delivery_place",
    "inspection_due_date",
    "payment_due_date",
    "payment_method",
    "transfer_fee_payer",
    "supplied_materials",
    "terms_note",
    "reason",
)
ACCEPTANCE_TERM_ROWS = tuple(k for k in TERM_ROWS if k != "reason")
LABELS = dict(DOCUMENT_ITEMS)


def _terms_table(
    content: dict[str, Any], s: _Styles, width: float, keys: tuple[str, ...] = TERM_ROWS
) -> Table:
    rows = [
        [_para(LABELS[key], s.label), _para(item_text(key, content.get(key), content), s.body)]
        for key in keys
    ]
    table = Table(rows, colWidths=[width * 0.30, width * 0.70])
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *PADDING,
            ]
        )
    )
    return table


def _changes_table(
    previous: OrderDocument, document: OrderDocument, s: _Styles, width: float
) -> Table:
    changes = document_diff(previous, document)
    rows: list[list[Any]] = [
        [
            _para("項目", s.cell),
            _para(f"変更前（第{previous.version}版）", s.cell),
            _para(f"変更後（第{document.version}版）", s.cell),
        ]
    ]
    for change in changes:
        key = change["key"]
        rows.append(
            [
                _para(change["label"], s.cell),
                _para(item_text(key, change["old"], previous.content), s.cell),
                _para(item_text(key, change["new"], document.content), s.cell),
            ]
        )
    if not changes:
        rows.append([_para("変更された取引条件はありません。", s.cell), "", ""])
    table = Table(rows, colWidths=[width * 0.26, width * 0.37, width * 0.37], repeatRows=1)
    style = [
        TABLE_FONT,
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if changes:
        style.append(("BACKGROUND", (2, 1), (2, -1), CHANGED_BG))
    else:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    return table


def _footer(label: str) -> Callable:
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(doc.leftMargin, 10 * mm, printable(label))
        canvas.drawRightString(
            doc.pagesize[0] - doc.rightMargin, 10 * mm, f"{canvas.getPageNumber()} ページ"
        )
        canvas.restoreState()

    return draw


def _template(buffer: BytesIO, *, title: str, author: str, subject: str, number: str):
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=12 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="shopnet",
        keywords=[title.split()[0], "取適法", number],
        lang="ja-JP",
        # Otherwise every page starts in Helvetica, a font the reader must supply.
        initialFontName=FONT_NAME,
        initialFontSize=9.5,
    )


def _meta(lines: list[str], s: _Styles) -> Paragraph:
    return Paragraph("<br/>".join(escape(printable(line)) for line in lines), s.meta)


def render_order_document(
    document: OrderDocument, *, previous: OrderDocument | None = None
) -> bytes:
    """The A4 PDF of one issued order document; with `previous` (an earlier version of the
    same order), a 「前版からの変更」 table lists what changed."""
    if previous is not None:
        if previous.order_id != document.order_id:
            raise ValueError("The previous version must belong to the same order.")
        if previous.version >= document.version:
            raise ValueError("The previous version must be older than the document.")

    register_japanese_font()
    s = _Styles()
    content = document.content
    number = content.get("document_number") or str(document.uuid)
    version = content.get("version") or document.version
    buyer = (content.get("buyer") or {}).get("name", "")
    supplier = (content.get("supplier") or {}).get("name", "")
    issued = timezone.localtime(document.issued_at)

    buffer = BytesIO()
    doc = _template(
        buffer,
        title=f"発注書 {number}（第{version}版）",
        author=buyer,
        subject=f"取適法第4条に基づく取引条件の明示: {buyer} → {supplier}",
        number=number,
    )
    width = doc.width
    kind = "再委託（受注した工程の一部の委託）" if content.get("sub_order") else "製造委託"
    meta = _meta(
        [
            f"{LABELS['document_number']}: {number}",
            f"{LABELS['version']}: 第{version}版",
            f"発行日: {ja_date(issued.date())} {issued:%H:%M}",
            f"区分: {kind}",
        ],
        s,
    )
    left = _addressee_block(
        LABELS["supplier"],
        content.get("supplier"),
        s,
        "下記のとおり発注いたします。",
    )
    left += [Spacer(1, 3 * mm), _total_box(content, s, _left_width(width))]
    right = [meta, Spacer(1, 3 * mm), *_issuer_block(LABELS["buyer"], content.get("buyer"), s)]
    story: list[Any] = [
        Paragraph("発　注　書", s.title),
        Paragraph("（取適法第4条に基づく取引条件の明示）", s.subtitle),
        Spacer(1, 3 * mm),
        _header(left, right, width),
        Spacer(1, 2 * mm),
        Paragraph(LABELS["lines"], s.section),
        _lines_table(content, s, width),
    ]
    if content.get("items"):
        story += [
            Paragraph(LABELS["items"], s.section),
            _steps_table(content["items"], s, width),
        ]
    story += [Paragraph("取引条件", s.section), _terms_table(content, s, width)]
    retain_until = ja_date(document.retain_until)
    story += [
        Spacer(1, 3 * mm),
        _para(
            "本書は、製造委託等に係る中小受託事業者に対する代金の支払の遅延等の防止に関する法律"
            "（取適法）第4条に基づき、委託事業者が中小受託事業者に対して取引条件を明示する書面です。"
            f"同法第7条に基づく取引の記録として、{retain_until}まで保存します。"
            "消費税額は税率ごとに合計した金額に対して1円未満を切り捨てています。",
            s.small,
        ),
        _para(
            "本書は発行後に変更されません。取引条件を変更するときは、変更の理由を記した新しい版を"
            "発行します。代金の支払に手形は用いません。",
            s.small,
        ),
        _para(f"書類ID: {document.uuid}　内容のSHA-256: {document.content_sha256}", s.small),
    ]
    if previous is not None:
        story += [
            Spacer(1, 5 * mm),
            KeepTogether(
                [
                    Paragraph("前版からの変更", s.heading),
                    _para(
                        f"変更の理由: {document.reason or content.get('reason') or NOT_SET}",
                        s.body,
                    ),
                    Spacer(1, 2 * mm),
                    _changes_table(previous, document, s, width),
                ]
            ),
        ]
    footer = _footer(f"発注書 {number}（第{version}版）")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def render_order_acceptance(acceptance: OrderAcceptance) -> bytes:
    """The A4 PDF of the supplier's 注文請書: addressed to the buyer, issued by the supplier,
    naming the 発注書 number and version it accepts and the terms as accepted."""
    register_japanese_font()
    s = _Styles()
    content = acceptance.content
    terms = content.get("terms") or {}
    accepted = content.get("order_document") or {}
    number = content.get("acceptance_number") or str(acceptance.uuid)
    document_number = accepted.get("document_number") or NOT_SET
    version = accepted.get("version")
    buyer = (content.get("buyer") or {}).get("name", "")
    supplier = (content.get("supplier") or {}).get("name", "")

    buffer = BytesIO()
    doc = _template(
        buffer,
        title=f"注文請書 {number}",
        author=supplier,
        subject=f"発注書 {document_number}（第{version}版）の受注: {supplier} → {buyer}",
        number=number,
    )
    width = doc.width
    meta = _meta(
        [
            f"注文請書番号: {number}",
            f"請書日: {ja_date(content.get('accepted_on'))}",
            f"発注書: {document_number}（第{version}版）",
            f"発注書の発行日: {ja_date(accepted.get('issued_on'))}",
        ],
        s,
    )
    note = (
        f"貴社発注書（発注番号 {document_number} 第{version}版）記載の取引条件にて、"
        "下記のとおりご注文をお請けいたします。"
    )
    if content.get("counter_offer"):
        note += "（当社の条件変更の申出を貴社が承諾されたもの）"
    left = _addressee_block(LABELS["buyer"], content.get("buyer"), s, note)
    left += [Spacer(1, 3 * mm), _total_box(terms, s, _left_width(width))]
    right = [
        meta,
        Spacer(1, 3 * mm),
        *_issuer_block(LABELS["supplier"], content.get("supplier"), s),
    ]
    story: list[Any] = [
        Paragraph("注　文　請　書", s.title),
        Paragraph("（発注書に対する受注の確認）", s.subtitle),
        Spacer(1, 3 * mm),
        _header(left, right, width),
        Spacer(1, 2 * mm),
        Paragraph(LABELS["lines"], s.section),
        _lines_table(terms, s, width),
        Paragraph("取引条件", s.section),
        _terms_table(terms, s, width, ACCEPTANCE_TERM_ROWS),
        Spacer(1, 3 * mm),
        _para(
            f"受注者 {supplier} の {content.get('accepted_by') or NOT_SET} が"
            f" {ja_date(content.get('accepted_on'))} に受注しました。"
            f"本書は発行後に変更されません。{ja_date(acceptance.retain_until)}まで保存します。",
            s.small,
        ),
        _para(
            f"発注書の内容のSHA-256: {accepted.get('content_sha256') or NOT_SET}",
            s.small,
        ),
        _para(f"書類ID: {acceptance.uuid}　内容のSHA-256: {acceptance.content_sha256}", s.small),
    ]
    footer = _footer(f"注文請書 {number}（発注書 {document_number} 第{version}版）")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
