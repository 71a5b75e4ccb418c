"""What the worker keeps of its own: which run of each periodic task was enqueued."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One run of one schedule entry, for one time slot. The unique constraint is what lets any
    number of workers keep the schedule: each one tries to insert the slot's row, and only the
    one that succeeds enqueues the task."""

    name = models.CharField(_("schedule entry"), max_length=60)
    slot = models.DateTimeField(_("slot"))
    task_id = models.CharField(_("task result"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-slot", "name"]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="unique_scheduled_run")
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"
