from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrawingsConfig(AppConfig):
    name = "drawings"
    verbose_name = _("Drawings")
