"""The inbox, what each person wants by mail, their push devices, and what is to be sent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import KIND_CHOICES


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One thing a person should act on or know (通知), from one event of the job log (or,
    for a posting about to close, from the schedule). `key` names the thing told, so nobody
    is told twice of it: unique per user."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=KIND_CHOICES)
    key = models.CharField(max_length=80)
    # The workshop the person is told as (a person may work for several).
    workshop = models.ForeignKey(
        "workshops.Workshop", on_delete=models.CASCADE, null=True, related_name="+"
    )
    job = models.ForeignKey("orders.Job", on_delete=models.CASCADE, null=True, related_name="+")
    event = models.ForeignKey(
        "orders.ProgressEvent", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Where the person acts (a path on this site), and the words of the message as JSON
    # primitives: codes and names, never translated text (it is worded when shown).
    link = models.CharField(max_length=300)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_notification_per_user")
        ]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["user", "-created_at", "-id"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    DIGEST = "digest", _("In the daily digest")
    OFF = "off", _("Not by mail")


class Preference(models.Model):
    """How one person wants one kind of notification by mail and on their devices. A kind
    with no row takes its default (notifications/kinds.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    email = models.CharField(max_length=10, choices=EmailMode.choices)
    push = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email}"


class DigestSetting(models.Model):
    """When a person's daily digest goes out (Japan time), and in which language mail is
    written to them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    digest_hour = models.PositiveSmallIntegerField(_("digest time"), default=8)
    language = models.CharField(_("language of mail"), max_length=8, default="ja")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.digest_hour}:00"


class PushSubscription(models.Model):
    """One browser on one device that allowed notifications (Web Push). Dropped when the push
    service answers 404 or 410 (the browser unsubscribed or was reset)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    device = models.CharField(_("device"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.device or self.endpoint[:40]}"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("Mail")
    DIGEST = "digest", _("Daily digest")
    PUSH = "push", _("Push")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class Delivery(models.Model):
    """One notification to be sent one way (mail now, in the digest, or to one device). The
    row is the truth and the task only its doorbell: a worker claims the row (a lease), sends,
    marks it sent; a failure waits `next_attempt_at` (backoff) and any worker tries again, a
    claim whose worker died expires with its lease. So nothing is lost and nothing sent twice
    except when a worker dies between the server's acceptance and the mark (at most once per
    death)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices)
    # Kept (as None) when the device goes, so what happened to the delivery stays visible.
    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=Q(channel__in=["email", "digest"]),
                name="unique_delivery_by_mail",
            ),
            models.UniqueConstraint(
                fields=["notification", "subscription"],
                condition=Q(subscription__isnull=False),
                name="unique_delivery_per_device",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel}: {self.status}"


class FannedOut(models.Model):
    """An event of the job log the subscriber has read: the repair sweep reads the rest."""

    event = models.OneToOneField("orders.ProgressEvent", on_delete=models.CASCADE, primary_key=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"event {self.event_id}"
