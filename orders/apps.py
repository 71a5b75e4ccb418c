from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        user_logged_out.connect(_close_sockets_of_session, dispatch_uid="orders.session_ended")


def _close_sockets_of_session(sender, request, user, **kwargs) -> None:
    """Signing out closes the sockets that session opened (the signal comes before the flush)."""
    from . import realtime

    session = getattr(request, "session", None)
    realtime.session_ended(getattr(session, "session_key", None))
