"""The job traveler (工程票): the A4 sheet that travels with the parts from shop to shop.

One block per step, each with a QR code that opens the step on the floor station, and blank
boxes for the hand-written record (start, done, good, scrap, 担当印). The paper passes through
every shop of the chain, so it carries the job header only: never the customer, the notes or a
price.

Steps are numbered 1…n over the *whole* job, in topological order (a step after every step it
waits for; ties by position), so a step has the same number on every party's traveler: when the
hub's sheet and a supplier's sheet meet at a bench, "No. 3" is the same step on both. A supplier's
sheet prints only its own steps, and their predecessors by number only (no process, shop or name).
`position` alone is not enough: a step inserted before others gets the last position.

QR codes are drawn as vectors (one filled path of module rectangles, quiet zone included), each
in its own form XObject named after the step's uuid, so a test can read back exactly what was
encoded for which step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

import segno
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from . import revisions
from .access import JobAccess
from .dag import StepGraph
from .models import Job, Step
from .pdf import (
    FONT_NAME,
    GRID,
    HEAD_BG,
    LABEL_BG,
    TABLE_FONT,
    paragraph_style,
    printable,
    register_japanese_font,
)

NOT_SET = "—"

# Error correction M restores up to ~15% of a smudged or creased code; segno raises it further
# when that fits in the same symbol version.
QR_ERROR = "m"
QR_BORDER = 4  # modules of quiet zone on each side, as ISO/IEC 18004 asks
# The printed code, quiet zone included. A step URL is QR version 4–6 (33–41 modules), so the
# symbol itself is 24–25 mm wide: readable by a tablet camera at arm's length (~30 cm).
QR_SIZE = 30 * mm


def drawing_revision_for(job: Job) -> str | None:
    """The current drawing revision to print on the traveler (the floor cards use the same)."""
    return revisions.job_revisions([job.pk]).get(job.pk)


def short_id(job: Job) -> str:
    """The job's id as people read it aloud: the first 8 hex digits of its uuid."""
    return job.uuid.hex[:8].upper()


def qr_form_name(step: Step) -> str:
    """The name of the form XObject that holds a step's QR code."""
    return f"qr_{step.uuid.hex}"


# --- Which steps, in which order --------------------------------------------------------------


@dataclass
class TravelerStep:
    step: Step
    number: int
    after: list[int] = field(default_factory=list)  # numbers of the steps it waits for


def traveler_steps(access: JobAccess, graph: StepGraph | None = None) -> list[TravelerStep]:
    """The steps `access` may see, numbered and in job order, with their predecessors.

    Numbers run 1…n in topological order over every step of the job, whoever asks: numbers,
    not names, so nothing private leaks. Two queries (the job's step graph)."""
    if graph is None:
        graph = StepGraph.load(access.job, related=("workshop", "process", "part"))
    numbers = graph.numbers()
    rows = [
        TravelerStep(
            step=step,
            number=numbers[step.pk],
            after=sorted(numbers[p] for p in graph.predecessors(step.pk)),
        )
        for step in graph.steps.values()
        if access.sees_step(step)
    ]
    return sorted(rows, key=lambda row: row.number)


# --- Drawing ------------------------------------------------------------------------------------


class QRCode(Flowable):
    """A QR code drawn as vector rectangles in a named form XObject."""

    def __init__(self, url: str, name: str, size: float = QR_SIZE) -> None:
        super().__init__()
        self.url = url
        self.name = name
        self.size = size
        self.qr = segno.make(url, error=QR_ERROR, micro=False)
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        if not canvas.hasForm(self.name):
            self._define_form(canvas)
        canvas.doForm(self.name)

    def _define_form(self, canvas: Canvas) -> None:
        matrix = self.qr.matrix
        modules = len(matrix) + 2 * QR_BORDER
        canvas.beginForm(self.name, 0, 0, self.size, self.size)
        canvas.saveState()
        # Module units from here on, y growing downwards from the top-left corner of the code.
        canvas.scale(self.size / modules, self.size / modules)
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        for row, line in enumerate(matrix):
            y = modules - QR_BORDER - row - 1
            column = 0
            while column < len(line):
                if not line[column]:
                    column += 1
                    continue
                start = column
                while column < len(line) and line[column]:
                    column += 1
                # One rectangle per run of dark modules: fewer seams, a smaller file.
                path.rect(QR_BORDER + start, y, column - start, 1)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()
        canvas.endForm()


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


class _Styles:
    def __init__(self) -> None:
        self.title = paragraph_style("traveler-title", 20, leading=26)
        self.id = paragraph_style("traveler-id", 14, alignment=TA_RIGHT, leading=18)
        self.label = paragraph_style("traveler-label", 8.5)
        self.value = paragraph_style("traveler-value", 10.5)
        self.hint = paragraph_style("traveler-hint", 8.5, textColor=colors.HexColor("#444444"))
        self.number = paragraph_style("traveler-number", 18, alignment=TA_CENTER, leading=22)
        self.step = paragraph_style("traveler-step", 12.5, leading=16)
        self.facts = paragraph_style("traveler-facts", 9.5)
        self.box = paragraph_style("traveler-box", 8, alignment=TA_CENTER)


def _day(value: date | None) -> str:
    return date_format(value, "DATE_FORMAT") if value else NOT_SET


def _material(job: Job) -> str:
    if job.material is not None:
        return job.material.name or job.material.code
    return job.material_note or NOT_SET


