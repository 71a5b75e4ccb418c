"""What an association keeps about its own dashboard: its policy targets and their change log.
The tables were created by the orders app and keep their names."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import LogEntry


class TargetMetric(models.TextChoices):
    PARTICIPATING = "participating", _("Participating workshops")
    MATCHES = "matches", _("Matches on the open board")
    JOINT_ORDERS = "joint_orders", _("Joint orders (共同受注)")
    JOBS_COMPLETED = "jobs_completed", _("Jobs completed")


class DistrictTarget(models.Model):
    """A policy target an association sets itself, e.g. 100 matches a year."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(
        "workshops.District", on_delete=models.CASCADE, related_name="targets"
    )
    metric = models.CharField(_("measure"), max_length=20, choices=TargetMetric.choices)
    value = models.PositiveIntegerField(_("target"), validators=[MinValueValidator(1)])
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("by"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_districttarget"  # created by orders; moved without moving its rows
        ordering = ["ends_on", "pk"]
        verbose_name = _("district target")
        verbose_name_plural = _("district targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="target_period_forward"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.value} by {self.ends_on}"


class DistrictEvent(LogEntry):
    """Who changed what about a district's dashboard (its targets), and when. `data`: what the
    target was (measure, value, period, note, uuid)."""

    class Action(models.TextChoices):
        TARGET_CREATED = "target.created", _("Target added")
        TARGET_DELETED = "target.deleted", _("Target removed")

    district = models.ForeignKey(
        "workshops.District", on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=40, choices=Action.choices)

    class Meta(LogEntry.Meta):
        db_table = "orders_districtevent"
        verbose_name = _("district change log entry")
        verbose_name_plural = _("district change log")
