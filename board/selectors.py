"""Reads for the open board: who may see a posting, the board of one workshop, the offer
comparison, and the route suggestions for a job's unrouted steps.

A posting is visible to its buyer's owners and managers and to the owners and managers of the
workshops it invited; an offer to its maker and the buyer. Everyone else gets a 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from orders.load import load_ratio
from orders.models import Job, Step, StepLink
from workshops.models import Capability, User, Workshop
from workshops.selectors import Point, distance_km, managed_workshop_ids

from .matching import Suggestion, capable_workshops, rank_candidates
from .models import Offer, OfferStatus, Posting, PostingInvite, PostingStatus

SUGGESTIONS_PER_STEP = 5
# How long decided postings stay on an invited shop's board, so it learns how they ended.
DECIDED_SHOWN_DAYS = 30


def postings_visible_to(user: User) -> QuerySet[Posting]:
    managed = managed_workshop_ids(user)
    if not managed:
        return Posting.objects.none()
    return Posting.objects.filter(
        Q(buyer_id__in=managed)
        | Exists(PostingInvite.objects.filter(posting=OuterRef("pk"), workshop_id__in=managed))
    )


@dataclass
class PostingAccess:
    posting: Posting
    # The hub's view (every offer) or an invited shop's (its own offer only).
    is_buyer: bool
    # For an invited shop: which of the user's workshops answers (a user may manage several).
    workshop: Workshop | None
    offer: Offer | None


def get_posting_for(
    user: User, posting_uuid: UUID | str, *, workshop: str | None = None
) -> PostingAccess:
    managed = managed_workshop_ids(user)
    try:
        posting = (
            Posting.objects.select_related("job", "buyer", "process", "material")
            .prefetch_related("districts", "certifications")
            .get(uuid=posting_uuid)
        )
    except (Posting.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such posting.") from None
    if posting.buyer_id in managed:
        return PostingAccess(posting, True, None, None)
    invited = list(
        Workshop.objects.filter(invites__posting=posting, pk__in=managed).order_by("name")
    )
    if not invited:
        raise Http404("No such posting.")
    chosen = next((w for w in invited if str(w.uuid) == str(workshop)), invited[0])
    offer = Offer.objects.filter(posting=posting, workshop=chosen).first()
    return PostingAccess(posting, False, chosen, offer)


def get_offer_for(user: User, offer_uuid: UUID | str) -> Offer:
    """An offer, for its maker's owners and managers (the hub reaches offers via the posting)."""
    managed = managed_workshop_ids(user)
    try:
        return Offer.objects.select_related("posting__job", "posting__buyer", "workshop").get(
            uuid=offer_uuid, workshop_id__in=managed
        )
    except (Offer.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such offer.") from None


def invited_postings(workshop: Workshop, *, now: dt.datetime | None = None) -> QuerySet[Posting]:
    """What `workshop` was invited to: every open posting, and decided ones it offered on from
    the last 30 days, each with the shop's own offer (`my_offers`)."""
    now = now or timezone.now()
    recent = now - dt.timedelta(days=DECIDED_SHOWN_DAYS)
    return (
        Posting.objects.filter(invites__workshop=workshop)
        .filter(
            Q(status=PostingStatus.OPEN, answer_by__gt=now)
            | Q(offers__workshop=workshop, decided_at__gte=recent)
        )
        .select_related("job", "buyer", "process", "material")
        .prefetch_related(
            Prefetch(
                "offers", queryset=Offer.objects.filter(workshop=workshop), to_attr="my_offers"
            )
        )
        .distinct()
        .order_by("answer_by", "pk")
    )


def own_postings(workshop: Workshop) -> QuerySet[Posting]:
    """What `workshop` posted, with how many shops were invited and how many offered.

    An offer counts once it was made and until its maker withdraws it: the award turns the
    offers into awarded / went elsewhere, and a decided posting still received them."""
    return (
        Posting.objects.filter(buyer=workshop)
        .select_related("job", "process", "material", "order__supplier")
        .annotate(
            invited_count=Count("invites", distinct=True),
            offer_count=Count(
                "offers", filter=~Q(offers__status=OfferStatus.WITHDRAWN), distinct=True
            ),
        )
        .order_by("-posted_at", "-pk")
    )


# --- Neighbours in the chain, for distances ---------------------------------------------------


def chain_neighbours(job: Job, steps: list[Step]) -> dict[int, list[Workshop]]:
    """For each step, the shops the parts come from and go to: the performers of its
    predecessors and successors, or the hub at either end of the chain. Two queries."""
    ids = [s.pk for s in steps]
    links = list(
        StepLink.objects.filter(Q(predecessor__in=ids) | Q(successor__in=ids)).values_list(
            "predecessor_id", "successor_id"
        )
    )
    around = {pk for link in links for pk in link}
    performers = {
        s.pk: s.workshop
        for s in Step.objects.filter(pk__in=around | set(ids)).select_related("workshop")
    }
    hub = job.owner
    result: dict[int, list[Workshop]] = {}
    for step in steps:
        before = [performers[p] for p, s in links if s == step.pk and p in performers]
        after = [performers[s] for p, s in links if p == step.pk and s in performers]
        # One leg in, one leg out: a shop whose parts come from the hub and go back to it
        # makes the trip twice.
        result[step.pk] = (before or [hub]) + (after or [hub])
    return result


def _capabilities(workshop_ids, process_ids) -> dict[tuple[int, int], Capability]:
    return {
        (c.workshop_id, c.process_id): c
        for c in Capability.objects.filter(
            workshop_id__in=workshop_ids, process_id__in=process_ids
        ).prefetch_related("materials")
    }


def offer_comparison(posting: Posting) -> list[dict]:
    """The offers side by side (active first, cheapest first): price, promised date, the
    distance to the shops before and after, the rating and the current load for the process.
    A fixed number of queries whatever the number of offers."""
    offers = list(
        Offer.objects.filter(posting=posting)
        .select_related("workshop")
        .order_by("price", "promised_date", "pk")
    )
    steps = list(posting.steps.select_related("workshop").order_by("position", "pk"))
    neighbours = chain_neighbours(posting.job, steps) if steps else {}
    # A posting's steps are consecutive: the legs are into its first step and out of its last.
    legs = (neighbours[steps[0].pk][:1] + neighbours[steps[-1].pk][-1:]) if steps else []
    points = [p for p in (Point.of(w) for w in legs) if p]
    load = load_ratio([o.workshop_id for o in offers], posting.process_id) if offers else {}
    rows = []
    for offer in offers:
        here = Point.of(offer.workshop)
        rows.append(
            {
                "offer": offer,
                "workshop": offer.workshop,
                "distance_km": sum(distance_km(p, here) for p in points)
                if here and points
                else None,
                "rating": offer.workshop.rating_average
                if offer.workshop.rating_count >= 3
                else None,
                "rating_count": offer.workshop.rating_count,
                "load_percent": None
                if load.get(offer.workshop_id) is None
                else round(load[offer.workshop_id] * 100),
                "on_time": offer.promised_date <= posting.due_date,
            }
        )
    rows.sort(key=lambda r: (r["offer"].status != OfferStatus.ACTIVE,))
    return rows


# --- Route suggestions ------------------------------------------------------------------------


def unrouted_steps(job: Job) -> QuerySet[Step]:
    """The hub's own steps not yet routed: not started, no live order, not on the board."""
    return (
        Step.objects.filter(job=job)
        .routable_by(job.owner)
        .select_related("process")
        .order_by("position", "pk")
    )


def route_suggestions(job: Job) -> list[tuple[Step, list[Suggestion]]]:
    """For each unrouted step, the best few capable shops of the hub's districts, ranked and
    explained. Queries: the steps, one capable-shops query per distinct process, their
    capabilities and materials, the chain around the steps, and the load."""
    steps = list(unrouted_steps(job))
    if not steps:
        return []
    hub = job.owner
    districts = list(hub.districts.all())
    candidates: dict[int, list[Workshop]] = {}
    for process_id in dict.fromkeys(s.process_id for s in steps):
        process = next(s.process for s in steps if s.process_id == process_id)
        candidates[process_id] = list(
            capable_workshops(
                processes=[process],
                districts=districts,
                # The route form's rule (orders.services.route_requirements): the lot only
                # weighs in the ranking, as rank_candidates' lot_ok.
                material=job.material,
                exclude=[hub],
            )
            if districts
            else Workshop.objects.none()
        )
    shop_ids = {w.pk for shops in candidates.values() for w in shops}
    capabilities = _capabilities(shop_ids, candidates.keys())
    neighbours = chain_neighbours(job, steps)
    load_by_process = {
        process_id: load_ratio([w.pk for w in shops], process_id) if shops else {}
        for process_id, shops in candidates.items()
    }
    result = []
    for step in steps:
        shops = candidates[step.process_id]
        ranked = rank_candidates(
            process=step.process,
            material=job.material,
            quantity=step.quantity,
            neighbours=neighbours[step.pk],
            candidates=shops,
            capabilities={w.pk: capabilities[(w.pk, step.process_id)] for w in shops},
            load=load_by_process[step.process_id],
            due_date=job.due_date,
        )
        result.append((step, ranked[:SUGGESTIONS_PER_STEP]))
    return result
