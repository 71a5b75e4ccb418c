"""Reads about workshops, and the access helpers every page, endpoint and socket goes through."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, Sqrt
from django.http import Http404
from django.utils.translation import gettext as _

from core.prepared import Prepared

from .models import (
    MANAGING_ROLES,
    ApiToken,
    Capability,
    District,
    Invitation,
    Machine,
    Membership,
    Role,
    User,
    Workshop,
)

EARTH_RADIUS_KM = 6371.0
# An unhurried cyclist in town, stops included: about 12 km/h, 5 minutes a kilometre.
CYCLING_MINUTES_PER_KM = 5.0


# --- Access helpers -------------------------------------------------------------------------


def workshops_visible_to(user: User) -> QuerySet[Workshop]:
    """Public profiles: any signed-in user sees every active workshop's profile."""
    if not user.is_authenticated:
        return Workshop.objects.none()
    return Workshop.objects.active()


def get_workshop_for(user: User, workshop_uuid: UUID | str, *, manage: bool = False) -> Workshop:
    """The workshop if `user` may see it (or, with manage=True, change it); else 404.

    Refusals are 404, never 403, so that existence does not leak.
    """
    qs = workshops_visible_to(user)
    if manage:
        qs = Workshop.objects.active().filter(
            pk__in=Membership.objects.managed_by(user).values("workshop_id")
        )
    try:
        return qs.get(uuid=workshop_uuid)
    except (Workshop.DoesNotExist, ValueError, TypeError):
        raise Http404("No such workshop.") from None


def managed_workshop_ids(user: User) -> set[int]:
    """The workshops `user` manages (owner or manager), by primary key."""
    return set(Membership.objects.managed_by(user).values_list("workshop_id", flat=True))


# No order: the default one (by the shop's name) would join the shops for nothing.
USER_ROLES = Prepared(
    lambda user_id: (
        Membership.objects.filter(user_id=user_id).order_by().values_list("workshop_id", "role")
    ),
    int,
    name="user roles",
)


def user_roles(user: User, rows: list[tuple] | None = None) -> tuple[set[int], set[int]]:
    """(shops the user manages, shops where the user is floor staff), in one query, or from
    `rows` the caller read with `USER_ROLES`."""
    if not user.is_authenticated:
        return set(), set()
    managed, floor = set(), set()
    for workshop_id, role in USER_ROLES(user.pk) if rows is None else rows:
        (managed if role in MANAGING_ROLES else floor).add(workshop_id)
    return managed, floor


def memberships_of(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("workshop")


def memberships_for_request(request) -> list[Membership]:
    """The signed-in user's memberships, looked up once per request (the navigation bar and
    the search's reference point both need them)."""
    if not hasattr(request, "_my_memberships"):
        request._my_memberships = list(
            memberships_of(getattr(request, "user", None) or AnonymousUser())
        )
    return request._my_memberships


def membership_for(user: User, workshop: Workshop) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, workshop=workshop).first()


def workshop_contacts(workshop: Workshop) -> list[Membership]:
    """Who to talk to at `workshop`: its owners and managers. The profile shows them to members
    of workshops only (not to association staff): a shop's people are for the shops that may
    work with it."""
    people = Membership.objects.filter(workshop=workshop, role__in=MANAGING_ROLES)
    # The owner first, then the managers in the order they joined.
    return sorted(people.select_related("user"), key=lambda m: (m.role != Role.OWNER, m.pk))


def districts_staffed_by(user: User) -> QuerySet[District]:
    if not user.is_authenticated:
        return District.objects.none()
    return District.objects.filter(staff__user=user)


def get_capability_for(user: User, workshop: Workshop, capability_uuid: UUID | str) -> Capability:
    """A capability of a workshop the caller already manages (checked by get_workshop_for)."""
    try:
        return Capability.objects.select_related("process").get(
            workshop=workshop, uuid=capability_uuid
        )
    except (Capability.DoesNotExist, ValueError, TypeError):
        raise Http404("No such capability.") from None


def get_machine_for(user: User, workshop: Workshop, machine_uuid: UUID | str) -> Machine:
    try:
        return Machine.objects.get(workshop=workshop, uuid=machine_uuid)
    except (Machine.DoesNotExist, ValueError, TypeError):
        raise Http404("No such machine.") from None


