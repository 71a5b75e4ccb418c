"""Reads about jobs and orders, and the access helpers every page, endpoint and socket uses.

Who sees what (DESIGN.md, "Tenancy and visibility"):
- the hub's owners and managers: all of the job; prices of the orders the hub placed; that a
  step is sub-ordered, but not the sub-order's price;
- a supplier's owners and managers: the job header, the steps of orders they are party to
  (as supplier, or as buyer of a sub-order), the hand-offs into and out of those steps, and
  the prices of those orders;
- floor staff: the steps their shop performs, and no prices at all;
- anyone else, district staff included: nothing (404).
The customer's name is for the hub's owners and managers only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django.db.models import Avg, Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, When
from django.http import Http404
from django.utils import timezone

from workshops.models import MANAGING_ROLES, Membership, Role, User, Workshop

from .models import (
    LIVE_ORDER_STATES,
    HandOff,
    HandOffStatus,
    Job,
    JobStatus,
    Order,
    OrderDocument,
    OrderStatus,
    ProgressEvent,
    Rating,
    Step,
    StepLink,
    StepStatus,
)


def _roles(user: User) -> tuple[set[int], set[int]]:
    """(shops the user manages, shops where the user is floor staff)."""
    if not user.is_authenticated:
        return set(), set()
    managed, floor = set(), set()
    for workshop_id, role in Membership.objects.filter(user=user).values_list(
        "workshop_id", "role"
    ):
        (managed if role in MANAGING_ROLES else floor).add(workshop_id)
    return managed, floor


def user_roles(user: User) -> tuple[set[int], set[int]]:
    """(shops the user manages, shops where the user is floor staff), as `JobAccess` holds."""
    return _roles(user)


def jobs_visible_to(user: User) -> QuerySet[Job]:
    managed, floor = _roles(user)
    if not managed and not floor:
        return Job.objects.none()
    party = Order.objects.filter(job=OuterRef("pk")).filter(
        Q(supplier_id__in=managed) | Q(buyer_id__in=managed)
    )
    performing = Step.objects.filter(job=OuterRef("pk"), workshop_id__in=floor)
    return Job.objects.filter(Q(owner_id__in=managed) | Exists(party) | Exists(performing))


@dataclass
class JobAccess:
    """What one user may see of one job; built once per request by `get_job_for`."""

    job: Job
    user: User
    managed: set[int]
    floor: set[int]
    is_hub_manager: bool
    orders: list[Order] = field(default_factory=list)
    step_ids: set[int] = field(default_factory=set)

    @property
    def order_ids(self) -> set[int]:
        return {o.pk for o in self.orders}

    @property
    def can_see_customer(self) -> bool:
        return self.is_hub_manager

    def can_see_price(self, order: Order) -> bool:
        return order.buyer_id in self.managed or order.supplier_id in self.managed

    def can_manage_job(self) -> bool:
        return self.is_hub_manager

    def can_perform(self, step: Step) -> bool:
        return step.workshop_id in self.managed or step.workshop_id in self.floor

    def sees_step(self, step: Step | int) -> bool:
        return (step if isinstance(step, int) else step.pk) in self.step_ids

    def steps(self) -> QuerySet[Step]:
        return Step.objects.filter(pk__in=self.step_ids)

    def handoffs(self) -> QuerySet[HandOff]:
        return HandOff.objects.filter(job=self.job).filter(
            Q(from_step_id__in=self.step_ids) | Q(to_step_id__in=self.step_ids)
        )

    def events(self) -> QuerySet[ProgressEvent]:
        """Events about what this user may see; job-wide events go to every party; the hub's
        managers see the whole log (removed steps included)."""
        if self.is_hub_manager:
            return ProgressEvent.objects.filter(job=self.job)
        return ProgressEvent.objects.filter(job=self.job).filter(
            Q(step_id__in=self.step_ids)
            | Q(order_id__in=self.order_ids)
            | Q(handoff__to_step_id__in=self.step_ids)
            | Q(handoff__from_step_id__in=self.step_ids)
            | Q(step__isnull=True, order__isnull=True, kind__startswith="job.")
            # A drawing added or revised: every party hears of it (number and revision only).
            | Q(step__isnull=True, order__isnull=True, kind__startswith="drawing.")
        )


def job_access(user: User, job: Job) -> JobAccess | None:
    managed, floor = _roles(user)
    if not managed and not floor:
        return None
    access = JobAccess(
        job=job, user=user, managed=managed, floor=floor, is_hub_manager=job.owner_id in managed
    )
    orders = list(
        Order.objects.filter(job=job).select_related("buyer", "supplier").order_by("requested_at")
    )
    order_steps: dict[int, set[int]] = {}
    for order_id, step_id in Order.steps.through.objects.filter(order__job=job).values_list(
        "order_id", "step_id"
    ):
        order_steps.setdefault(order_id, set()).add(step_id)
    all_steps = dict(Step.objects.filter(job=job).values_list("pk", "workshop_id"))
    if access.is_hub_manager:
        access.orders = orders
        access.step_ids = set(all_steps)
    else:
        access.orders = [o for o in orders if o.buyer_id in managed or o.supplier_id in managed]
        # A declined or withdrawn request still shows its own order, but no longer the steps:
        # what happens to them afterwards (who got the work) is none of that shop's business.
        for order in access.orders:
            if order.status in LIVE_ORDER_STATES:
                access.step_ids |= order_steps.get(order.pk, set())
    # Floor staff (and anyone) see the steps their own shops perform.
    access.step_ids |= {pk for pk, shop in all_steps.items() if shop in floor or shop in managed}
    if not access.is_hub_manager and not access.orders and not access.step_ids:
        return None
    return access


def get_job_for(user: User, job_uuid: UUID | str) -> JobAccess:
    """The job and what `user` may see of it, or 404 (never 403: existence does not leak)."""
    try:
        job = Job.objects.select_related("owner", "material").get(uuid=job_uuid)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404("No such job.") from None
    access = job_access(user, job)
    if access is None:
        raise Http404("No such job.")
    return access


def get_step_for(access: JobAccess, step_uuid: UUID | str) -> Step:
    try:
        step = Step.objects.select_related("process", "workshop", "job").get(
            uuid=step_uuid, job=access.job
        )
    except (Step.DoesNotExist, ValueError, TypeError):
        raise Http404("No such step.") from None
    if not access.sees_step(step):
        raise Http404("No such step.")
    return step


def get_step_by_uuid_for(user: User, step_uuid: UUID | str) -> tuple[JobAccess, Step]:
    if not _is_uuid(step_uuid):
        raise Http404("No such step.")
    job_uuid = Step.objects.filter(uuid=step_uuid).values_list("job__uuid", flat=True).first()
    if job_uuid is None:
        raise Http404("No such step.")
    access = get_job_for(user, job_uuid)
    return access, get_step_for(access, step_uuid)


def get_handoff_for(user: User, handoff_uuid: UUID | str) -> tuple[JobAccess, HandOff]:
    if not _is_uuid(handoff_uuid):
        raise Http404("No such hand-off.")
    handoff = (
        HandOff.objects.select_related(
            "job", "from_step", "to_step", "from_workshop", "to_workshop"
        )
        .filter(uuid=handoff_uuid)
        .first()
    )
    if handoff is None:
        raise Http404("No such hand-off.")
    access = get_job_for(user, handoff.job.uuid)
    if not (
        access.sees_step(handoff.from_step_id)
        or (handoff.to_step_id and access.sees_step(handoff.to_step_id))
    ):
        raise Http404("No such hand-off.")
    return access, handoff


def orders_visible_to(user: User) -> QuerySet[Order]:
    """Orders the user is party to as a manager of the buyer or the supplier.
    (The hub additionally sees sub-orders on its jobs' pages, without their prices.)"""
    managed, _floor = _roles(user)
    return Order.objects.filter(Q(buyer_id__in=managed) | Q(supplier_id__in=managed))


def get_order_for(user: User, order_uuid: UUID | str) -> tuple[JobAccess, Order]:
    if not _is_uuid(order_uuid):
        raise Http404("No such order.")
    job_uuid = Order.objects.filter(uuid=order_uuid).values_list("job__uuid", flat=True).first()
    if job_uuid is None:
        raise Http404("No such order.")
    access = get_job_for(user, job_uuid)
    order = next((o for o in access.orders if str(o.uuid) == str(order_uuid)), None)
    if order is None:
        raise Http404("No such order.")
    return access, order


def documents_visible(access: JobAccess, order: Order) -> QuerySet[OrderDocument]:
    """Documents carry prices: only the two parties to the order may read them."""
    if not access.can_see_price(order):
        return OrderDocument.objects.none()
    return order.documents.order_by("version")


# --- the floor station ---------------------------------------------------------------------


def floor_queue(workshop) -> QuerySet[Step]:
    """A shop's steps waiting for its machines, most urgent first: late risk, the job's due date,
    its priority, the projected start; held steps last (they wait for a decision, not a machine)."""
    S = StepStatus
    return (
        Step.objects.filter(workshop=workshop, status__in=[S.READY, S.IN_PROGRESS, S.ON_HOLD])
        .select_related(*_FLOOR_RELATED)
        .annotate(held=Case(When(status=S.ON_HOLD, then=1), default=0))
        .order_by(
            "held",
            F("late_risk").desc(),
            F("job__late_risk").desc(),
            "job__due_date",
            "-job__priority",
            F("projected_start").asc(nulls_last=True),
            "pk",
        )
    )


def floor_to_ship(workshop) -> QuerySet[Step]:
    """A shop's done steps whose good parts have not all been shipped on (`shipped` annotated)."""
    return (
        Step.objects.filter(workshop=workshop, status=StepStatus.DONE)
        .exclude(job__status__in=[JobStatus.DONE, JobStatus.CANCELLED])
        .annotate(shipped=Sum("handoffs_out__quantity_shipped", default=0))
        .filter(good_qty__gt=F("shipped"))
        .select_related(*_FLOOR_RELATED)
        .order_by("job__due_date", "pk")
    )


def floor_arriving(workshop, *, manages: bool) -> QuerySet[HandOff]:
    """Parts shipped to a shop and not yet received. A delivery with no next step there (to the
    buyer) is for the buyer's owners and managers: its floor staff see none of the steps."""
    arriving = HandOff.objects.filter(to_workshop=workshop, status=HandOffStatus.SHIPPED)
    if not manages:
        arriving = arriving.filter(to_step__isnull=False)
    return arriving.select_related(
        "job", "from_workshop", "from_step__process", "to_step__process"
    ).order_by("shipped_at", "pk")


_FLOOR_RELATED = ("job", "job__owner", "process", "workshop")


def step_successors(step_ids) -> dict[int, list[Step]]:
    """The steps each of `step_ids` feeds, with their process and shop, in one query."""
    successors: dict[int, list[Step]] = {}
    for link in StepLink.objects.filter(predecessor_id__in=step_ids).select_related(
        "successor__process", "successor__workshop"
    ):
        successors.setdefault(link.predecessor_id, []).append(link.successor)
    return successors


def parts_available(steps: list[Step]) -> dict[int, int]:
    """How many parts each step can have worked on: its planned quantity, or, once predecessors
    report, what they passed on (the fewest of any branch, since every branch feeds the step).
    Two queries for any number of steps; `step_done` checks its counts against this."""
    ids = [s.pk for s in steps]
    predecessors: dict[int, list[Step]] = {}
    for link in StepLink.objects.filter(successor_id__in=ids).select_related("predecessor"):
        predecessors.setdefault(link.successor_id, []).append(link.predecessor)
    received: dict[tuple[int, int], int] = {}
    for from_id, to_id, n in (
        HandOff.objects.filter(to_step_id__in=ids, status=HandOffStatus.RECEIVED)
        .values("from_step_id", "to_step_id")
        .annotate(n=Sum("quantity_received"))
        .values_list("from_step_id", "to_step_id", "n")
    ):
        received[(from_id, to_id)] = n or 0
    available = {}
    for step in steps:
        done = [p for p in predecessors.get(step.pk, []) if p.status == StepStatus.DONE]
        if not done:
            available[step.pk] = step.quantity
            continue
        counts = [
            (p.good_qty or 0)
            if p.workshop_id == step.workshop_id
            else received.get((p.pk, step.pk), 0)
            for p in done
        ]
        available[step.pk] = max(min(counts), 0)
    return available


# --- a workshop's record: ratings and on-time delivery ------------------------------------------

# The last 12 months; a figure needs 3 ratings (or deliveries) so that one does not define a
# small shop.
RECORD_WINDOW = dt.timedelta(days=365)
MIN_SHOWN = 3


def rating_summary(workshop: Workshop, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Averages and count over the last 12 months; the averages only from 3 ratings on."""
    since = (now or timezone.now()) - RECORD_WINDOW
    row = Rating.objects.filter(supplier=workshop, created_at__gte=since).aggregate(
        count=Count("pk"), quality=Avg("quality"), delivery=Avg("delivery"), cost=Avg("cost")
    )
    shown = row["count"] >= MIN_SHOWN
    summary: dict[str, Any] = {"count": row["count"], "shown": shown}
    for key in ("quality", "delivery", "cost"):
        summary[key] = _two_places(row[key]) if shown else None
    summary["overall"] = (
        _two_places((row["quality"] + row["delivery"] + row["cost"]) / 3) if shown else None
    )
    return summary


def _two_places(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def delivery_record(workshop, *, now=None) -> dict:
    """The supplier's on-time delivery over the last 12 months, from what actually happened:
    an order counts as on time when its parts were received (the hand-off that settled it) on
    or before its delivery date, in Japan time. The rate is shown from 3 deliveries on."""
    since = (now or timezone.now()) - RECORD_WINDOW
    row = Order.objects.filter(
        supplier=workshop, status=OrderStatus.DELIVERED, delivered_at__gte=since
    ).aggregate(
        delivered=Count("pk"),
        on_time=Count("pk", filter=Q(delivered_at__date__lte=F("due_date"))),
    )
    shown = row["delivered"] >= MIN_SHOWN
    rate = round(100 * row["on_time"] / row["delivered"]) if shown else None
    return {"delivered": row["delivered"], "on_time": row["on_time"], "percent": rate}


def drawing_revisions(job_ids) -> dict[int, str]:
    """The current drawing revision of each job, for the floor cards and the traveler: that of
    the job's main drawing (numbered as the job's drawing number, else the first uploaded), in
    one query. A job without drawings maps to nothing and shows a dash."""
    from drawings.selectors import job_revisions

    return job_revisions(job_ids)


def _is_uuid(value) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def is_floor_only(user: User) -> bool:
    return (
        user.is_authenticated
        and not Membership.objects.filter(user=user, role__in=MANAGING_ROLES).exists()
        and Membership.objects.filter(user=user, role=Role.FLOOR).exists()
    )
