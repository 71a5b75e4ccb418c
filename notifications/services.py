"""Every write about notifications. Views, the API and the worker call these."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from orders import realtime
from workshops.models import User

from .models import Notification
from .selectors import unread_counts


@transaction.atomic
def notifications_mark_read(*, user: User, uuids: Iterable[str] | None = None) -> int:
    """Mark the person's own notifications read (these, or all when `uuids` is None); how many
    changed. Someone else's ids are ignored, as if they did not exist."""
    qs = Notification.objects.for_user(user).unread()
    if uuids is not None:
        qs = qs.filter(uuid__in=list(uuids))
    changed = qs.update(read_at=timezone.now())
    if changed:
        realtime.unread_changed(unread_counts([user.pk]))
    return changed
