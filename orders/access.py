"""Who may see what of a job: the access helpers every page, endpoint and socket uses.

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

from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from workshops.models import User
from workshops.selectors import user_roles

from .models import (
    LIVE_ORDER_STATES,
    HandOff,
    Job,
    Order,
    OrderDocument,
    ProgressEvent,
    Step,
)


def jobs_visible_to(user: User) -> QuerySet[Job]:
    managed, floor = user_roles(user)
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
    managed, floor = user_roles(user)
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
    if not is_uuid(step_uuid):
        raise Http404("No such step.")
    job_uuid = Step.objects.filter(uuid=step_uuid).values_list("job__uuid", flat=True).first()
    if job_uuid is None:
        raise Http404("No such step.")
    access = get_job_for(user, job_uuid)
    return access, get_step_for(access, step_uuid)


def get_handoff_for(user: User, handoff_uuid: UUID | str) -> tuple[JobAccess, HandOff]:
    if not is_uuid(handoff_uuid):
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
    managed, _floor = user_roles(user)
    return Order.objects.filter(Q(buyer_id__in=managed) | Q(supplier_id__in=managed))


def get_order_for(user: User, order_uuid: UUID | str) -> tuple[JobAccess, Order]:
    if not is_uuid(order_uuid):
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


def is_uuid(value) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True
