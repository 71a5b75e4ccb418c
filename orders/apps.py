from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from workshops.calendar import on_calendar_changed

        from .schedule import reproject_workshop

        # A shop's new calendar moves the projections of the jobs it works on.
        on_calendar_changed(reproject_workshop)
