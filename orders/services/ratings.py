"""Ratings (評価): the buyer rates a delivered order once; the supplier may reply once.

A workshop's figures cover its last 12 months and are shown only from 3 ratings on, so that a
single rating does not define a small shop; `Workshop.rating_average` (used to sort searches)
follows the same rule.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import Refused
from workshops.access import require_member
from workshops.models import User, Workshop

from ..events import append_event, locked_job
from ..models import Order, OrderStatus, Rating
from ..selectors import rating_summary

MAX_TEXT = 1000


def _score(name: str, value: Any) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if str(value).strip() != str(score) or not 1 <= score <= 5:
        raise Refused({name: _("Choose a score from 1 to 5.")}, code="score")
    return score


@transaction.atomic
def rating_create(
    *,
    order: Order,
    actor: User | None,
    quality: Any,
    delivery: Any,
    cost: Any,
    comment: str = "",
) -> Rating:
    job = locked_job(order.job_id)
    order = Order.objects.select_for_update().select_related("buyer", "supplier").get(pk=order.pk)
    require_member(actor, order.buyer, manage=True)
    if order.status != OrderStatus.DELIVERED:
        raise Refused(
            _("An order can be rated once its parts have been delivered and received."),
            code="not_delivered",
        )
    if Rating.objects.filter(order=order).exists():
        raise Refused(_("This order has already been rated."), code="already_rated")
    scores = {
        "quality": _score("quality", quality),
        "delivery": _score("delivery", delivery),
        "cost": _score("cost", cost),
    }
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise Refused({"comment": _("At most 1,000 characters.")}, code="too_long")
    rating = Rating.objects.create(
        order=order,
        buyer=order.buyer,
        supplier=order.supplier,
        comment=comment,
        rated_by=actor,
        **scores,
    )
    append_event(job, "order.rated", actor=actor, workshop=order.buyer, order=order)
    workshop_rating_refresh(order.supplier)
    return rating


@transaction.atomic
def rating_reply(*, rating: Rating, actor: User | None, reply: str) -> Rating:
    rating = Rating.objects.select_related("order", "supplier").get(pk=rating.pk)
    job = locked_job(rating.order.job_id)
    rating = (
        Rating.objects.select_for_update().select_related("order", "supplier").get(pk=rating.pk)
    )
    require_member(actor, rating.supplier, manage=True)
    if rating.replied_at is not None:
        raise Refused(_("A rating can be answered once."), code="already_replied")
    reply = (reply or "").strip()
    if not reply:
        raise Refused({"reply": _("Write a reply.")}, code="empty")
    if len(reply) > MAX_TEXT:
        raise Refused({"reply": _("At most 1,000 characters.")}, code="too_long")
    rating.reply, rating.replied_by, rating.replied_at = reply, actor, timezone.now()
    rating.save(update_fields=["reply", "replied_by", "replied_at"])
    append_event(
        job, "order.rating_replied", actor=actor, workshop=rating.supplier, order=rating.order
    )
    return rating


def workshop_rating_refresh(workshop: Workshop) -> None:
    """Keep the workshop's overall figure (what search sorts by) in step with its ratings."""
    summary = rating_summary(workshop)
    Workshop.objects.filter(pk=workshop.pk).update(
        rating_average=summary["overall"], rating_count=summary["count"]
    )
