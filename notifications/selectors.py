"""Reads of the inbox. A person only ever reaches their own notifications."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404

from workshops.models import User

from .models import DigestSetting, Notification


def inbox(user: User) -> QuerySet[Notification]:
    """The person's notifications, newest first, with the actor's name at hand."""
    return (
        Notification.objects.for_user(user).select_related("actor").order_by("-created_at", "-pk")
    )


def unread_count(user: User) -> int:
    return Notification.objects.for_user(user).unread().count()


def unread_counts(user_ids) -> dict[str, int]:
    """{user uuid: unread count} for these users, in one query (users with none get 0)."""
    counts = dict.fromkeys(
        (str(u) for u in User.objects.filter(pk__in=user_ids).values_list("uuid", flat=True)), 0
    )
    for user_uuid, n in (
        Notification.objects.filter(user_id__in=user_ids, read_at__isnull=True)
        .values("user__uuid")
        .annotate(n=Count("pk"))
        .values_list("user__uuid", "n")
    ):
        counts[str(user_uuid)] = n
    return counts


def get_notification_for(user: User, notification_uuid: UUID | str) -> Notification:
    """One of the person's own notifications, or 404 (someone else's does not exist)."""
    try:
        return Notification.objects.for_user(user).get(uuid=notification_uuid)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("No such notification.") from None


def language_of(user: User) -> str:
    """The language a person's mail and push are worded in: their choice, else the site's."""
    setting = DigestSetting.objects.filter(user=user).values_list("language", flat=True).first()
    return setting or settings.LANGUAGE_CODE
