"""Order documents (発注書) as PDF: the printable form of an `OrderDocument`.

The PDF is a rendering of the frozen `OrderDocument.content`; the record itself is the database
row (immutable, hashed, kept until `retain_until`). Rendering never reads the live `Order`, so a
document printed years later shows exactly the terms that were issued.

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
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
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

from .models import OrderDocument
from .services.documents import DOCUMENT_ITEMS, PAYMENT_METHOD_JA, document_diff

FONT_NAME = "IPAexGothic"
FONT_FILE = "ipaexg.ttf"
FONT_LICENSE_FILE = "IPA_Font_License_Agreement_v1.0.txt"

_font_lock = threading.Lock()


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


def yen(amount: int | None) -> str:
    return NOT_SET if amount is None else f"¥{int(amount):,}"


def ja_date(value: str | date | None, *, empty: str = NOT_SET) -> str:
    if not value:
        return empty
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


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


class _Styles:
    def __init__(self) -> None:
        self.title = paragraph_style("title", 20, alignment=TA_CENTER, leading=26)
        self.subtitle = paragraph_style("subtitle", 9, alignment=TA_CENTER)
        self.meta = paragraph_style("meta", 8.5, alignment=TA_RIGHT, leading=12)
        self.heading = paragraph_style("heading", 11.5, spaceBefore=4, spaceAfter=4)
        self.label = paragraph_style("label", 9)
        self.body = paragraph_style("body", 9.5)
        self.small = paragraph_style("small", 8.5)
        self.cell = paragraph_style("cell", 9)
        self.number = paragraph_style("number", 9, alignment=TA_RIGHT)


def _items_table(items: list[dict[str, Any]], s: _Styles, width: float) -> Table:
    rows: list[list[Any]] = [
        [_para(h, s.cell) for h in ("No.", "工程（加工法）", "内容", "数量", "図番")]
    ]
    for n, item in enumerate(items, start=1):
        rows.append(
            [
                _para(str(n), s.number),
                _para(f"{item.get('process', '')}（{item.get('process_code', '')}）", s.cell),
                _para(item.get("title") or NOT_SET, s.cell),
                _para(f"{item.get('quantity', '')}", s.number),
                _para(item.get("drawing_number") or NOT_SET, s.cell),
            ]
        )
    widths = [0.08, 0.30, 0.30, 0.12, 0.20]
    table = Table(rows, colWidths=[width * w for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _terms_table(content: dict[str, Any], s: _Styles, width: float) -> Table:
    label_width = width * 0.30
    value_width = width - label_width
    rows: list[list[Any]] = []
    for key, label in DOCUMENT_ITEMS:
        value = content.get(key)
        if key == "items":
            cell: Any = _items_table(value or [], s, value_width - 8)
        else:
            cell = _para(item_text(key, value, content), s.body)
        rows.append([_para(label, s.label), cell])
    table = Table(rows, colWidths=[label_width, value_width])
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
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


def _footer(number: str, version: int) -> Callable:
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(doc.leftMargin, 10 * mm, printable(f"発注書 {number}（第{version}版）"))
        canvas.drawRightString(
            doc.pagesize[0] - doc.rightMargin, 10 * mm, f"{canvas.getPageNumber()} ページ"
        )
        canvas.restoreState()

    return draw


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
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=18 * mm,
        title=f"発注書 {number}（第{version}版）",
        author=buyer,
        subject=f"取適法第4条に基づく取引条件の明示: {buyer} → {supplier}",
        creator="shopnet",
        keywords=["発注書", "取適法", number],
        lang="ja-JP",
        # Otherwise every page starts in Helvetica, a font the reader must supply.
        initialFontName=FONT_NAME,
        initialFontSize=9.5,
    )
    width = doc.width

    kind = "再委託（受注した工程の一部の委託）" if content.get("sub_order") else "製造委託"
    meta = "<br/>".join(
        escape(line)
        for line in (
            f"発注番号: {number}",
            f"版: 第{version}版",
            f"発行日時: {ja_date(issued.date())} {issued:%H:%M}",
            f"区分: {kind}",
            f"書類ID: {document.uuid}",
        )
    )
    story: list[Any] = [
        Paragraph("発　注　書", s.title),
        Paragraph("（取適法第4条に基づく取引条件の明示）", s.subtitle),
        Spacer(1, 3 * mm),
        Paragraph(meta, s.meta),
        Spacer(1, 3 * mm),
        _terms_table(content, s, width),
    ]
    retain_until = ja_date(document.retain_until)
    # The legal statement sits right under the terms, so one version fits on one A4 page.
    story += [
        Spacer(1, 3 * mm),
        _para(
            "本書は、製造委託等に係る中小受託事業者に対する代金の支払の遅延等の防止に関する法律"
            "（取適法）第4条に基づき、委託事業者が中小受託事業者に対して取引条件を明示する書面です。"
            f"同法第7条に基づく取引の記録として、{retain_until}まで保存します。",
            s.small,
        ),
        _para(
            "本書は発行後に変更されません。取引条件を変更するときは、変更の理由を記した新しい版を"
            "発行します。代金の支払に手形は用いません。",
            s.small,
        ),
        _para(f"内容のSHA-256: {document.content_sha256}", s.small),
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
    footer = _footer(number, version)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
