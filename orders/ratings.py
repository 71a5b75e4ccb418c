"""Reads about ratings (評価): who may see a workshop's ratings, and what they see.

A workshop's ratings are public to the signed-in members of its district: the members (any
role) of workshops that share a district with it, and that district's association staff; and,
of course, to the workshop's own members. Comments are included and the buyer is named: a
rating is a neighbour's word about a neighbour, not an anonymous review. Everyone else sees the
profile without them (and a 404 where a page or endpoint is only ratings).

The writes are `orders.services.ratings.rating_create` and `rating_reply`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Exists, Q, QuerySet
from django.http import Http404

from workshops.models import DistrictStaff, Membership, User, Workshop
from workshops.selectors import get_workshop_for

from .models import Order, Rating
from .selectors import delivery_record, rating_summary

LATEST_SHOWN = 20  # on the profile; the rest on the workshop's ratings page
PAGE_SIZE = 50


def can_see_ratings(user: User, workshop: Workshop) -> bool:
    """May `user` read `workshop`'s ratings? One query."""
    if not user.is_authenticated:
        return False
    member_nearby = Membership.objects.filter(user=user).filter(
        Q(workshop=workshop) | Q(workshop__districts__workshops=workshop)
    )
    district_staff = DistrictStaff.objects.filter(user=user, district__workshops=workshop)
    return (
        Workshop.objects.filter(pk=workshop.pk)
        .filter(Exists(member_nearby) | Exists(district_staff))
        .exists()
    )


def get_rated_workshop_for(user: User, workshop_uuid: UUID | str) -> Workshop:
    """The workshop, if `user` may see its ratings; else 404."""
    workshop = get_workshop_for(user, workshop_uuid)
    if not can_see_ratings(user, workshop):
        raise Http404("No such workshop.")
    return workshop


def ratings_of(workshop: Workshop) -> QuerySet[Rating]:
    """A workshop's ratings, newest first, with what a list shows of each."""
    return (
        Rating.objects.filter(supplier=workshop)
        .select_related("buyer", "rated_by", "replied_by")
        .order_by("-created_at", "-pk")
    )


def workshop_record(workshop: Workshop) -> dict[str, Any]:
    """The figures a profile shows: ratings summary (12 months, from 3 ratings) and on-time
    delivery (12 months, from 3 deliveries). Two queries."""
    return {"summary": rating_summary(workshop), "delivery": delivery_record(workshop)}


def ratings_section(user: User, workshop: Workshop) -> dict[str, Any] | None:
    """What the profile's ratings section shows to `user`, or None when it is not theirs to
    see. Four queries (may they see, summary, delivery record, the latest ratings) whatever the
    number of ratings."""
    if not can_see_ratings(user, workshop):
        return None
    latest = list(ratings_of(workshop)[: LATEST_SHOWN + 1])
    return {
        **workshop_record(workshop),
        "latest": latest[:LATEST_SHOWN],
        "more": len(latest) > LATEST_SHOWN,
    }


def order_rating(order: Order) -> Rating | None:
    """The rating of an order, if it has one. One query."""
    return (
        Rating.objects.filter(order=order).select_related("buyer", "rated_by", "replied_by").first()
    )
