from __future__ import annotations

import datetime as dt

from django.utils import timezone

from notifications.models import Notification


def notify(user, n: int = 1, *, kind: str = "request.received", read: bool = False, **data):
    """`n` notifications for `user`, newest last (test data, written directly)."""
    now = timezone.now()
    rows = [
        Notification.objects.create(
            user=user,
            kind=kind,
            key=f"test:{user.pk}:{kind}:{i}:{Notification.objects.count()}",
            link="/jobs/",
            data={"job": f"シャフト {i}", "buyer": "丸山製作所", **data},
            created_at=now - dt.timedelta(minutes=n - i),
            read_at=now if read else None,
        )
        for i in range(n)
    ]
    return rows
