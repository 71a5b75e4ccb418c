"""Web Push (RFC 8030) to the browsers that allowed it: the payload encrypted for the device
(RFC 8291, aes128gcm) and signed for the push service with the site's VAPID key (RFC 8292),
by pywebpush. A push service that answers 404 or 410 says the browser is gone: the
subscription is dropped. Anything else that fails is tried again later."""

from __future__ import annotations

import json
import logging

import requests
from django.conf import settings
from django.utils import timezone, translation
from pywebpush import WebPushException, webpush

from .kinds import details_of, title_of
from .models import Delivery, PushSubscription
from .selectors import language_of

logger = logging.getLogger(__name__)

GONE = (404, 410)


def push_configured() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


def payload(delivery: Delivery) -> str:
    """What the service worker shows: title, body, where a tap goes. JSON primitives only."""
    n = delivery.notification
    with translation.override(language_of(n.user)):
        return json.dumps(
            {
                "title": title_of(n.kind, n.data),
                "body": " ".join(details_of(n.data)),
                "link": n.link,
                "tag": n.key,
                "id": str(n.uuid),
            },
            ensure_ascii=False,
        )


def send_push(delivery: Delivery, *, sent, failed, skipped) -> int:
    subscription = delivery.subscription
    if subscription is None:
        skipped([delivery], "the device unsubscribed")
        return 0
    if not push_configured():
        skipped([delivery], "Web Push is not configured (VAPID keys)")
        return 0
    session = requests.Session()
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=payload(delivery),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=settings.NOTIFICATIONS_PUSH_TTL,
            timeout=settings.NOTIFICATIONS_PUSH_TIMEOUT,
            requests_session=session,
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in GONE:
            logger.info("Push subscription %s is gone (%s): dropped", subscription.pk, status)
            skipped([delivery], f"push service answered {status}: subscription dropped")
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            return 0
        failed([delivery], f"push service answered {status}")
        return 0
    except (requests.RequestException, ValueError) as exc:
        failed([delivery], exc)
        return 0
    finally:
        session.close()
    sent([delivery])
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
    return 1
