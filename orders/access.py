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

from core.prepared import Prepared, read_together
from workshops.access import remember_roles
from workshops.models import User
from workshops.selectors import USER_ROLES, user_roles

from .dag import StepGraph
from .joborders import JobOrders
from .models import (
    LIVE_ORDER_STATES,
    HandOff,
    Job,
    Order,
    OrderAcceptance,
    OrderDocument,
    Part,
    ProgressEvent,
    Step,
    StepLink,
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


@dataclass(frozen=True)
class StepAround:
    """What the answer about one step shows beyond its row, as `step_access` read it: the
    public ids of its visible predecessors (in the order of their positions) and of the
    visible orders covering it (in the order they were requested)."""

    step_id: int
    predecessors: list[str]
    orders: list[str]


@dataclass
class JobAccess:
    """What one user may see of one job; built once per request by `get_job_for`."""

    job: Job
    user: User | None  # None: a workshop's view (`workshop_job_access`)
    managed: set[int]
    floor: set[int]
    is_hub_manager: bool
    orders: list[Order] = field(default_factory=list)
    step_ids: set[int] = field(default_factory=set)
    # The access around one step (`step_access`) also knows what an answer about that step
    # shows: its visible predecessors and the visible orders covering it (`StepAround`).
    around: StepAround | None = None

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
            # Payments are the two parties' business: a sub-order's stay with its own pair.
            return ProgressEvent.objects.filter(job=self.job).exclude(
                Q(kind__startswith="payment.")
                & ~Q(order__buyer_id__in=self.managed)
                & ~Q(order__supplier_id__in=self.managed)
            )
        return ProgressEvent.objects.filter(job=self.job).filter(
            Q(step_id__in=self.step_ids)
            | Q(order_id__in=self.order_ids)
            | Q(handoff__to_step_id__in=self.step_ids)
            | Q(handoff__from_step_id__in=self.step_ids)
            | Q(step__isnull=True, order__isnull=True, kind__startswith="job.")
            # A drawing added or revised: every party hears of it (number and revision only).
            | Q(step__isnull=True, order__isnull=True, kind__startswith="drawing.")
        )


def _see(
    access: JobAccess,
    orders: list[Order],
    order_steps: dict[int, set[int]],
    step_shops: dict[int, int],
) -> None:
    """Fill `access` with what its user may see among `orders` and the steps in `step_shops`
    (step → the shop performing it). The one rule, step by step and order by order, so the
    job's whole access and the access around one step (`step_access`) agree."""
    managed, floor = access.managed, access.floor
    if access.is_hub_manager:
        access.orders = orders
        access.step_ids = set(step_shops)
        return
    access.orders = [o for o in orders if o.buyer_id in managed or o.supplier_id in managed]
    # A declined or withdrawn request still shows its own order, but no longer the steps:
    # what happens to them afterwards (who got the work) is none of that shop's business.
    for order in access.orders:
        if order.status in LIVE_ORDER_STATES:
            access.step_ids |= order_steps.get(order.pk, set()) & step_shops.keys()
    # Floor staff (and anyone) see the steps their own shops perform.
    access.step_ids |= {pk for pk, shop in step_shops.items() if shop in floor or shop in managed}


def job_access(user: User, job: Job) -> JobAccess | None:
    managed, floor = user_roles(user)
    return _job_access(user, managed, floor, job)


def workshop_job_access(workshop_id: int, job: Job) -> JobAccess | None:
    """What a workshop's managers may see of a job, with no person in mind: what the shop's
    integrations are sent (webhooks). None when the shop may see nothing of it."""
    return _job_access(None, {workshop_id}, set(), job)


def _job_access(user: User | None, managed: set[int], floor: set[int], job: Job):
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
    _see(
        access,
        orders,
        order_steps,
        dict(Step.objects.filter(job=job).values_list("pk", "workshop_id")),
    )
    if not access.is_hub_manager and not access.orders and not access.step_ids:
        return None
    return access


def step_access(access: JobAccess, step: Step) -> JobAccess:
    """What `access`'s user sees of one step, the steps it waits for and the orders covering
    them, by the rule of `job_access`: enough to answer for that step (its visible
    predecessors and orders, kept in `around`), not for the rest of the job. `access` need
    only know the user's shops and the job. Two queries (one for floor staff, who see no
    orders)."""
    links = [
        (position, predecessor, shop, uuid)
        for position, _pk, predecessor, shop, uuid in sorted(
            StepLink.objects.filter(successor=step).values_list(
                "predecessor__position",
                "pk",
                "predecessor_id",
                "predecessor__workshop_id",
                "predecessor__uuid",
            )
        )
    ]
    # Only the hub's and the parties' managers see orders: floor staff are spared the query.
    covering = (
        [
            (row.order, row.step_id)
            for row in Order.steps.through.objects.filter(
                order__job_id=step.job_id, step_id__in={step.pk, *(p for _, p, _, _ in links)}
            )
            .select_related("order")
            .order_by("order__requested_at", "pk")
        ]
        if _sees_orders(access)
        else []
    )
    return _around(access, step, links, covering)


def step_access_from(access: JobAccess, step: Step, graph: StepGraph, orders: JobOrders | None):
    """`step_access` from what a step service read under the job's lock (the job's step graph
    and its orders, `joborders.keep_orders`): the same answer, no query. `orders` may be None
    for a user who sees no orders."""
    predecessors = graph.predecessors(step.pk)  # in the order the links were made
    links = sorted(
        (graph.step(p).position, n, p, graph.step(p).workshop_id, graph.step(p).uuid)
        for n, p in enumerate(predecessors)
    )
    links = [(position, p, shop, uuid) for position, _n, p, shop, uuid in links]
    covering = []
    if _sees_orders(access):
        if orders is None:
            raise ValueError("The orders are needed to answer for a manager.")
        covering = orders.covering({step.pk, *predecessors})
    return _around(access, step, links, covering)


def step_access_after(access: JobAccess, step: Step) -> JobAccess:
    """The access to answer a tap on `step` with: `access` itself when it already answers for
    the step (the job's whole access, or the access around the step); else, for the access
    `get_step_to_perform(narrow=False)` gave, narrowed from what the service read under the
    job's lock and left on the step's job (no query), or read when it left nothing there (a
    replayed request)."""
    if access.around is not None or access.step_ids:
        return access
    job = step.job if Step.job.is_cached(step) else None
    graph = getattr(job, "_step_graph", None)
    orders = getattr(job, "_orders", None)
    if graph is None or step.pk not in graph or (orders is None and _sees_orders(access)):
        return step_access(access, step)
    return step_access_from(access, graph.step(step.pk), graph, orders)


def _sees_orders(access: JobAccess) -> bool:
    return access.is_hub_manager or bool(access.managed)


def _around(
    access: JobAccess,
    step: Step,
    links: list[tuple[int, int, int, UUID]],
    covering: list[tuple[Order, int]],
) -> JobAccess:
    """The access around `step`, from its links to what it waits for, in the order their
    positions and links give (position, step, shop, public id), and the orders covering it
    or those steps, in the order they were requested (order, step)."""
    step_shops = {step.pk: step.workshop_id}
    step_shops.update((predecessor, shop) for _p, predecessor, shop, _uuid in links)
    found: dict[int, Order] = {}
    order_steps: dict[int, set[int]] = {}
    for order, step_id in covering:
        found.setdefault(order.pk, order)
        order_steps.setdefault(order.pk, set()).add(step_id)
    narrowed = JobAccess(
        job=access.job,
        user=access.user,
        managed=access.managed,
        floor=access.floor,
        is_hub_manager=access.is_hub_manager,
    )
    _see(narrowed, list(found.values()), order_steps, step_shops)
    narrowed.around = StepAround(
        step_id=step.pk,
        predecessors=[str(uuid) for _p, pk, _shop, uuid in links if pk in narrowed.step_ids],
        orders=[str(o.uuid) for o in narrowed.orders if step.pk in order_steps.get(o.pk, ())],
    )
    return narrowed


# A floor tap's first read (compiled once: core/prepared.py).
STEP_TO_PERFORM = Prepared(
    lambda uuid: Step.objects.select_related("job", "part").filter(uuid=uuid)[:1],
    UUID,
    name="step to perform",
)


def get_step_to_perform(
    user: User, step_uuid: UUID | str, *, narrow: bool = True
) -> tuple[JobAccess, Step]:
    """A step for a floor tap (start, done, hold, resume), or 404.

    Its performer (a member of the shop doing it) and the hub's managers see it, and get the
    access around that step (`step_access`): four queries at most (the step with its job, the
    user's shops, the step's predecessors, the orders covering them) instead of the job's
    whole access. With `narrow=False`, two: the caller narrows the access itself, after the
    service, from what the service read (`step_access_from`). Anyone else is answered by
    `get_step_by_uuid_for`, so a 404 exactly when they may not see the step; the service then
    decides whether they may act."""
    if not is_uuid(step_uuid):
        raise Http404("No such step.")
    # The service reads the step again under the job's lock: the job is all it needs here
    # (and the answer names the step's part).
    if user.is_authenticated:  # the step and the user's shops: one round trip
        found, roles = read_together((STEP_TO_PERFORM, (step_uuid,)), (USER_ROLES, (user.pk,)))
    else:
        found, roles = STEP_TO_PERFORM(step_uuid), []
    if not found:
        raise Http404("No such step.")
    step = found[0]
    managed, floor = user_roles(user, roles)
    # The service checks the performer's membership again: it is the one just read.
    remember_roles(user, managed, floor)
    performs = step.workshop_id in managed or step.workshop_id in floor
    if not performs and step.job.owner_id not in managed:
        return get_step_by_uuid_for(user, step_uuid)
    around = JobAccess(
        job=step.job,
        user=user,
        managed=managed,
        floor=floor,
        is_hub_manager=step.job.owner_id in managed,
    )
    return (step_access(around, step) if narrow else around), step


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
        step = Step.objects.select_related("process", "workshop", "job", "part").get(
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
        (handoff.from_step_id and access.sees_step(handoff.from_step_id))
        or (handoff.to_step_id and access.sees_step(handoff.to_step_id))
    ):
        raise Http404("No such hand-off.")
    return access, handoff


def get_part_for(user: User, part_uuid: UUID | str) -> tuple[JobAccess, Part]:
    """A part of a job the user may see: every part for the hub's managers, for others the
    parts of the steps they see; else 404."""
    if not is_uuid(part_uuid):
        raise Http404("No such part.")
    part = Part.objects.filter(uuid=part_uuid).select_related("job").first()
    if part is None:
        raise Http404("No such part.")
    access = get_job_for(user, part.job.uuid)
    if not access.can_manage_job() and not access.steps().filter(part=part).exists():
        raise Http404("No such part.")
    part.job = access.job
    return access, part


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


def acceptances_visible(access: JobAccess, order: Order) -> QuerySet[OrderAcceptance]:
    """The supplier's 注文請書 carries the prices too: the two parties to the order only."""
    if not access.can_see_price(order):
        return OrderAcceptance.objects.none()
    return order.acceptances.select_related("document").order_by("accepted_at")


def is_uuid(value) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True
