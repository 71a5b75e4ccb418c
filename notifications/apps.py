from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """通知: the inbox, mail and push. Reads the job event log (orders) and decides who is
    told; sits beside board and districts, above orders, workshops and drawings."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # In ready(): both modules import models, which cannot load while the app registry
        # (which imports this module) is still being built.
        from orders import events
        from orders.services import statements as orders_statements

        from . import statements, subscriber

        events.subscribe(subscriber.on_event)
        orders_statements.listen(statements.on_statement_log)
