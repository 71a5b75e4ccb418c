from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # In ready(): django.contrib.auth's signals module imports its models, which cannot
        # load before the app registry this module is part of.
        from django.contrib.auth.signals import user_logged_out

        user_logged_out.connect(_close_sockets_of_session, dispatch_uid="core.session_ended")


def _close_sockets_of_session(sender, request, user, **kwargs) -> None:
    """Signing out closes the sockets that session opened (the signal comes before the flush)."""
    from . import realtime  # apps load before the channel layer may be imported

    session = getattr(request, "session", None)
    realtime.session_ended(getattr(session, "session_key", None))
