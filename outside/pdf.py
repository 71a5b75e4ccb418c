"""The request sheet: one A4 page for FAX or hand delivery, with the request's terms, the
parts, and the link as text and as a QR code (the same link the mail carries)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from orders.models import PaymentMethod
from orders.pdf import ja_date, paragraph_style, printable, register_japanese_font, yen
from orders.traveler import QRCode

from .links import link_url
from .models import CapabilityLink
from .selectors import request_summary


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(printable(str(text))).replace("\n", "<br/>"), style)


def render_request_sheet(link: CapabilityLink) -> bytes:
    register_japanese_font()
    url = link_url(link)
    summary = request_summary(link)
    order, job, buyer = summary["order"], summary["job"], summary["buyer"]
    shop = link.shop
    title = paragraph_style("outside-title", 18, leading=24)
    body = paragraph_style("outside-body", 10.5, leading=15)
    small = paragraph_style("outside-small", 9, leading=12)
    buffer = BytesIO()
    # The shop reads Japanese: the sheet is in Japanese whatever the hub's language.
    with translation.override("ja"):
        rows = [
            (pgettext("request sheet", "From"), buyer.name),
            (pgettext("request sheet", "Part"), f"{job.part_name}　{job.drawing_number}".strip()),
            (
                _("Parts and quantities"),
                "\n".join(f"{i.part.name} × {i.quantity}" for i in summary["items"]),
            ),
            (pgettext("request sheet", "Steps"), "、".join(s.label for s in summary["steps"])),
            (_("Price (excl. tax)"), yen(int(order.price))),
            (_("Delivery date"), ja_date(order.due_date)),
            (_("Delivery place"), order.delivery_place),
            (_("Payment due date"), ja_date(order.payment_due_date)),
            (_("Payment method"), PaymentMethod(order.payment_method).label),
            (_("Link valid until"), ja_date(link.expires_at.date())),
        ]
        if order.terms_note:
            rows.append((_("Other terms"), order.terms_note))
        table = Table([[_p(k, small), _p(v, body)] for k, v in rows], colWidths=[38 * mm, 132 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, "#888888"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story = [
            _p(_("Request for work"), title),
            _p(
                _("To: %(shop)s %(contact)s")
                % {"shop": shop.workshop.name, "contact": shop.contact_name},
                body,
            ),
            Spacer(1, 4 * mm),
            table,
            Spacer(1, 6 * mm),
            _p(
                _(
                    "Open the link below on your phone to read the request and the drawings, "
                    "and to accept, decline or propose another price or date. No account is "
                    "needed. Do not pass the link on: whoever holds it can answer for your shop."
                ),
                body,
            ),
            Spacer(1, 4 * mm),
            QRCode(url, "qr_link", size=45 * mm),
            Spacer(1, 3 * mm),
            _p(url, small),
        ]
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=printable(_("Request for work")),
        )
        document.build(story)
    return buffer.getvalue()
