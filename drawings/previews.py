"""Previews: made once per revision, stored, and marked for each viewer when served.

Making them (`make_previews`) runs `drawings/render.py` in a child process with an address
space limit, a CPU limit and a wall-clock timeout (DRAWINGS_PREVIEW_MEMORY_MB,
DRAWINGS_PREVIEW_TIMEOUT), so a hostile or enormous file can only kill that child. The
`make_previews` management command does this for every pending revision (run it every minute);
a preview asked for before the command got to it is made on that request, under the same limits.

Serving them (`marked_preview`) draws on the stored clean image, per request: the viewer's
workshop and the date across the page for anyone outside the hub (a leaked screenshot says where
it came from), and 「旧版 / SUPERSEDED」 on every revision that is no longer current.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from . import render
from .models import DrawingRevision, PreviewStatus

logger = logging.getLogger(__name__)

RENDER_SCRIPT = Path(__file__).with_name("render.py")
FONT_PATH = Path(settings.BASE_DIR) / "shopnet" / "fonts" / "ipaexg.ttf"
SUPERSEDED_MARK = "旧版 / SUPERSEDED"


# --- making previews -----------------------------------------------------------------------------


def _job(revision: DrawingRevision, source: Path, out_dir: Path) -> dict:
    return {
        "kind": revision.kind,
        "source": str(source),
        "out_dir": str(out_dir),
        "font": str(FONT_PATH),
        "info": revision.info,
        "max_pixels": settings.DRAWINGS_MAX_PIXELS,
        "max_pages": settings.DRAWINGS_PREVIEW_MAX_PAGES,
        "memory_bytes": settings.DRAWINGS_PREVIEW_MEMORY_MB * 1024 * 1024,
        "cpu_seconds": settings.DRAWINGS_PREVIEW_TIMEOUT,
        "max_output_bytes": 512 * 1024 * 1024,
    }


def _run_isolated(job: dict, workdir: Path) -> dict:
    spec = workdir / "job.json"
    spec.write_text(json.dumps(job), encoding="utf-8")
    try:
        completed = subprocess.run(
            [sys.executable, "-I", str(RENDER_SCRIPT), str(spec)],
            capture_output=True,
            timeout=settings.DRAWINGS_PREVIEW_TIMEOUT,
            cwd=workdir,
            check=False,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(workdir)},
        )
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    try:
        manifest = json.loads(completed.stdout.decode("utf-8") or "{}")
    except ValueError:
        manifest = {}
    if completed.returncode != 0 or "pages" not in manifest:
        # Killed by a limit (no manifest), or a render error (its message).
        return {"error": manifest.get("error") or f"exit {completed.returncode}"}
    return manifest


def _run_in_process(job: dict) -> dict:

    try:
        return render.render(job)
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"[:200]}


def make_previews(revision: DrawingRevision, *, force: bool = False) -> DrawingRevision:
    """Render and store the previews of `revision` unless they exist; return it refreshed.

    Rendering happens outside any transaction; the result is written under the revision's row
    lock, and a render that lost a race to another one removes its files."""
    revision.refresh_from_db()
    if revision.preview_status != PreviewStatus.PENDING and not force:
        return revision
    with tempfile.TemporaryDirectory(prefix="shopnet-preview-") as tmp:
        workdir = Path(tmp)
        source = workdir / "source"
        with revision.file.open("rb") as original, open(source, "wb") as local:
            shutil.copyfileobj(original, local, 1024 * 1024)
        out_dir = workdir / "out"
        job = _job(revision, source, out_dir)
        if settings.DRAWINGS_PREVIEW_ISOLATED:
            manifest = _run_isolated(job, workdir)
        else:
            manifest = _run_in_process(job)
        stored: dict = {}
        if "error" not in manifest:
            token = uuid.uuid4().hex
            prefix = f"drawings/previews/{token[:2]}/{token}"
            names = {}
            for name in {*manifest["pages"], manifest["thumbnail"]}:
                with open(out_dir / name, "rb") as handle:
                    names[name] = default_storage.save(f"{prefix}/{name}", File(handle))
            stored = {
                "media": manifest["media"],
                "pages": [names[n] for n in manifest["pages"]],
                "thumbnail": names[manifest["thumbnail"]],
            }
    with transaction.atomic():
        current = DrawingRevision.objects.select_for_update().get(pk=revision.pk)
        if current.preview_status != PreviewStatus.PENDING and not force:
            _delete_files(stored)
            return current
        old = current.previews
        if stored:
            current.previews = stored
            current.preview_status = PreviewStatus.READY
            current.preview_error = ""
        else:
            logger.warning("No preview for revision %s: %s", current.uuid, manifest["error"])
            current.previews = {}
            current.preview_status = PreviewStatus.FAILED
            current.preview_error = str(manifest["error"])[:300]
        current.save(update_fields=["previews", "preview_status", "preview_error"])
        transaction.on_commit(lambda: _delete_files(old))
    return current


def _delete_files(previews: dict) -> None:
    for name in {*previews.get("pages", []), previews.get("thumbnail")} - {None}:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete preview file %s", name, exc_info=True)


def ensure_previews(revision: DrawingRevision) -> DrawingRevision:
    """The revision with its previews made, making them now if nobody has yet."""
    if revision.preview_status == PreviewStatus.PENDING:
        return make_previews(revision)
    return revision


def pending_revisions(limit: int = 100):
    return DrawingRevision.objects.filter(preview_status=PreviewStatus.PENDING).order_by(
        "created_at", "pk"
    )[:limit]


# --- marking previews for a viewer ---------------------------------------------------------------


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def watermark_text(workshop_name: str, day=None) -> str:
    day = day or timezone.localdate()
    return f"{workshop_name}  {day.isoformat()}"


def _text_tile(text: str, size: int, fill: tuple[int, int, int, int], angle: float):
    font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    tile = Image.new("RGBA", (right - left + size, bottom - top + size), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((size // 2 - left, size // 2 - top), text, font=font, fill=fill)
    return tile.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)


def _draw_watermark(layer: Image.Image, text: str) -> None:
    width, height = layer.size
    size = max(12, int(max(width, height) / 40))
    tile = _text_tile(text, size, (70, 70, 70, 60), 30)
    step_x, step_y = int(tile.width * 1.15), int(tile.height * 1.6)
    for row, y in enumerate(range(-tile.height // 2, height, max(step_y, 1))):
        offset = (row % 2) * step_x // 2
        for x in range(-tile.width + offset, width, max(step_x, 1)):
            _paste_clipped(layer, tile, x, y)
    # One line at the foot, darker, that survives cropping the middle of the page.
    small = _font(max(10, size // 2))
    draw = ImageDraw.Draw(layer)
    _l, _t, right, bottom = draw.textbbox((0, 0), text, font=small)
    margin = max(4, size // 3)
    draw.text(
        (width - right - margin, height - bottom - margin), text, font=small, fill=(50, 50, 50, 150)
    )


def _paste_clipped(layer: Image.Image, tile: Image.Image, x: int, y: int) -> None:
    """alpha_composite refuses negative offsets: crop what lies left of or above the layer."""
    left, top = max(0, -x), max(0, -y)
    right = min(tile.width, layer.width - x)
    bottom = min(tile.height, layer.height - y)
    if left >= right or top >= bottom:
        return
    part = tile.crop((left, top, right, bottom))
    layer.alpha_composite(part, (max(0, x), max(0, y)))


def _draw_superseded(layer: Image.Image) -> None:
    width, height = layer.size
    red = (200, 30, 30)
    border = max(4, int(max(width, height) / 150))
    draw = ImageDraw.Draw(layer)
    draw.rectangle([0, 0, width - 1, height - 1], outline=(*red, 230), width=border)
    # Big and diagonal across the page, faint; and a solid stamp in the top-left corner.
    diagonal = _text_tile(
        SUPERSEDED_MARK,
        max(16, int(math.hypot(width, height) / 14)),
        (*red, 70),
        math.degrees(math.atan2(height, width)),
    )
    _paste_clipped(layer, diagonal, (width - diagonal.width) // 2, (height - diagonal.height) // 2)
    size = max(14, int(max(width, height) / 28))
    font = _font(size)
    _l, _t, right, bottom = draw.textbbox((0, 0), SUPERSEDED_MARK, font=font)
    pad = size // 2
    draw.rectangle(
        [border, border, border + right + 2 * pad, border + bottom + 2 * pad], fill=(*red, 235)
    )
    draw.text((border + pad, border + pad), SUPERSEDED_MARK, font=font, fill=(255, 255, 255, 255))


def mark_raster(data: bytes, media: str, *, watermark: str | None, superseded: bool) -> bytes:
    """The stored preview with the viewer's marks drawn on it (PNG or JPEG as stored)."""
    image = Image.open(BytesIO(data), formats=["PNG", "JPEG"])
    image.load()
    base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    if watermark:
        _draw_watermark(layer, watermark)
    if superseded:
        _draw_superseded(layer)
    base.alpha_composite(layer)
    out = BytesIO()
    if media == "image/jpeg":
        base.convert("RGB").save(out, "JPEG", quality=85)
    else:
        meta = PngImagePlugin.PngInfo()
        if watermark:
            # Also in the file's metadata: a downloaded preview says whose it was.
            meta.add_itxt("shopnet-viewer", watermark)
        if superseded:
            meta.add_itxt("shopnet-status", "superseded")
        base.convert("RGB").save(out, "PNG", compress_level=1, pnginfo=meta)
    return out.getvalue()


