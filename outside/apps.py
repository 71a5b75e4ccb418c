from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutsideConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outside"
    verbose_name = _("Shops outside shopnet")
