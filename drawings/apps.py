from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image


class DrawingsConfig(AppConfig):
    name = "drawings"
    verbose_name = _("Drawings")

    def ready(self) -> None:

        # Raised on purpose for large scans (docs/DRAWINGS.md); the drawings code checks each
        # page against the same ceiling from the header before decoding, and logos keep their
        # own, lower limit.
        Image.MAX_IMAGE_PIXELS = settings.DRAWINGS_MAX_PIXELS

        # In ready(): both modules import models, which cannot load while the app registry
        # (which imports this module) is still being built.
        from orders import revisions

        from . import selectors

        # The floor cards and the traveler print the revision each step works to; orders,
        # a layer below, reads it through orders.revisions.
        revisions.provide(selectors)