_VIEWBOX = re.compile(r'viewBox="\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*"')


def mark_svg(text: str, *, watermark: str | None, superseded: bool) -> str:
    """The stored DXF preview (our own SVG) with the viewer's marks as SVG elements, drawn in a
    nested coordinate system 1000 units wide laid over the whole drawing."""
    match = _VIEWBOX.search(text)
    if match is None or "</svg>" not in text:
        return text
    x0, y0, width, height = (float(v) for v in match.groups())
    if width <= 0 or height <= 0:
        return text
    w, h = 1000.0, 1000.0 * height / width
    font = "font-family=\"'IPAexGothic','Noto Sans CJK JP','Hiragino Sans',sans-serif\""
    parts = []
    if watermark:
        size = max(w, h) / 40
        label = escape(watermark)
        texts = []
        step_x, step_y = size * len(watermark) * 0.9 + size * 4, size * 5
        row, y = 0, 0.0
        while y < h + step_y:
            x = -step_x + (row % 2) * step_x / 2
            while x < w:
                texts.append(
                    f'<text x="{x:.1f}" y="{y:.1f}" transform="rotate(-30 {x:.1f} {y:.1f})">'
                    f"{label}</text>"
                )
                x += step_x
            y += step_y
            row += 1
        parts.append(
            f'<g class="shopnet-watermark" fill="#464646" fill-opacity="0.24" '
            f'font-size="{size:.1f}" {font}>{"".join(texts)}</g>'
            f'<text class="shopnet-watermark-foot" x="{w - size / 3:.1f}" y="{h - size / 3:.1f}" '
            f'text-anchor="end" font-size="{size / 2:.1f}" fill="#323232" fill-opacity="0.6" '
            f"{font}>{label}</text>"
        )
    if superseded:
        size = max(w, h) / 28
        border = max(w, h) / 150
        parts.append(
            f'<g class="shopnet-superseded" {font}>'
            f'<rect x="{border / 2:.1f}" y="{border / 2:.1f}" width="{w - border:.1f}" '
            f'height="{h - border:.1f}" fill="none" stroke="#c81e1e" '
            f'stroke-width="{border:.1f}"/>'
            f'<rect x="{border:.1f}" y="{border:.1f}" width="{size * 10:.1f}" '
            f'height="{size * 1.6:.1f}" fill="#c81e1e"/>'
            f'<text x="{border + size / 2:.1f}" y="{border + size * 1.15:.1f}" '
            f'font-size="{size:.1f}" fill="#ffffff">{escape(SUPERSEDED_MARK)}</text></g>'
        )
    if not parts:
        return text
    overlay = (
        f'<svg x="{x0}" y="{y0}" width="{width}" height="{height}" '
        f'viewBox="0 0 {w:.0f} {h:.1f}" preserveAspectRatio="none">{"".join(parts)}</svg>'
    )
    cut = text.rindex("</svg>")
    return text[:cut] + overlay + text[cut:]


def marked_preview(
    revision: DrawingRevision, which: str | int, *, watermark: str | None
) -> tuple[bytes, str] | None:
    """(bytes, content type) of a stored preview, marked for the viewer; None if there is no
    such preview. `which` is "thumbnail" or a page number from 1."""
    previews = revision.previews
    if which == "thumbnail":
        name = previews.get("thumbnail")
    else:
        pages = previews.get("pages", [])
        name = pages[which - 1] if 1 <= which <= len(pages) else None
    if not name:
        return None
    media = previews["media"]
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    superseded = not revision.is_current
    if media == "image/svg+xml":
        text = mark_svg(data.decode("utf-8"), watermark=watermark, superseded=superseded)
        return text.encode("utf-8"), media
    if watermark or superseded:
        data = mark_raster(data, media, watermark=watermark, superseded=superseded)
    return data, media
