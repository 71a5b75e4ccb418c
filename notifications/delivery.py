"""Mail and push: which deliveries a notification gets, and sending them, each exactly once.

A `Delivery` row is written in the same transaction as its notification; the task that sends
it is only the doorbell (enqueued after commit), and `send_due` (every minute) sends whatever
a lost or failed task left. Sending claims rows under a lease (SKIP LOCKED, so two workers
never take the same row), sends outside any transaction, and marks each row sent; a failure
waits with backoff and is tried again, up to NOTIFICATIONS_MAX_ATTEMPTS, then stays FAILED in
the admin with its last error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from worker.retry import backoff_seconds

from .kinds import KINDS, details_of, title_of
from .models import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    DigestSetting,
    EmailMode,
    Notification,
    Preference,
    PushSubscription,
)
from .push import send_push
from .selectors import language_of

logger = logging.getLogger(__name__)

JAPAN = ZoneInfo("Asia/Tokyo")
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


# --- what each notification gets --------------------------------------------------------------


def email_mode(preferences: dict[str, Preference], kind: str) -> str:
    pref = preferences.get(kind)
    return pref.email if pref is not None else KINDS[kind].email


def next_digest_at(hour: int, now: dt.datetime | None = None) -> dt.datetime:
    """The next `hour`:00 in Japan after `now`."""
    now = (now or timezone.now()).astimezone(JAPAN)
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


def plan_deliveries(notifications: list[Notification]) -> list[Delivery]:
    """Write the deliveries of new notifications (in their transaction) and, after commit,
    enqueue the sending of those due now. Four queries whatever the number of people."""
    users = {n.user_id for n in notifications}
    preferences: dict[int, dict[str, Preference]] = defaultdict(dict)
    for pref in Preference.objects.filter(user_id__in=users):
        preferences[pref.user_id][pref.kind] = pref
    digest = dict(
        DigestSetting.objects.filter(user_id__in=users).values_list("user_id", "digest_hour")
    )
    devices: dict[int, list[PushSubscription]] = defaultdict(list)
    for subscription in PushSubscription.objects.filter(user_id__in=users):
        devices[subscription.user_id].append(subscription)
    now = timezone.now()
    rows = []
    for n in notifications:
        mode = email_mode(preferences[n.user_id], n.kind)
        if mode == EmailMode.IMMEDIATE:
            rows.append(Delivery(notification=n, channel=DeliveryChannel.EMAIL, due_at=now))
        elif mode == EmailMode.DIGEST:
            at = next_digest_at(digest.get(n.user_id, settings.NOTIFICATIONS_DIGEST_HOUR), now)
            rows.append(Delivery(notification=n, channel=DeliveryChannel.DIGEST, due_at=at))
        pref = preferences[n.user_id].get(n.kind)
        if pref is None or pref.push:
            rows.extend(
                Delivery(notification=n, channel=DeliveryChannel.PUSH, subscription=s, due_at=now)
                for s in devices[n.user_id]
            )
    created = Delivery.objects.bulk_create(rows)
    due = [d.pk for d in created if d.channel != DeliveryChannel.DIGEST]
    if due:
        transaction.on_commit(lambda: _ring(due))
    return created


def _ring(delivery_ids: list[int]) -> None:
    from .tasks import send_deliveries  # here: tasks imports this module

    try:
        send_deliveries.enqueue(delivery_ids)
    except Exception:
        logger.warning("Could not enqueue deliveries %s", delivery_ids, exc_info=True)


# --- claiming and sending ---------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, due_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lt=now
    )


def claim(*, ids: Iterable[int] | None = None, channels=None, limit: int = 200) -> list[Delivery]:
    """Take due deliveries for this worker (a lease of NOTIFICATIONS_SEND_LEASE seconds); rows
    another worker holds are skipped, not waited for."""
    now = timezone.now()
    with transaction.atomic():
        qs = Delivery.objects.filter(_claimable(now))
        if ids is not None:
            qs = qs.filter(pk__in=list(ids))
        if channels is not None:
            qs = qs.filter(channel__in=channels)
        rows = list(qs.select_for_update(skip_locked=True).order_by("due_at", "pk")[:limit])
        if rows:
            Delivery.objects.filter(pk__in=[d.pk for d in rows]).update(
                status=DeliveryStatus.SENDING,
                lease_until=now + dt.timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE),
            )
    return list(
        Delivery.objects.filter(pk__in=[d.pk for d in rows]).select_related(
            "notification__user", "subscription"
        )
    )


def _sent(deliveries: list[Delivery]) -> None:
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
    )


def _skipped(deliveries: list[Delivery], why: str) -> None:
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=DeliveryStatus.SKIPPED, lease_until=None, last_error=why[:500]
    )


def _failed(deliveries: list[Delivery], error: BaseException | str) -> None:
    """Try again later with backoff, or give up after NOTIFICATIONS_MAX_ATTEMPTS."""
    message = str(error)[:500] or type(error).__name__
    now = timezone.now()
    for d in deliveries:
        attempts = d.attempts + 1
        if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            fields = {"status": DeliveryStatus.FAILED}
            logger.error("Delivery %s gave up after %d attempts: %s", d.pk, attempts, message)
        else:
            wait = backoff_seconds(attempts, settings.NOTIFICATIONS_RETRY_SECONDS)
            fields = {"status": DeliveryStatus.PENDING, "due_at": now + dt.timedelta(seconds=wait)}
        Delivery.objects.filter(pk=d.pk).update(
            attempts=attempts, lease_until=None, last_error=message, **fields
        )


def send(deliveries: list[Delivery]) -> int:
    """Send claimed deliveries: mail one by one, the digest per person, push per device."""

    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        by_channel[d.channel].append(d)
    done = 0
    for d in by_channel[DeliveryChannel.EMAIL]:
        done += _mail([d])
    digests: dict[int, list[Delivery]] = defaultdict(list)
    for d in by_channel[DeliveryChannel.DIGEST]:
        digests[d.notification.user_id].append(d)
    for batch in digests.values():
        done += _mail(batch)
    for d in by_channel[DeliveryChannel.PUSH]:
        done += send_push(d, sent=_sent, failed=_failed, skipped=_skipped)
    return done


def send_due_now(*, ids: Iterable[int] | None = None) -> int:
    """Claim and send what is due (these rows, or all); how many went out."""
    total = 0
    while True:
        batch = claim(ids=ids)
        if not batch:
            return total
        total += send(batch)
        if ids is not None:
            return total


# --- mail ---------------------------------------------------------------------------------


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": str(user.uuid), "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[str, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in KINDS or not data.get("u"):
        return None
    return str(data["u"]), str(data["k"])


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def message_for(deliveries: list[Delivery]) -> EmailMultiAlternatives:
    """One mail: a single notification, or a person's digest. Worded in their language."""
    user = deliveries[0].notification.user
    notifications = [d.notification for d in deliveries]
    with translation.override(language_of(user)):
        items = [
            {
                "title": title_of(n.kind, n.data),
                "details": details_of(n.data),
                "link": absolute(n.link),
            }
            for n in notifications
        ]
        digest = deliveries[0].channel == DeliveryChannel.DIGEST
        kind = notifications[0].kind
        # A digest's one-click link turns the digest off for the first kind in it; the
        # preferences page (linked too) changes the rest.
        token = unsubscribe_token(user, kind)
        unsubscribe = absolute(reverse("notifications_unsubscribe", args=[token]))
        context = {
            "user": user,
            "items": items,
            "digest": digest,
            "unsubscribe": unsubscribe,
            "kind_label": KINDS[kind].label,
            "preferences": absolute(reverse("notification_preferences")),
        }
        subject = (
            _("[shopnet] %(n)s things today") % {"n": len(items)}
            if digest
            else "[shopnet] " + items[0]["title"]
        )
        body = render_to_string("notifications/email/message.txt", context)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ")[:200],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: the mail client may unsubscribe with one POST, without a page.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    return message


def _mail(deliveries: list[Delivery]) -> int:
    user = deliveries[0].notification.user
    if not user.email:
        _skipped(deliveries, "no e-mail address")
        return 0
    if not user.is_active:
        _skipped(deliveries, "inactive user")
        return 0
    try:
        message = message_for(deliveries)
        connection = get_connection(timeout=settings.NOTIFICATIONS_SMTP_TIMEOUT)
        message.connection = connection
        message.send()
    except Exception as exc:
        logger.warning("Mail to user %s failed: %s", user.pk, exc)
        _failed(deliveries, exc)
        return 0
    _sent(deliveries)
    return len(deliveries)
