"""Draw the tablet app's icons (static/shopnet/icons/): the PNGs the web app manifest names, the
home-screen icon iOS asks for and /favicon.ico, from the same shape as icon.svg (a hex nut on
the brand blue). Run after changing the shape; the files are committed."""

from __future__ import annotations

import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

BRAND = (11, 92, 173)  # --brand in app.css
WHITE = (255, 255, 255)


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    """The icon at `size` px. A maskable icon fills its square and keeps the nut inside the
    central 80 % that every launcher's mask leaves visible."""
    scale = 4  # drawn large and scaled down: smooth edges without an anti-aliasing pass
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=BRAND)
        radius = big * 0.30
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=BRAND)
        radius = big * 0.36
    centre = big / 2
    hexagon = [
        (
            centre + radius * math.cos(math.radians(60 * i + 30)),
            centre + radius * math.sin(math.radians(60 * i + 30)),
        )
        for i in range(6)
    ]
    pen.polygon(hexagon, fill=WHITE)
    hole = radius * 0.45
    pen.ellipse((centre - hole, centre - hole, centre + hole, centre + hole), fill=BRAND)
    return image.resize((size, size), Image.Resampling.LANCZOS)


class Command(BaseCommand):
    help = "Draw the app icons and favicon.ico into static/shopnet/icons/."

    def handle(self, *args, **options) -> None:
        folder = Path(settings.BASE_DIR) / "static" / "shopnet" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for size in (192, 512):
            draw(size).save(folder / f"icon-{size}.png", optimize=True)
        # iOS rounds the corners itself and fills transparency with black: a full square.
        draw(180, maskable=True).save(folder / "icon-180.png", optimize=True)
        draw(512, maskable=True).save(folder / "icon-maskable-512.png", optimize=True)
        draw(64).save(folder / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)])
        self.stdout.write(f"Icons written to {folder}")