def _header(job: Job, printed_on: date, s: _Styles, width: float) -> list[Any]:
    # Only what every shop in the chain may read: DESIGN.md, "Tenancy and visibility".
    facts = [
        (_("Part name"), job.part_name),
        (_("Drawing number"), job.drawing_number or NOT_SET),
        (_("Drawing revision"), drawing_revision_for(job) or NOT_SET),
        (_("Material"), _material(job)),
        (_("Quantity"), f"{job.quantity:,}"),
        (_("Due date"), _day(job.due_date)),
        (_("Priority"), str(job.get_priority_display())),
        (_("Hub"), job.owner.name),
        (_("Printed"), _day(printed_on)),
        (_("Job ID"), short_id(job)),
    ]
    rows = []
    for left, right in zip(facts[::2], facts[1::2], strict=True):
        rows.append(
            [
                _p(left[0], s.label),
                _p(left[1], s.value),
                _p(right[0], s.label),
                _p(right[1], s.value),
            ]
        )
    label, value = width * 0.16, width * 0.34
    table = Table(rows, colWidths=[label, value, label, value])
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
                ("BACKGROUND", (2, 0), (2, -1), LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    title = Table(
        [[_p(_("Job traveler"), s.title), _p(_("Job ID") + " " + short_id(job), s.id)]],
        colWidths=[width * 0.6, width * 0.4],
    )
    title.setStyle(TableStyle([TABLE_FONT, ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return [
        title,
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 2 * mm),
        _p(
            _("Scan a step's QR code with the tablet camera to open it on the floor station."),
            s.hint,
        ),
        Spacer(1, 2 * mm),
    ]


def _sign_off(s: _Styles, width: float) -> Table:
    labels = [_("Start date"), _("Done date"), _("Good"), _("Scrap"), _("Signature")]
    widths = [0.22, 0.22, 0.17, 0.17, 0.22]
    table = Table(
        [[_p(label, s.box) for label in labels], [""] * len(labels)],
        colWidths=[width * w for w in widths],
        rowHeights=[None, 13 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("TOPPADDING", (0, 0), (-1, 0), 1),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 2),
            ]
        )
    )
    return table


def part_label(step: Step) -> str:
    """The part a step works on as the floor reads it: name, drawing number and revision."""
    part = step.part
    label = part.name
    if part.drawing_number:
        label += f" ({part.drawing_number}"
        label += f" {part.revision})" if part.revision else ")"
    elif part.revision:
        label += f" ({part.revision})"
    return label


def _step_block(
    row: TravelerStep, url: str, s: _Styles, width: float, *, many_parts: bool = False
) -> Table:
    step = row.step
    heading = step.process.name + (f" — {step.title}" if step.title else "")
    after = ", ".join(f"No.{n}" for n in row.after) or NOT_SET
    facts = "　　".join(
        (
            # A job of several parts: which part each step works on, so a sheet never
            # travels with the wrong parts.
            *([_("Part") + f": {part_label(step)}"] if many_parts else []),
            _("Shop") + f": {step.workshop.name}",
            _("Quantity") + f": {step.quantity:,}",
            _("Predecessors") + f": {after}",
        )
    )
    number_width, qr_width = 16 * mm, QR_SIZE + 4 * mm
    middle_width = width - number_width - qr_width
    middle = [_p(heading, s.step), _p(facts, s.facts), Spacer(1, 1.5 * mm)]
    middle.append(_sign_off(s, middle_width - 8))
    table = Table(
        [[_p(str(row.number), s.number), middle, QRCode(url, qr_form_name(step))]],
        colWidths=[number_width, middle_width, qr_width],
    )
    table.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("BOX", (0, 0), (-1, -1), 1, colors.black),
                ("LINEAFTER", (0, 0), (0, 0), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, 0), LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (2, 0), (2, 0), "CENTER"),
                ("LEFTPADDING", (2, 0), (2, 0), 2),
                ("RIGHTPADDING", (2, 0), (2, 0), 2),
            ]
        )
    )
    return table


def _numbered_canvas(footer: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so each footer can say "x / y"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for state in self._held_pages:
                self.__dict__.update(state)
                footer(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def render_traveler(
    job: Job,
    steps: Sequence[TravelerStep],
    url_for: Callable[[Step], str],
    *,
    printed_on: date | None = None,
) -> bytes:
    """The A4 traveler of `job` with one block per step in `steps` (see `traveler_steps`);
    `url_for(step)` is the absolute URL its QR code opens. Labels follow the active language."""
    register_japanese_font()
    s = _Styles()
    printed_on = printed_on or timezone.localdate()
    title = _("Job traveler") + " " + job.part_name
    footer_left = " · ".join(
        (_("Job traveler"), job.part_name, _("Job ID") + f" {short_id(job)} ({job.uuid})")
    )

    def footer(canvas: Canvas, page: int, pages: int) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(doc.leftMargin, 9 * mm, printable(footer_left))
        canvas.drawRightString(
            doc.pagesize[0] - doc.rightMargin,
            9 * mm,
            _("Page %(n)s of %(total)s") % {"n": page, "total": pages},
        )
        canvas.restoreState()

    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=job.owner.name,
        subject=title,
        creator="shopnet",
        lang="en" if (get_language() or "ja").startswith("en") else "ja-JP",
        # Otherwise every page starts in Helvetica, a font the reader must supply.
        initialFontName=FONT_NAME,
        initialFontSize=9.5,
    )
    width = doc.width
    story: list[Any] = _header(job, printed_on, s, width)
    many_parts = len({row.step.part_id for row in steps}) > 1
    for row in steps:
        story += [
            KeepTogether([_step_block(row, url_for(row.step), s, width, many_parts=many_parts)]),
            Spacer(1, 2.5 * mm),
        ]
    if not steps:
        story.append(_p(_("No steps yet."), s.value))
    doc.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()
