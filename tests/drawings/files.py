"""Real files of every accepted type, and a corpus of hostile ones, made here in the tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import ezdxf
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT = Path(__file__).resolve().parents[2] / "shopnet" / "fonts" / "ipaexg.ttf"
JAPANESE = "シャフト 図番 MR-1001 改訂B 研削仕上げ"


def pdf_bytes(pages: int = 2, text: str = JAPANESE) -> bytes:
    """An A4 landscape PDF with Japanese text in the embedded IPAex font, a frame and a title
    block, one page per sheet."""
    if "IPAexGothic" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("IPAexGothic", str(FONT)))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=landscape(A4))
    width, height = landscape(A4)
    for page in range(1, pages + 1):
        canvas.setLineWidth(2)
        canvas.rect(20, 20, width - 40, height - 40)
        canvas.circle(width / 2, height / 2, 120)
        canvas.setFont("IPAexGothic", 24)
        canvas.drawString(60, height - 80, f"{text} ({page}/{pages})")
        canvas.setFont("IPAexGothic", 14)
        canvas.drawString(width - 300, 40, "丸山製作所 検図")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _sheet(size=(1200, 850), label="A") -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, size[0] - 10, size[1] - 10], outline=0, width=4)
    draw.line([0, 0, size[0], size[1]], fill=0, width=3)
    draw.ellipse([size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2], outline=0, width=3)
    draw.text((40, 40), f"SHEET {label}", fill=0)
    return image


def png_bytes(size=(1200, 850)) -> bytes:
    out = io.BytesIO()
    _sheet(size).convert("RGB").save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    _sheet(size).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def tiff_bytes(pages: int = 3, size=(1700, 1200)) -> bytes:
    """A multi-page bilevel TIFF with Group 4 fax compression, as a scanner makes."""
    sheets = [_sheet(size, label=chr(65 + i)).convert("1") for i in range(pages)]
    out = io.BytesIO()
    sheets[0].save(
        out, "TIFF", compression="group4", save_all=True, append_images=sheets[1:], dpi=(400, 400)
    )
    return out.getvalue()


def dxf_bytes(text: str = JAPANESE) -> bytes:
    doc = ezdxf.new("R2018", setup=True)
    doc.header["$INSUNITS"] = 4  # mm
    doc.styles.new("JIS", dxfattribs={"font": "msgothic.ttc"})
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (297, 0), (297, 210), (0, 210)], close=True)
    msp.add_circle((148, 105), 40)
    msp.add_line((20, 105), (276, 105), dxfattribs={"color": 7})
    msp.add_text(text, dxfattribs={"height": 6, "style": "JIS"}).set_placement((20, 180))
    msp.add_mtext("仕上げ Ra1.6", dxfattribs={"char_height": 4}).set_location((20, 20))
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode("utf-8")


def step_bytes(name: str = "シャフト", units: str = ".MILLI.") -> bytes:
    """A minimal AP214 STEP file: header, one product, a length unit. The product name is
    written with the standard's \\X2\\ escape, as CAD systems export Japanese."""
    encoded = "".join(f"{ord(c):04X}" for c in name)
    text = f"""ISO-10303-21;
HEADER;
FILE_DESCRIPTION(('shopnet test part'),'2;1');
FILE_NAME('MR-1001.stp','2025-01-01T09:00:00',('maruyama'),('丸山製作所'),'test','test CAD','');
FILE_SCHEMA(('AUTOMOTIVE_DESIGN {{ 1 0 10303 214 1 1 1 1 }}'));
ENDSEC;
DATA;
#1=APPLICATION_CONTEXT('automotive design');
#2=PRODUCT_CONTEXT('',#1,'mechanical');
#3=PRODUCT('MR-1001','\\X2\\{encoded}\\X0\\','',(#2));
#4=(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT({units},.METRE.));
ENDSEC;
END-ISO-10303-21;
"""
    return text.encode("utf-8")


VALID = {
    "pdf": ("MR-1001_revA.pdf", pdf_bytes),
    "png": ("MR-2002.png", png_bytes),
    "jpeg": ("photo.jpg", jpeg_bytes),
    "tiff": ("scan-MR-3003.tif", tiff_bytes),
    "dxf": ("MR-4004.dxf", dxf_bytes),
    "step": ("MR-5005.stp", step_bytes),
}


# --- hostile files -----------------------------------------------------------------------------


def polyglot_png_html() -> bytes:
    """A valid PNG that a browser sniffing for HTML would render as a page: the markup sits in a
    text chunk near the start, and again after IEND."""
    png = png_bytes((64, 64))
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    chunk_type = b"tEXt"
    data = b"Comment\x00" + html
    chunk = struct.pack(">I", len(data)) + chunk_type + data
    chunk += struct.pack(">I", zlib.crc32(chunk_type + data) & 0xFFFFFFFF)
    # After the signature and IHDR (8 + 25 bytes).
    return png[:33] + chunk + png[33:] + html


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
    )


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><body><script>fetch('/api/v1/jobs/')</script></body></html>"


def pixel_bomb() -> bytes:
    """A tiny PNG whose header claims 100,000 × 100,000 pixels (10 gigapixels)."""
    width = height = 100_000
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    raw = zlib.compress(b"\x00" * 1024)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def zip_bomb() -> bytes:
    """A small archive that inflates to 200 MB (named .pdf to tempt a name check)."""
    out = io.BytesIO()
    zeros = b"\x00" * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("drawing.pdf", "w") as member,
    ):
        for _ in range(200):
            member.write(zeros)
    return out.getvalue()


def renamed_executable() -> bytes:
    """A Windows PE header (MZ … PE\\0\\0), as a drawing.pdf."""
    header = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    header += b"\x80\x00\x00\x00"  # e_lfanew
    header = header.ljust(0x80, b"\x00") + b"PE\x00\x00" + b"\x00" * 64
    return bytes(header)


def eps_file() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto showpage\n"


def truncated_pdf() -> bytes:
    return pdf_bytes(1)[:300]


def corrupt_png() -> bytes:
    data = bytearray(png_bytes((200, 200)))
    data[40:80] = b"\x00" * 40
    return bytes(data[:120])


HOSTILE = {
    "polyglot_png_html": ("innocent.png", polyglot_png_html),  # accepted as PNG, served safely
    "svg": ("drawing.svg", svg_with_script),
    "svg_as_png": ("drawing.png", svg_with_script),
    "html_as_pdf": ("drawing.pdf", html_page),
    "pixel_bomb": ("bomb.png", pixel_bomb),
    "zip_bomb": ("drawing.pdf", zip_bomb),
    "executable": ("drawing.pdf", renamed_executable),
    "eps": ("drawing.eps", eps_file),
    "eps_as_pdf": ("drawing.pdf", eps_file),
    "truncated_pdf": ("drawing.pdf", truncated_pdf),
    "corrupt_png": ("drawing.png", corrupt_png),
    "empty": ("drawing.pdf", lambda: b""),
    "text": ("drawing.dxf", lambda: b"just some text, not a drawing\n"),
}


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)
