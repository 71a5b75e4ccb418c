"""The floor station (現場端末): one workshop's queue of steps, for the people at the machines.

Every tap is an ordinary form that posts to the step pages (so it works without JavaScript);
`static/shopnet/floor.js` turns taps into queued calls to the JSON API with the form's
idempotency key, so a tap made while the Wi-Fi is down is sent, once, when it returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from workshops.models import MANAGING_ROLES, Membership, Role

from ..access import get_step_by_uuid_for
from ..events import EVENT_LABELS
from ..forms import ConfirmForm, DoneForm, HoldForm, ReceiveForm, ReworkForm, ShipForm
from ..live import live_config, workshop_stream
from ..models import DefectCause, HandOffKind, HoldReason, Step, StepStatus
from ..revisions import step_revisions
from ..selectors import (
    Destination,
    floor_arriving,
    floor_due_dates,
    floor_queue,
    floor_returns_to_decide,
    floor_shortfalls,
    floor_to_ship,
    parts_available,
    ship_plan,
    step_successors,
)
from ..services.progress import allows
from ..services.undo import undoable_tap

S = StepStatus
QUEUE_LIMIT = 60


def _memberships(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, workshop__is_active=True)
        .select_related("workshop")
        .order_by("workshop__name")
    )


def _choose(memberships: list[Membership], workshop_uuid: str | None) -> Membership:
    if workshop_uuid:
        chosen = next((m for m in memberships if str(m.workshop.uuid) == workshop_uuid), None)
        if chosen is None:
            raise Http404("No such workshop.")
        return chosen
    if not memberships:
        raise Http404("Not a member of any workshop.")
    # A floor member's own shop first; otherwise the first shop by name.
    return next((m for m in memberships if m.role == Role.FLOOR), memberships[0])


@dataclass
class Card:
    step: Step
    revision: str | None
    available: int
    # When the parts are due from this shop: its order's delivery date, or the job's own.
    due_date: dt.date | None = None
    revision_uuid: str | None = None
    # Drawings whose revision changed after this step started: (number, started on, current).
    stale_revisions: list = field(default_factory=list)
    next_steps: list[Step] = field(default_factory=list)
    # Where the parts go, each with how many may still go there and its form.
    ship_to: list[tuple[Destination, ShipForm]] = field(default_factory=list)
    left_to_ship: int = 0
    # Parts that arrived short for this step, by hand-off: shown in red until the step is done.
    shortfalls: list = field(default_factory=list)
    focused: bool = False

    @property
    def can_start(self) -> bool:
        return allows("start", self.step)

    @property
    def can_done(self) -> bool:
        return allows("done", self.step)

    @property
    def can_hold(self) -> bool:
        return allows("hold", self.step)

    @property
    def can_resume(self) -> bool:
        return allows("resume", self.step)

    def forms(self) -> dict:
        # Ids unique per card, so a label focuses its own card's field.
        auto_id = f"id_{self.step.uuid.hex[:12]}_%s"
        return {
            "confirm": ConfirmForm(auto_id=auto_id),
            "done": DoneForm(initial={"good": self.available, "scrap": 0}, auto_id=auto_id),
            "hold": HoldForm(auto_id=auto_id),
        }


def floor_cards(
    workshop, *, manages: bool, focus: Step | None = None
) -> tuple[list[Card], list[Card], list]:
    """(the queue, done steps with parts to ship on, hand-offs on their way in) as cards with
    their forms, in a fixed number of queries whatever the number of steps.

    With `focus` (a step a traveler's code opened) that step alone: its card, and its parts to
    ship on when it is done."""
    if focus is not None:
        to_ship = list(floor_to_ship(workshop).filter(pk=focus.pk))
        queue = [] if to_ship else [focus]
    else:
        queue = list(floor_queue(workshop)[:QUEUE_LIMIT])
        to_ship = list(floor_to_ship(workshop)[:QUEUE_LIMIT])
    steps = queue + to_ship
    ids = [s.pk for s in steps]
    successors = step_successors(ids)
    available = parts_available(steps)
    # The revision of the drawing each step works to, and any that changed since it started.
    revisions = step_revisions(steps, workshop=workshop)
    destinations = ship_plan(to_ship)
    due_dates = floor_due_dates(workshop, steps)
    shortfalls = floor_shortfalls(queue)

    def card(step: Step) -> Card:
        return Card(
            step=step,
            revision=revisions[step.pk].revision if step.pk in revisions else None,
            revision_uuid=revisions[step.pk].revision_uuid if step.pk in revisions else None,
            due_date=due_dates.get(step.pk),
            stale_revisions=revisions[step.pk].stale if step.pk in revisions else [],
            available=available[step.pk],
            next_steps=successors.get(step.pk, []),
            shortfalls=shortfalls.get(step.pk, []),
            focused=focus is not None and step.pk == focus.pk,
        )

    queue_cards = [card(s) for s in queue]
    ship_cards = []
    for number, step in enumerate(to_ship):
        item = card(step)
        item.left_to_ship = (step.good_qty or 0) - step.shipped
        item.ship_to = [
            (
                dest,
                ShipForm(
                    initial={"quantity": dest.left},
                    auto_id=f"id_ship{number}_{index}_%s",
                ),
            )
            for index, dest in enumerate(destinations[step.pk])
            if dest.left > 0
        ]
        if item.ship_to:
            ship_cards.append(item)
    incoming = (
        []
        if focus is not None
        else [
            {
                "handoff": h,
                "form": ReceiveForm(
                    initial={"quantity": h.quantity_shipped, "rejected": 0},
                    inspect_later=h.kind == HandOffKind.RETURN,
                ),
            }
            for h in floor_arriving(workshop, manages=manages)[:QUEUE_LIMIT]
        ]
    )
    for number, item in enumerate(incoming):
        item["form"].auto_id = f"id_receive{number}_%s"
    return queue_cards, ship_cards, incoming


def floor_returns(workshop, *, manages: bool) -> list[dict]:
    """Returned parts this shop has received and not yet decided on: for its managers."""
    if not manages:
        return []
    return [
        {"handoff": h, "form": ReworkForm(auto_id=f"id_rework{n}_%s")}
        for n, h in enumerate(floor_returns_to_decide(workshop)[:QUEUE_LIMIT])
    ]


def _render(request: HttpRequest, membership: Membership, memberships, focus=None):
    workshop = membership.workshop
    manages = membership.role in MANAGING_ROLES
    queue, to_ship, incoming = floor_cards(workshop, manages=manages, focus=focus)
    returns = floor_returns(workshop, manages=manages) if focus is None else []
    here = reverse("floor") + f"?workshop={workshop.uuid}"
    tap = undoable_tap(user=request.user, workshop=workshop)
    # A tap on a step opened from its traveler comes back to that step; the page offers the way
    # back to the whole queue.
    back = here
    if focus is not None:
        here = reverse("floor_step", args=[focus.uuid])
    return render(
        request,
        "orders/floor.html",
        {
            "workshop": workshop,
            "membership": membership,
            "memberships": memberships,
            "manages": manages,
            "queue": queue,
            "to_ship": to_ship,
            "incoming": incoming,
            "returns": returns,
            "hold_reasons": HoldReason.choices,
            "defect_causes": DefectCause.choices,
            "here": here,
            "focus": focus,
            "queue_url": back,
            "live_config": live_config(workshop_stream(workshop)),
            # The user's last tap here, while it may still be taken back (「取り消す」).
            "undo_tap": tap,
            "undo_label": EVENT_LABELS[tap.kind] if tap else "",
        },
    )


@require_GET
@login_required
def floor(request: HttpRequest) -> HttpResponse:
    memberships = _memberships(request.user)
    membership = _choose(memberships, request.GET.get("workshop"))
    return _render(request, membership, memberships)


@require_GET
@login_required
def floor_step(request: HttpRequest, step_uuid: UUID) -> HttpResponse:
    """Where a traveler's QR code leads: the step's card on the floor station of the shop that
    performs it, or, for anyone else who may see the step, the step on the job page."""
    access, step = get_step_by_uuid_for(request.user, step_uuid)
    memberships = _memberships(request.user)
    membership = next((m for m in memberships if m.workshop_id == step.workshop_id), None)
    if membership is None:
        return redirect(reverse("job_detail", args=[access.job.uuid]) + f"#step-{step.uuid}")
    step = Step.objects.select_related("job", "job__owner", "process", "workshop", "part").get(
        pk=step.pk
    )
    return _render(request, membership, memberships, focus=step)