def get_membership_for(user: User, workshop: Workshop, membership_uuid: UUID | str) -> Membership:
    try:
        return Membership.objects.select_related("user", "workshop").get(
            workshop=workshop, uuid=membership_uuid
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404("No such member.") from None


def get_invitation_for(user: User, workshop: Workshop, invitation_uuid: UUID | str) -> Invitation:
    try:
        return Invitation.objects.get(workshop=workshop, uuid=invitation_uuid)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation.") from None


def get_api_token_for(user: User, workshop: Workshop, token_uuid: UUID | str) -> ApiToken:
    """One of `workshop`'s tokens (the caller has already checked `user` manages it); else 404."""
    try:
        return ApiToken.objects.get(workshop=workshop, uuid=token_uuid)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404("No such token.") from None


def api_tokens_of(workshop: Workshop):
    """The workshop's tokens for its token page: newest first, with who made or revoked them."""
    return ApiToken.objects.filter(workshop=workshop).select_related("created_by", "revoked_by")


# --- Profile -----------------------------------------------------------------------------------


def workshop_profile(workshop: Workshop) -> Workshop:
    """The workshop with what its profile page shows, prefetched."""
    return (
        Workshop.objects.filter(pk=workshop.pk)
        .prefetch_related("machines")
        .for_listing(with_machines=True)
        .get()
    )


def capabilities_of(workshop: Workshop) -> QuerySet[Capability]:
    """A workshop's capabilities with their materials and machines (for the edit page)."""
    return (
        Capability.objects.filter(workshop=workshop)
        .select_related("process")
        .prefetch_related("materials", "machines")
        .order_by("process__sort_order")
    )


# --- Search --------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """NFKC (full-width ＳＵＳ３０４ → SUS304, half-width ｶﾅ → カナ), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in text)


def workshops_matching_text(qs: QuerySet[Workshop], text: str) -> QuerySet[Workshop]:
    """Every whitespace-separated term must match somewhere: names (ja, kana, en), the
    description in either language, the address, a process name or code, a material code,
    or a machine maker or model."""
    for term in normalize_text(text).split():
        kana = hiragana_to_katakana(term)
        capability_hits = Capability.objects.filter(
            Q(process__name_ja__icontains=term)
            | Q(process__name_en__icontains=term)
            | Q(process__code__iexact=term)
            | Q(materials__code__icontains=term)
            | Q(materials__name_ja__icontains=term)
            | Q(materials__name_en__icontains=term)
        ).values("workshop_id")
        machine_hits = Machine.objects.filter(
            Q(maker__icontains=term) | Q(model_name__icontains=term)
        ).values("workshop_id")
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(name_kana__icontains=kana)
            | Q(name_en__icontains=term)
            | Q(description__icontains=term)
            | Q(description_en__icontains=term)
            | Q(address__icontains=term)
            | Q(pk__in=capability_hits)
            | Q(pk__in=machine_hits)
        )
    return qs


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float

    @classmethod
    def of(cls, workshop: Workshop | None) -> Point | None:
        if workshop is None or workshop.latitude is None or workshop.longitude is None:
            return None
        return cls(float(workshop.latitude), float(workshop.longitude))


def with_distance(qs: QuerySet[Workshop], point: Point) -> QuerySet[Workshop]:
    """Annotate `distance_km` from `point` (equirectangular: exact to metres within a city,
    and it needs only arithmetic and a square root, which every database has)."""
    lat0 = math.radians(point.latitude)
    k_lat = math.radians(1.0) * EARTH_RADIUS_KM
    k_lng = k_lat * math.cos(lat0)
    lat = Cast(F("latitude"), FloatField())
    lng = Cast(F("longitude"), FloatField())
    d_lat = (lat - point.latitude) * k_lat
    d_lng = (lng - point.longitude) * k_lng
    return qs.annotate(distance_km=Sqrt(d_lat * d_lat + d_lng * d_lng, output_field=FloatField()))


def distance_km(a: Point, b: Point) -> float:
    """Same formula as `with_distance`, in Python."""
    k_lat = math.radians(1.0) * EARTH_RADIUS_KM
    k_lng = k_lat * math.cos(math.radians(a.latitude))
    return math.hypot((b.latitude - a.latitude) * k_lat, (b.longitude - a.longitude) * k_lng)


def cycling_minutes(km: float | None) -> int | None:
    if km is None:
        return None
    return max(1, round(km * CYCLING_MINUTES_PER_KM))


def capabilities_matching(
    *,
    materials: Iterable = (),
    size: list[Decimal] | None = None,
    tolerance_um: Decimal | None = None,
    lot: int | None = None,
) -> QuerySet[Capability]:
    """Capabilities that meet every given requirement at once (one row, one process)."""
    return Capability.objects.meeting(
        materials=materials, size=size, tolerance_um=tolerance_um, lot=lot
    )


def capability_shortfall(
    process_ids: Iterable[int],
    *,
    among: QuerySet[Workshop] | None = None,
    material=None,
    size: list[Decimal] | None = None,
    tolerance_um: Decimal | None = None,
    lot: int | None = None,
    certifications: Iterable = (),
) -> list[str]:
    """When `Workshop.objects.capable_of` finds no shop `among` those given: the conditions
    that rule every one out, named so that a shop owner can act on them (ask for another
    material, split the lot …).

    Each condition is tried on its own with the processes; those that leave no shop are named.
    When each alone leaves some shop, it is the combination, and that is said instead. One
    query per condition given."""
    process_ids = set(process_ids)
    shops = among if among is not None else Workshop.objects.all()

    def none_left(**requirement) -> bool:
        return not shops.capable_of(process_ids, **requirement).exists()

    if none_left():
        return [_("process: %(processes)s") % {"processes": _("the chosen steps' processes")}]
    reasons = []
    if material is not None and none_left(material=material):
        reasons.append(_("material: %(material)s") % {"material": material.name})
    if size and none_left(size=size):
        dims = "×".join(f"{Decimal(d).normalize():f}" for d in size)
        reasons.append(_("work size: %(size)s mm") % {"size": dims})
    if tolerance_um is not None and none_left(tolerance_um=tolerance_um):
        reasons.append(
            _("tolerance: %(tolerance)s µm")
            % {"tolerance": f"{Decimal(str(tolerance_um)).normalize():f}"}
        )
    if lot is not None and none_left(lot=lot):
        reasons.append(_("lot size: %(lot)s") % {"lot": f"{lot:,}"})
    for certification in certifications:
        if none_left(certifications=[certification]):
            reasons.append(
                _("certification: %(certification)s") % {"certification": certification.name}
            )
    if not reasons:
        reasons.append(_("these conditions together (each alone is met by some shop)"))
    return reasons
