"""Webhook endpoints, their deliveries and their change log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import LogEntry


class WebhookEndpoint(models.Model):
    """An HTTPS address a workshop registered to be sent the events of the kinds it chose.
    `secret` signs every delivery (HMAC-SHA256); it must be kept in clear to sign, and is shown
    to the shop once. `failures` counts consecutive failed attempts: at
    WEBHOOKS_DISABLE_AFTER the endpoint is turned off and the shop's managers are told."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(
        "workshops.Workshop", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(_("URL"), max_length=500)  # checked by `addresses.check`
    kinds = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return kind in self.kinds


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint. `uuid` is the delivery id the receiver sees
    (`Shopnet-Delivery`): the same on every retry, so the receiver can process it once. The
    body is fixed when the delivery is planned, so every attempt sends the same bytes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey("orders.ProgressEvent", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # While PENDING: not before this time (a retry's backoff, or a running attempt's lease).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)  # a code (see `delivery.ERRORS`)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_event")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id} ({self.status})"


WEBHOOK_ACTION_LABELS = {
    "endpoint.created": _("Webhook added"),
    "endpoint.deleted": _("Webhook removed"),
    "endpoint.disabled": _("Webhook turned off after repeated failures"),
    "endpoint.enabled": _("Webhook turned back on"),
}


class WebhookLog(LogEntry):
    """Who changed a workshop's webhooks, and when (the worker, actor NULL, turns one off)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="log")

    class Meta(LogEntry.Meta):
        pass

    @property
    def action_label(self) -> str:
        return str(WEBHOOK_ACTION_LABELS.get(self.action, self.action))
