from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrawingsConfig(AppConfig):
    name = "drawings"
    verbose_name = _("Drawings")

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Raised on purpose for large scans (docs/DRAWINGS.md); the drawings code checks each
        # page against the same ceiling from the header before decoding, and logos keep their
        # own, lower limit.
        Image.MAX_IMAGE_PIXELS = settings.DRAWINGS_MAX_PIXELS

        from orders import revisions

        from . import selectors

        # The floor cards and the traveler print the revision each step works to; orders,
        # a layer below, reads it through orders.revisions.
        revisions.provide(selectors)
