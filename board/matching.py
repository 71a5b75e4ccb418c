"""Finding the right peer for a step: who can do it (fit), and how the candidates compare.

Reads only. The open board's invitations, the offer comparison and the route suggestions all
decide "who can do this" with `capable_workshops`, so a shop the board would not invite is never
suggested either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from workshops.models import Capability, Certification, District, Material, Process, Workshop
from workshops.selectors import Point, distance_km

# How the route suggestion weighs what it knows (they add up to 1). Fit first: a shop that
# lists the material and the lot size is the safest choice; then the trip between shops, which
# in a district is the hidden cost of 仲間まわし; then the shop's record; then how busy it is.
WEIGHTS = {"fit": 0.35, "distance": 0.30, "rating": 0.20, "load": 0.15}
# Kilometres at which the distance score halves: a short bicycle ride inside a district.
DISTANCE_HALF_KM = 3.0
LOAD_WEEKS = 4
NEUTRAL_RATING = Decimal("3")


def capable_workshops(
    *,
    processes: Iterable[Process],
    districts: Iterable[District] = (),
    material: Material | None = None,
    size_mm: list | None = None,
    tolerance_um: Decimal | None = None,
    lot: int | None = None,
    certifications: Iterable[Certification] = (),
    exclude: Iterable[Workshop] = (),
) -> QuerySet[Workshop]:
    """Active workshops that can do every one of `processes` under every given requirement
    (`Workshop.objects.capable_of`, the rule the route form and `order_request` use too), in
    at least one of `districts` (all districts if none)."""
    qs = Workshop.objects.capable_of(
        {p.pk for p in processes},
        material=material,
        size=[Decimal(str(d)) for d in size_mm] if size_mm else None,
        tolerance_um=tolerance_um,
        lot=lot,
        certifications=list(certifications),
    )
    district_list = list(districts)
    if district_list:
        qs = qs.filter(districts__in=district_list)
    exclude_ids = [w.pk for w in exclude]
    if exclude_ids:
        qs = qs.exclude(pk__in=exclude_ids)
    return qs.distinct()


# --- Route suggestions -----------------------------------------------------------------------


@dataclass
class Suggestion:
    workshop: Workshop
    score: float
    parts: dict[str, float]
    distance_km: float | None
    rating: Decimal | None
    rating_count: int
    load_percent: int | None
    lot_ok: bool
    lead_time_days: int | None
    reasons: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        return "・".join(self.reasons)


def _distance_score(km: float | None) -> float:
    if km is None:
        return 0.5  # no location on file: neither rewarded nor punished
    return DISTANCE_HALF_KM / (DISTANCE_HALF_KM + km)


def _rating_score(average: Decimal | None) -> float:
    value = average if average is not None else NEUTRAL_RATING
    return float((value - 1) / 4)


def _load_score(ratio: float | None) -> float:
    if ratio is None:
        return 0.5  # no capacity declared: unknown
    return max(0.0, 1.0 - min(ratio, 1.5) / 1.5)


def rank_candidates(
    *,
    process: Process,
    material: Material | None,
    quantity: int,
    neighbours: list[Workshop],
    candidates: list[Workshop],
    capabilities: dict[int, Capability],
    load: dict,
    due_date: dt.date | None = None,
    today: dt.date | None = None,
) -> list[Suggestion]:
    """Score and explain each candidate for one step. Pure: everything is handed in, so the
    page's query count does not depend on the number of candidates.

    Every candidate already does the process with the material (the same test as the board's
    invitations), so fit weighs what remains: the lot size within the shop's usual range, and
    its typical lead time against the days left until the job is due.
    """
    today = today or timezone.localdate()
    days_left = (due_date - today).days if due_date else None
    points = [p for p in (Point.of(n) for n in neighbours) if p is not None]
    ranked = []
    for shop in candidates:
        capability = capabilities[shop.pk]
        lot_ok = (capability.lot_min is None or capability.lot_min <= quantity) and (
            capability.lot_max is None or quantity <= capability.lot_max
        )
        lead = capability.lead_time_days
        if lead is None or days_left is None:
            in_time, lead_part = None, 0.25
        else:
            in_time = lead <= days_left
            lead_part = 0.5 if in_time else 0.0
        fit = (0.5 if lot_ok else 0.0) + lead_part
        here = Point.of(shop)
        km = sum(distance_km(p, here) for p in points) if here and points else None
        rated = shop.rating_average if shop.rating_count >= 3 else None
        raw = load.get(shop.pk)
        ratio = None if raw is None else float(raw)
        parts = {
            "fit": fit,
            "distance": _distance_score(km),
            "rating": _rating_score(rated),
            "load": _load_score(ratio),
        }
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        reasons = [
            _("does %(process)s in %(material)s")
            % {"process": process.name, "material": material.name}
            if material is not None
            else _("does %(process)s") % {"process": process.name}
        ]
        if not lot_ok:
            reasons.append(_("lot size outside its usual range"))
        if in_time is True:
            reasons.append(_("usual lead time %(days)d days") % {"days": lead})
        elif in_time is False:
            reasons.append(_("usual lead time %(days)d days: tight") % {"days": lead})
        if km is not None:
            reasons.append(_("%(km).1f km to the shops before and after") % {"km": km})
        if rated is not None:
            reasons.append(
                _("rated %(avg).1f (%(count)d)") % {"avg": rated, "count": shop.rating_count}
            )
        else:
            reasons.append(_("not enough ratings yet"))
        if ratio is not None:
            reasons.append(_("load %(pct)d%% over 4 weeks") % {"pct": round(ratio * 100)})
        ranked.append(
            Suggestion(
                workshop=shop,
                score=round(score, 4),
                parts=parts,
                distance_km=km,
                rating=rated,
                rating_count=shop.rating_count,
                load_percent=None if ratio is None else round(ratio * 100),
                lot_ok=lot_ok,
                lead_time_days=lead,
                reasons=reasons,
            )
        )
    # Best score first; ties go to the nearer shop, then the name, so the order is stable.
    ranked.sort(
        key=lambda s: (
            -s.score,
            s.distance_km if s.distance_km is not None else float("inf"),
            s.workshop.name,
        )
    )
    return ranked
