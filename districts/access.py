"""Who may see which dashboard. Anything else is a 404, so existence does not leak."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from workshops.models import District, Membership, User, Workshop


def get_district_for_staff(user: User, slug: str) -> District:
    """The district, if `user` is on its association's staff."""
    if not user.is_authenticated:
        raise Http404("No such district.")
    district = District.objects.filter(slug=slug, staff__user=user).first()
    if district is None:
        raise Http404("No such district.")
    return district


def get_workshop_for_member(user: User, workshop_uuid: UUID | str) -> Workshop:
    """The workshop, if `user` is one of its people (any role: the figures carry no price)."""
    if not user.is_authenticated:
        raise Http404("No such workshop.")
    membership = (
        Membership.objects.filter(user=user, workshop__uuid=workshop_uuid, workshop__is_active=True)
        .select_related("workshop")
        .first()
    )
    if membership is None:
        raise Http404("No such workshop.")
    return membership.workshop


def district_of(workshop: Workshop, slug: str | None) -> District | None:
    """The workshop's district named by `slug` (404 if it is not one of its districts), or its
    first district."""
    districts = list(workshop.districts.order_by("slug"))
    if slug:
        for district in districts:
            if district.slug == slug:
                return district
        raise Http404("No such district.")
    return districts[0] if districts else None
