"""What an uploaded file is, decided from its content alone: magic bytes, then a successful parse.

The name and the declared content type are never consulted. Markup (HTML, SVG, XML), PostScript
and EPS, archives and executables are refused by name, so the user is told why; anything else
that is not one of the accepted types is refused as unknown.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .models import FileKind


class Rejected(Exception):
    """The file is not one we accept; `message` says why, in the user's language."""

    def __init__(self, message, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass
class Detected:
    kind: str
    page_count: int = 1
    info: dict[str, Any] = field(default_factory=dict)


# Signatures of what is refused outright, checked before anything is parsed.
_REFUSED_MAGIC: list[tuple[int, bytes, str]] = [
    (0, b"PK\x03\x04", "archive"),
    (0, b"PK\x05\x06", "archive"),
    (0, b"PK\x07\x08", "archive"),
    (0, b"\x1f\x8b", "archive"),
    (0, b"BZh", "archive"),
    (0, b"\xfd7zXZ\x00", "archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "archive"),
    (0, b"Rar!\x1a\x07", "archive"),
    (0, b"\x28\xb5\x2f\xfd", "archive"),
    (257, b"ustar", "archive"),
    (0, b"MZ", "executable"),
    (0, b"\x7fELF", "executable"),
    (0, b"\xfe\xed\xfa\xce", "executable"),
    (0, b"\xfe\xed\xfa\xcf", "executable"),
    (0, b"\xce\xfa\xed\xfe", "executable"),
    (0, b"\xcf\xfa\xed\xfe", "executable"),
    (0, b"\xca\xfe\xba\xbe", "executable"),
    (0, b"#!", "executable"),
    (0, b"%!PS", "postscript"),
    (0, b"\xc5\xd0\xd3\xc6", "postscript"),  # DOS EPS binary header
]

REFUSALS = {
    "archive": _(
        "Archives (ZIP, gzip, 7z, RAR …) are not accepted. Upload the drawings themselves."
    ),
    "executable": _("Programs and scripts are not accepted."),
    "postscript": _("PostScript and EPS files are not accepted. Export the drawing as PDF."),
    "markup": _("HTML, SVG and XML files are not accepted. Export the drawing as PDF or DXF."),
    "unknown": _(
        "This file type is not accepted. Upload PDF, PNG, JPEG, TIFF, DXF or STEP drawings."
    ),
    "empty": _("The file is empty."),
}

_MARKUP = re.compile(rb"^\s*<(\?xml|!doctype|html|head|body|svg|script|iframe|!--|[a-z])", re.I)
_STEP_HEAD = re.compile(rb"^\s*ISO-10303-21\s*;", re.I)
_DXF_ASCII = re.compile(rb"^\s*(999\s*\r?\n[^\n]*\r?\n\s*)*0\s*\r?\nSECTION\s*\r?\n", re.I)
_DXF_BINARY = b"AutoCAD Binary DXF\r\n\x1a\x00"

RASTER_FORMATS = {"PNG": FileKind.PNG, "JPEG": FileKind.JPEG, "TIFF": FileKind.TIFF}
# A multi-page scan with more sheets than this is refused (each page is previewed).
MAX_FRAMES = 500
# Decoding the first page proves a raster parses; past this many bytes of pixels the header
# and frame table are the proof and the preview worker (with its memory limit) decodes it.
DECODE_IN_REQUEST_BYTES = 256 * 1024 * 1024


def sniff(head: bytes) -> str | None:
    """The accepted kind the first bytes announce, or raise Rejected for refused ones."""
    if not head:
        raise Rejected(REFUSALS["empty"], "empty")
    for offset, magic, what in _REFUSED_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            raise Rejected(REFUSALS[what], what)
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return FileKind.TIFF
    if head.startswith(_DXF_BINARY) or _DXF_ASCII.match(head):
        return FileKind.DXF
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if _STEP_HEAD.match(body):
        return FileKind.STEP
    if _MARKUP.match(body):
        raise Rejected(REFUSALS["markup"], "markup")
    raise Rejected(REFUSALS["unknown"], "unknown")


def detect(path: Path) -> Detected:
    """Decide what the file at `path` is and prove it parses; raise Rejected otherwise."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    kind = sniff(head)
    parse = {
        FileKind.PDF: _parse_pdf,
        FileKind.PNG: _parse_raster,
        FileKind.JPEG: _parse_raster,
        FileKind.TIFF: _parse_raster,
        FileKind.DXF: _parse_dxf,
        FileKind.STEP: _parse_step,
    }[kind]
    return parse(path, kind)


def _corrupt(kind: str) -> Rejected:
    return Rejected(
        _("The file looks like %(type)s but cannot be read: it is damaged or incomplete.")
        % {"type": FileKind(kind).label},
        "corrupt",
    )


# --- PDF ---------------------------------------------------------------------------------------


def _parse_pdf(path: Path, kind: str) -> Detected:
    # Here, not at the top: the PDF and DXF libraries are large; a process loads them on the
    # first file of their kind.
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise Rejected(
                _("The PDF is protected by a password. Upload it without the password."),
                "encrypted",
            ) from None
        raise _corrupt(kind) from None
    try:
        pages = len(pdf)
        if pages < 1:
            raise _corrupt(kind)
        width, height = pdf[0].get_size()
    finally:
        pdf.close()
    return Detected(
        kind,
        page_count=pages,
        info={"pages": pages, "width_pt": round(width), "height_pt": round(height)},
    )


# --- raster images -----------------------------------------------------------------------------


def _too_many_pixels(width: int, height: int) -> Rejected:
    return Rejected(
        _("The image is too large to process safely (%(w)s × %(h)s pixels).")
        % {"w": width, "h": height},
        "too_many_pixels",
    )


def open_raster(path_or_file, kind: str) -> Image.Image:
    """Open a raster drawing with Pillow limited to the one format its magic bytes named.

    Pillow's own decompression-bomb limit is raised for large scans (an A0 sheet at 400 dpi is
    about 250 million pixels); DRAWINGS_MAX_PIXELS is the ceiling we check ourselves, per page,
    from the header, before any pixel is decoded."""
    fmt = {v: k for k, v in RASTER_FORMATS.items()}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(path_or_file, formats=[fmt])


def _parse_raster(path: Path, kind: str) -> Detected:
    ceiling = settings.DRAWINGS_MAX_PIXELS
    try:
        image = open_raster(path, kind)
        with image:
            frames = getattr(image, "n_frames", 1)
            if frames > MAX_FRAMES:
                raise Rejected(
                    _("The file has too many pages (%(n)s; at most %(max)s).")
                    % {"n": frames, "max": MAX_FRAMES},
                    "too_many_pages",
                )
            sizes = []
            for index in range(frames):
                if index:
                    image.seek(index)
                width, height = image.size
                if width < 1 or height < 1:
                    raise _corrupt(kind)
                if width * height > ceiling:
                    raise _too_many_pixels(width, height)
                sizes.append((width, height))
            image.seek(0)
            width, height = sizes[0]
            if width * height * len(image.getbands()) <= DECODE_IN_REQUEST_BYTES:
                image.load()
            mode = image.mode
            dpi = image.info.get("dpi")
            compression = image.info.get("compression")
    except Rejected:
        raise
    except Image.DecompressionBombError:
        raise Rejected(
            _("The image has too many pixels to be processed safely."), "too_many_pixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise _corrupt(kind) from None
    info: dict[str, Any] = {"width": width, "height": height, "mode": mode, "pages": frames}
    if dpi:
        info["dpi"] = round(float(dpi[0]))
    if compression:
        info["compression"] = str(compression)
    return Detected(kind, page_count=frames, info=info)


# --- DXF ---------------------------------------------------------------------------------------

DXF_UNITS = {
    0: "",
    1: "in",
    2: "ft",
    4: "mm",
    5: "cm",
    6: "m",
    8: "µin",
    9: "mil",
    10: "yd",
    13: "µm",
    14: "dm",
}


def _parse_dxf(path: Path, kind: str) -> Detected:
    # Here, not at the top: see _parse_pdf.
    import ezdxf
    from ezdxf import recover

    try:
        with open(path, "rb") as handle:
            doc, auditor = recover.read(handle)
    except (ezdxf.DXFError, OSError, UnicodeError, ValueError, IndexError, TypeError):
        raise _corrupt(kind) from None
    if auditor.has_errors and not len(doc.modelspace()):
        raise _corrupt(kind)
    units = DXF_UNITS.get(int(doc.header.get("$INSUNITS", 0) or 0), "")
    return Detected(
        kind,
        info={"version": doc.dxfversion, "units": units, "entities": len(doc.modelspace())},
    )


# --- STEP (ISO 10303-21) -----------------------------------------------------------------------

_STEP_STRING = r"'((?:[^']|'')*)'"
_PRODUCT = re.compile(r"\bPRODUCT\s*\(\s*" + _STEP_STRING + r"\s*,\s*" + _STEP_STRING, re.I)
_FILE_NAME = re.compile(r"\bFILE_NAME\s*\(\s*" + _STEP_STRING, re.I)
_FILE_SCHEMA = re.compile(r"\bFILE_SCHEMA\s*\(\s*\(\s*" + _STEP_STRING, re.I)
_SI_LENGTH = re.compile(
    r"LENGTH_UNIT\s*\(\s*\)\s*NAMED_UNIT\s*\(\s*\*\s*\)\s*SI_UNIT\s*\(\s*(\.\w+\.|\$)\s*,\s*\.METRE\.",
    re.I,
)
_SI_LENGTH_ALT = re.compile(r"SI_UNIT\s*\(\s*\*?\s*,?\s*(\.\w+\.|\$)\s*,\s*\.METRE\.\s*\)", re.I)
_CONVERTED_LENGTH = re.compile(r"CONVERSION_BASED_UNIT\s*\(\s*'(INCH|FOOT|MIL)'", re.I)
_SI_PREFIX = {
    "$": "m",
    ".MILLI.": "mm",
    ".CENTI.": "cm",
    ".MICRO.": "µm",
    ".KILO.": "km",
    ".DECI.": "dm",
}
# How much of a STEP file is read for its header and product: the PRODUCT entity comes early.
STEP_SCAN_BYTES = 8 * 1024 * 1024


def decode_step_string(raw: str) -> str:
    """ISO 10303-21 string escapes: \\X2\\…\\X0\\ (UTF-16), \\X4\\…\\X0\\ (UTF-32), \\X\\hh
    (Latin-1), \\S\\c, doubled quotes and backslashes. Raw UTF-8 (common in practice) passes."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw.startswith("\\X2\\", i) or raw.startswith("\\X4\\", i):
            width = 4 if raw[i + 2] == "2" else 8
            end = raw.find("\\X0\\", i + 4)
            if end < 0:
                raise ValueError("unterminated \\X2\\")
            digits = raw[i + 4 : end]
            out.extend(chr(int(digits[j : j + width], 16)) for j in range(0, len(digits), width))
            i = end + 4
        elif raw.startswith("\\X\\", i):
            out.append(chr(int(raw[i + 3 : i + 5], 16)))
            i += 5
        elif raw.startswith("\\S\\", i):
            out.append(chr(ord(raw[i + 3]) + 128))
            i += 4
        elif raw.startswith("\\\\", i):
            out.append("\\")
            i += 2
        elif raw.startswith("''", i):
            out.append("'")
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def parse_step_header(text: str) -> dict[str, str]:
    """The facts a STEP file states about itself, or raise ValueError if it is not one."""
    upper = text.upper()
    header_at = upper.find("HEADER;")
    endsec_at = upper.find("ENDSEC;", header_at)
    data_at = upper.find("DATA;", endsec_at)
    if header_at < 0 or endsec_at < 0 or data_at < 0:
        raise ValueError("no HEADER or DATA section")
    header = text[header_at:endsec_at]
    schema = _FILE_SCHEMA.search(header)
    if schema is None:
        raise ValueError("no FILE_SCHEMA")
    info = {"schema": decode_step_string(schema.group(1)).split()[0] if schema.group(1) else ""}
    name = _FILE_NAME.search(header)
    if name:
        info["file_name"] = decode_step_string(name.group(1))
    data = text[data_at:]
    product = _PRODUCT.search(data)
    if product:
        product_id, product_name = (decode_step_string(g) for g in product.groups())
        info["product"] = product_name or product_id
        info["product_id"] = product_id
    unit = _SI_LENGTH.search(data) or _SI_LENGTH_ALT.search(data)
    converted = _CONVERTED_LENGTH.search(data)
    if converted:
        info["units"] = {"INCH": "inch", "FOOT": "ft", "MIL": "mil"}[converted.group(1).upper()]
    elif unit:
        info["units"] = _SI_PREFIX.get(unit.group(1).upper(), unit.group(1).strip(".").lower())
    return info


def _parse_step(path: Path, kind: str) -> Detected:
    with open(path, "rb") as handle:
        raw = handle.read(STEP_SCAN_BYTES)
        handle.seek(max(0, path.stat().st_size - 256))
        tail = handle.read()
    if b"END-ISO-10303-21" not in tail.upper():
        raise _corrupt(kind)
    text = raw.decode("utf-8", errors="replace")
    try:
        info = parse_step_header(text)
    except (ValueError, IndexError):
        raise _corrupt(kind) from None
    return Detected(kind, info=info)
