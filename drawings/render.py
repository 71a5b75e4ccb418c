"""Preview rendering, run as its own process: `python drawings/render.py <job.json>`.

It imports neither Django nor the project, so that the parent can start it with resource
limits (address space, CPU seconds, file size) and a wall-clock timeout, and a hostile or
merely enormous file can only kill this process. The parent (drawings/previews.py) copies the
original to a local file, runs this, and stores what it wrote through Django's storage API.

Input (a JSON file): {"kind", "source", "out_dir", "font", "max_pixels", "max_pages",
"page_edge", "thumb_edge"}. Output: the files in out_dir and a JSON manifest on stdout:
{"media": "image/png" | "image/jpeg" | "image/svg+xml", "pages": [file names], "thumbnail": name}.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

PAGE_EDGE = 2400  # the long edge of a page preview: sharp at 2x zoom on a 10-inch tablet
THUMB_EDGE = 480


def _save(image, path: Path, media: str) -> None:
    if media == "image/jpeg":
        image.convert("RGB").save(path, "JPEG", quality=85, optimize=True)
    else:
        image.save(path, "PNG", optimize=False, compress_level=6)


def _flatten(image):
    """A drawing on white: transparency becomes white paper, palettes and 1-bit become grey."""
    # Here, not at the top: each renderer loads only its own library, under the caps.
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        return paper.convert("RGB")
    if image.mode in ("1", "L", "I;16", "I", "F"):
        return image.convert("L")
    if image.mode == "CMYK" or image.mode == "YCbCr" or image.mode == "P":
        return image.convert("RGB")
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def _fit(image, edge: int):
    # Here, not at the top: each renderer loads only its own library, under the caps.
    from PIL import Image

    if max(image.size) <= edge:
        return image.copy()
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    return copy


def render_raster(job: dict, out: Path) -> dict:
    # Here, not at the top: each renderer loads only its own library, under the caps.
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # the ceiling is checked per page below
    fmt = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}[job["kind"]]
    media = "image/jpeg" if job["kind"] == "jpeg" else "image/png"
    ext = "jpg" if media == "image/jpeg" else "png"
    pages = []
    with Image.open(job["source"], formats=[fmt]) as image:
        frames = min(getattr(image, "n_frames", 1), job["max_pages"])
        for index in range(frames):
            image.seek(index)
            if image.size[0] * image.size[1] > job["max_pixels"]:
                raise ValueError("too many pixels")
            if job["kind"] == "jpeg":
                # Decode at a reduced scale when the page is far larger than the preview.
                image.draft("RGB", (job["page_edge"], job["page_edge"]))
            page = _flatten(image)
            if index == 0:
                # Here, not at the top: each renderer loads only its own library, under the caps.
                from PIL import ImageOps

                page = ImageOps.exif_transpose(page)
            page = _fit(page, job["page_edge"])
            name = f"page-{index + 1}.{ext}"
            _save(page, out / name, media)
            pages.append(name)
            if index == 0:
                _save(_fit(page, job["thumb_edge"]), out / f"thumbnail.{ext}", media)
    return {"media": media, "pages": pages, "thumbnail": f"thumbnail.{ext}"}


def render_pdf(job: dict, out: Path) -> dict:
    # Here, not at the top: each renderer loads only its own library, under the caps.
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(job["source"])
    pages = []
    try:
        for index in range(min(len(pdf), job["max_pages"])):
            page = pdf[index]
            width, height = page.get_size()
            scale = min(job["page_edge"] / max(width, height, 1), 8.0)
            bitmap = page.render(scale=scale, may_draw_forms=True)
            image = _flatten(bitmap.to_pil())
            name = f"page-{index + 1}.png"
            _save(image, out / name, "image/png")
            pages.append(name)
            if index == 0:
                _save(_fit(image, job["thumb_edge"]), out / "thumbnail.png", "image/png")
            page.close()
    finally:
        pdf.close()
    return {"media": "image/png", "pages": pages, "thumbnail": "thumbnail.png"}


# Only these elements may appear in an SVG we serve; anything else means the backend changed
# and the preview is refused rather than served.
SVG_ELEMENTS = {
    "svg",
    "defs",
    "style",
    "rect",
    "g",
    "path",
    "polyline",
    "polygon",
    "circle",
    "line",
}


def render_dxf(job: dict, out: Path) -> dict:

    # Here, not at the top: each renderer loads only its own library, under the caps.
    from ezdxf import recover
    from ezdxf.addons.drawing import Frontend, RenderContext, config, layout, svg
    from ezdxf.fonts import fonts

    # Every text in the drawing is drawn with the bundled Japanese font, as filled outlines:
    # the preview does not depend on the fonts of the server or of the tablet.
    font = Path(job["font"])
    manager = fonts.font_manager
    manager.clear()
    manager.scan_folder(font.parent)
    manager._fallback_font_name = font.name
    with open(job["source"], "rb") as handle:
        doc, _auditor = recover.read(handle)
    for style in doc.styles:
        style.dxf.font = font.name
        if style.dxf.hasattr("bigfont"):
            style.dxf.discard("bigfont")
    backend = svg.SVGBackend()
    settings = config.Configuration(
        background_policy=config.BackgroundPolicy.WHITE,
        color_policy=config.ColorPolicy.COLOR,
        # Raster images inside a DXF name files on the author's disk: never follow them.
        image_policy=config.ImagePolicy.RECT,
        hatching_timeout=20,
    )
    Frontend(RenderContext(doc), backend, config=settings).draw_layout(
        doc.modelspace(), finalize=True
    )
    page = layout.Page(0, 0, layout.Units.mm, margins=layout.Margins.all(5))
    text = backend.get_string(
        page, settings=layout.Settings(output_layers=False), xml_declaration=False
    )
    root = ET.fromstring(text)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag not in SVG_ELEMENTS:
            raise ValueError(f"unexpected SVG element {tag}")
        for attribute in element.attrib:
            if attribute.lower().startswith("on") or "href" in attribute.lower():
                raise ValueError("unexpected SVG attribute")
    (out / "page-1.svg").write_text(text, encoding="utf-8")
    return {"media": "image/svg+xml", "pages": ["page-1.svg"], "thumbnail": "page-1.svg"}


def render_step(job: dict, out: Path) -> dict:
    """No 3D preview: a card with the product name and units the header states."""
    # Here, not at the top: each renderer loads only its own library, under the caps.
    from PIL import Image, ImageDraw, ImageFont

    info = job.get("info") or {}
    pages = []
    for name, size in (("page-1.png", (1600, 1131)), ("thumbnail.png", (480, 340))):
        image = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(image)
        unit = size[0] / 100
        big = ImageFont.truetype(job["font"], int(unit * 9))
        small = ImageFont.truetype(job["font"], int(unit * 4))
        draw.rectangle(
            [unit, unit, size[0] - unit, size[1] - unit],
            outline=(11, 92, 173),
            width=max(2, int(unit / 2)),
        )
        draw.text((unit * 5, unit * 5), "STEP 3D", font=big, fill=(11, 92, 173))
        lines = [
            str(info.get("product") or info.get("product_id") or ""),
            " ".join(filter(None, [str(info.get("units") or ""), str(info.get("schema") or "")])),
        ]
        y = unit * 20
        for line in lines:
            if line:
                draw.text((unit * 5, y), line[:60], font=small, fill=(30, 30, 30))
                y += unit * 7
        image.save(out / name, "PNG")
        if name.startswith("page"):
            pages.append(name)
    return {"media": "image/png", "pages": pages, "thumbnail": "thumbnail.png"}


RENDERERS = {
    "png": render_raster,
    "jpeg": render_raster,
    "tiff": render_raster,
    "pdf": render_pdf,
    "dxf": render_dxf,
    "step": render_step,
}


def render(job: dict) -> dict:
    out = Path(job["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    job.setdefault("page_edge", PAGE_EDGE)
    job.setdefault("thumb_edge", THUMB_EDGE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RENDERERS[job["kind"]](job, out)


def limit_resources(job: dict) -> None:
    """Cap this process before it touches the file: address space, CPU time, written bytes."""

    memory = int(job.get("memory_bytes") or 0)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = int(job.get("cpu_seconds") or 0)
    if seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    written = int(job.get("max_output_bytes") or 0)
    if written:
        resource.setrlimit(resource.RLIMIT_FSIZE, (written, written))


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    limit_resources(job)
    try:
        manifest = render(job)
    except MemoryError:
        print(json.dumps({"error": "memory"}))
        return 3
    except Exception as error:  # the parent records a failed preview; never a traceback
        message = re.sub(r"\s+", " ", f"{type(error).__name__}: {error}")[:200]
        print(json.dumps({"error": message}))
        return 2
    sys.stdout.write(json.dumps(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
