"""Every write about notifications. Views, the API and the worker call these."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core import realtime
from workshops.models import MANAGING_ROLES, User, Workshop

from . import subscriber
from .delivery import plan_deliveries
from .kinds import KINDS
from .models import DigestSetting, EmailMode, Notification, Preference, PushSubscription
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


@transaction.atomic
def preferences_save(
    *, user: User, kinds: dict[str, tuple[str, bool]], digest_hour: int, language: str
) -> None:
    """Keep the person's choice per kind (mail mode, push on or off), the digest's hour and
    the language of mail. Applies to what is told from now on."""
    for kind, (email, push) in kinds.items():
        if kind not in KINDS or email not in EmailMode.values:
            continue
        Preference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": email, "push": bool(push)}
        )
    DigestSetting.objects.update_or_create(
        user=user, defaults={"digest_hour": int(digest_hour) % 24, "language": language}
    )


@transaction.atomic
def unsubscribe(*, user: User, kind: str) -> None:
    """The one-click link in a mail: no more mail of this kind (push is left as it was)."""
    pref, created = Preference.objects.get_or_create(
        user=user, kind=kind, defaults={"email": EmailMode.OFF}
    )
    if not created and pref.email != EmailMode.OFF:
        pref.email = EmailMode.OFF
        pref.save(update_fields=["email"])


@transaction.atomic
def push_subscribe(*, user: User, endpoint: str, p256dh: str, auth: str, device: str = ""):
    """Register this browser for push. An endpoint names one browser on one device: if it was
    registered by someone else (another person signed in on the same tablet), it is now this
    person's, and the other stops being told on a device they left."""
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "device": device[:200]},
    )
    return subscription


@transaction.atomic
def push_unsubscribe(*, subscription) -> None:
    subscription.delete()


@transaction.atomic
def notify_managers(
    *, workshop: Workshop, kind: str, key: str, link: str, data: dict
) -> list[Notification]:
    """Tell a workshop's active owners and managers of something about the shop itself, not a
    job (a webhook turned off): once per `key` and person, by their mail and push choices."""
    users = User.objects.filter(
        is_active=True, memberships__workshop=workshop, memberships__role__in=MANAGING_ROLES
    ).distinct()
    created = subscriber.store(
        [
            Notification(user=user, kind=kind, key=key, workshop=workshop, link=link, data=data)
            for user in users
        ]
    )
    if created:
        plan_deliveries(created)
        realtime.unread_changed(unread_counts({n.user_id for n in created}))
    return created
