from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """外部連携: the systems that talk to shopnet. Webhooks: a workshop's HTTPS endpoints, sent
    the events of the job log that shop may see, signed, retried by the worker. Reads the log
    (orders) and tells owners through notifications; sits on the top layer beside them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        # In ready(): both modules import models, which cannot load while the app registry is
        # still being built.
        from django.db.models.signals import post_delete, post_save

        from orders import events

        from . import subscriber
        from .models import WebhookEndpoint

        events.subscribe(subscriber.on_event)
        # Whether any endpoint is active is cached per process: a change here reads it afresh.
        for signal in (post_save, post_delete):
            signal.connect(
                subscriber.endpoints_changed_signal,
                sender=WebhookEndpoint,
                dispatch_uid=f"webhook-endpoints-{signal}",
            )
