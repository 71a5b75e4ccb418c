"""Who may see which drawing, and the reads the pages, the API and the floor station share.

A drawing is seen by (DESIGN.md, "Tenancy and visibility"):
- the hub's people (owners, managers, floor): every drawing and revision of the job, unmarked;
- the supplier on a live order: the drawings shared with that order, all their revisions, each
  preview marked with the viewer's workshop and the date. Until the hub chooses for an order,
  it shares the drawings that the order's steps reference. On a sub-order: only what the
  supplier above passed on, and only if the hub allowed that order to pass drawings on;
- floor staff of such a supplier: the same as their shop's managers;
- a workshop invited to an open board posting that shares drawings: marked previews of the
  current revisions the posting's steps reference (all current ones when they reference none);
- nobody else, district staff included: 404.
Original files may be downloaded by the hub, and by a supplier whose order the hub granted it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from board.models import Posting, PostingInvite, PostingStatus
from orders.access import JobAccess, job_access
from orders.models import LIVE_ORDER_STATES, Job, Order, Step
from orders.revisions import StaleDrawing, StepRevision
from workshops.models import User, Workshop
from workshops.selectors import user_roles

from .models import (
    Drawing,
    DrawingAccessLog,
    DrawingRevision,
    DrawingShare,
    OrderDrawingPolicy,
)
from .previews import watermark_text


@dataclass
class Sharing:
    """Which drawings each live order of a job shows its supplier, decided in five queries."""

    orders: dict[int, Order]
    policies: dict[int, OrderDrawingPolicy]
    explicit: dict[int, set[int]]
    order_steps: dict[int, set[int]]
    step_drawings: dict[int, set[int]]
    effective: dict[int, set[int]] = field(default_factory=dict)

    def policy(self, order_id: int) -> OrderDrawingPolicy | None:
        return self.policies.get(order_id)

    def referenced(self, order_id: int) -> set[int]:
        found: set[int] = set()
        for step_id in self.order_steps.get(order_id, ()):
            found |= self.step_drawings.get(step_id, set())
        return found

    def shown(self, order_id: int) -> set[int]:
        if order_id in self.effective:
            return self.effective[order_id]
        self.effective[order_id] = set()  # a cycle cannot happen; this guards it anyway
        order = self.orders.get(order_id)
        policy = self.policies.get(order_id)
        result: set[int] = set()
        if order is not None:
            if order.parent_id is None:
                chosen = policy is not None and policy.chosen
                result = self.explicit.get(order_id, set()) if chosen else self.referenced(order_id)
            else:
                parent = self.policies.get(order.parent_id)
                if order.parent_id in self.orders and parent is not None and parent.reshare:
                    result = self.explicit.get(order_id, set()) & self.shown(order.parent_id)
        self.effective[order_id] = result
        return result

    def downloadable(self, order_id: int) -> set[int]:
        policy = self.policies.get(order_id)
        return self.shown(order_id) if policy is not None and policy.download else set()


def job_sharing(job: Job) -> Sharing:
    return jobs_sharing([job.pk])[job.pk]


def jobs_sharing(job_ids) -> dict[int, Sharing]:
    """`job_sharing` for many jobs at once, in the same five queries."""
    job_ids = list(job_ids)
    result = {pk: Sharing({}, {}, {}, {}, {}) for pk in job_ids}
    order_job: dict[int, int] = {}
    for o in Order.objects.filter(job_id__in=job_ids, status__in=LIVE_ORDER_STATES).select_related(
        "buyer", "supplier"
    ):
        result[o.job_id].orders[o.pk] = o
        order_job[o.pk] = o.job_id
    for p in OrderDrawingPolicy.objects.filter(order__job_id__in=job_ids).select_related("order"):
        result[p.order.job_id].policies[p.order_id] = p
    for job_id, order_id, drawing_id in DrawingShare.objects.filter(
        order__job_id__in=job_ids
    ).values_list("order__job_id", "order_id", "drawing_id"):
        result[job_id].explicit.setdefault(order_id, set()).add(drawing_id)
    for order_id, step_id in Order.steps.through.objects.filter(order_id__in=order_job).values_list(
        "order_id", "step_id"
    ):
        result[order_job[order_id]].order_steps.setdefault(order_id, set()).add(step_id)
    for job_id, drawing_id, step_id in Drawing.steps.through.objects.filter(
        drawing__job_id__in=job_ids
    ).values_list("drawing__job_id", "drawing_id", "step_id"):
        result[job_id].step_drawings.setdefault(step_id, set()).add(drawing_id)
    return result


def shared_with_workshop(jobs: dict[int, int], workshop: Workshop) -> dict[int, set[int] | None]:
    """For each job (id → its owner's id), the drawings `workshop` may see: None (all) for
    the hub, else those shared with the live orders it supplies (the rule of
    `drawing_access` for a supplier's people)."""
    result: dict[int, set[int] | None] = {
        job_id: None for job_id, owner in jobs.items() if owner == workshop.pk
    }
    others = [job_id for job_id in jobs if job_id not in result]
    for job_id, sharing in jobs_sharing(others).items() if others else ():
        result[job_id] = set()
        for order in sorted(sharing.orders.values(), key=lambda o: o.pk):
            if order.supplier_id == workshop.pk:
                result[job_id] |= sharing.shown(order.pk)
    return result


@dataclass
class DrawingAccess:
    """What one user may do with the drawings of one job; built once per request."""

    job: Job
    user: User
    job_access: JobAccess | None
    managed: set[int]
    floor: set[int]
    is_hub: bool
    # Drawings whose every revision may be viewed; None: all of the job's.
    full_ids: set[int] | None = None
    # Drawings whose current revision only may be viewed (through an open posting).
    current_only_ids: set[int] = field(default_factory=set)
    # Drawings whose original files may be downloaded; None: all.
    download_ids: set[int] | None = None
    # Whose name marks the previews this user sees; None for the hub's own people.
    viewer_workshop: Workshop | None = None
    sharing: Sharing | None = None

    @property
    def can_manage(self) -> bool:
        """Upload, choose what each order sees, read the log: the hub's owners and managers."""
        return self.job.owner_id in self.managed

    def sees_drawing(self, drawing: Drawing | int) -> bool:
        pk = drawing if isinstance(drawing, int) else drawing.pk
        return self.full_ids is None or pk in self.full_ids or pk in self.current_only_ids

    def sees_all_revisions(self, drawing: Drawing | int) -> bool:
        pk = drawing if isinstance(drawing, int) else drawing.pk
        return self.full_ids is None or pk in self.full_ids

    def sees_revision(self, revision: DrawingRevision) -> bool:
        if self.sees_all_revisions(revision.drawing_id):
            return True
        return revision.drawing_id in self.current_only_ids and revision.is_current

    def may_download(self, revision: DrawingRevision) -> bool:
        if not self.sees_revision(revision):
            return False
        return self.download_ids is None or revision.drawing_id in self.download_ids

    @property
    def watermark(self) -> str | None:

        if self.viewer_workshop is None:
            return None
        return watermark_text(self.viewer_workshop.name, timezone.localdate())

    @property
    def sees_anything(self) -> bool:
        return self.full_ids is None or bool(self.full_ids) or bool(self.current_only_ids)

    def drawings(self) -> QuerySet[Drawing]:
        qs = Drawing.objects.filter(job=self.job)
        if self.full_ids is None:
            return qs
        return qs.filter(pk__in=self.full_ids | self.current_only_ids)

    @cached_property
    def sharing_orders(self) -> list[Order]:
        """Live orders whose drawings this user chooses: every order of the job for the hub's
        managers; the sub-orders a supplier placed, where the hub allowed passing drawings on."""
        if self.sharing is None:
            return []
        if self.can_manage:
            return list(self.sharing.orders.values())
        result = []
        for order in self.sharing.orders.values():
            parent = self.sharing.policy(order.parent_id) if order.parent_id else None
            if order.buyer_id in self.managed and parent is not None and parent.reshare:
                result.append(order)
        return result


def drawing_access(user: User, job: Job) -> DrawingAccess | None:
    """What `user` may do with `job`'s drawings, or None when nothing (the caller 404s)."""
    access = job_access(user, job)
    if access is not None:
        managed, floor = access.managed, access.floor
    else:
        managed, floor = user_roles(user)
        if not managed:
            return None
    result = DrawingAccess(
        job=job,
        user=user,
        job_access=access,
        managed=managed,
        floor=floor,
        is_hub=job.owner_id in managed or job.owner_id in floor,
    )
    if result.is_hub:
        if result.can_manage:
            result.sharing = job_sharing(job)
        return result
    result.full_ids, result.download_ids = set(), set()
    if access is not None:
        sharing = result.sharing = job_sharing(job)
        mine = managed | floor
        for order in sorted(sharing.orders.values(), key=lambda o: o.pk):
            if order.supplier_id in mine:
                result.full_ids |= sharing.shown(order.pk)
                result.download_ids |= sharing.downloadable(order.pk)
                if result.viewer_workshop is None:
                    result.viewer_workshop = order.supplier
    _add_postings(result)
    if access is None and not result.current_only_ids:
        return None
    return result


def _open_postings(job: Job, workshop_ids) -> list[PostingInvite]:
    return list(
        PostingInvite.objects.filter(
            posting__job=job,
            posting__share_drawings=True,
            posting__status=PostingStatus.OPEN,
            posting__answer_by__gt=timezone.now(),
            workshop_id__in=workshop_ids,
        ).select_related("posting", "workshop")
    )


def _posting_drawing_ids(posting: Posting) -> set[int]:
    step_ids = set(posting.steps.values_list("pk", flat=True))
    referenced = set(
        Drawing.steps.through.objects.filter(
            drawing__job_id=posting.job_id, step_id__in=step_ids
        ).values_list("drawing_id", flat=True)
    )
    if referenced:
        return referenced
    return set(Drawing.objects.filter(job_id=posting.job_id).values_list("pk", flat=True))


def _add_postings(result: DrawingAccess) -> None:
    """Invitations to open postings of the job that share drawings: current revisions only."""
    if not result.managed:
        return
    for invite in _open_postings(result.job, result.managed):
        result.current_only_ids |= _posting_drawing_ids(invite.posting) - (result.full_ids or set())
        if result.viewer_workshop is None:
            result.viewer_workshop = invite.workshop


def drawings_for_posting(posting: Posting, user: User) -> list[DrawingRevision]:
    """The current revisions an open board posting shows `user`, for the board page: to its
    invited workshops' managers while it is open and shares drawings, and to the hub. Each
    links to the same viewer as everywhere else (`revision_viewer`), which marks it with the
    viewer's workshop and never offers the original file to an invitee."""
    managed, _floor = user_roles(user)
    hub = posting.buyer_id in managed
    if not hub:
        if not (posting.share_drawings and posting.is_open):
            return []
        if not PostingInvite.objects.filter(posting=posting, workshop_id__in=managed).exists():
            return []
    ids = _posting_drawing_ids(posting)
    return list(
        DrawingRevision.objects.filter(drawing_id__in=ids, is_current=True)
        .select_related("drawing")
        .order_by("drawing__number")
    )


def drawings_for_order(order: Order, user: User) -> list[DrawingRevision]:
    """The current revisions shared with `order` that `user` may see, for the order page (the
    supplier reads the drawing before accepting). The sharing rules are `job_sharing`'s; each
    links to the viewer, which marks it with the viewer's workshop and logs the view."""
    access = drawing_access(user, order.job)
    if access is None:
        return []
    sharing = access.sharing or job_sharing(order.job)
    ids = {pk for pk in sharing.shown(order.pk) if access.sees_drawing(pk)}
    if not ids:
        return []
    return list(
        DrawingRevision.objects.filter(drawing_id__in=ids, is_current=True)
        .select_related("drawing")
        .order_by("drawing__number")
    )


# --- access helpers ------------------------------------------------------------------------------


def get_drawings_access(user: User, job_uuid: UUID | str) -> DrawingAccess:
    """The job's drawings as `user` may see them, or 404 (also when the job is not theirs)."""
    job = Job.objects.select_related("owner").filter(uuid=job_uuid).first()
    if job is None:
        raise Http404("No such job.")
    access = drawing_access(user, job)
    if access is None:
        raise Http404("No such job.")
    return access


def get_drawing_for(user: User, drawing_uuid: UUID | str) -> tuple[DrawingAccess, Drawing]:
    drawing = Drawing.objects.select_related("job", "job__owner").filter(uuid=drawing_uuid).first()
    if drawing is None:
        raise Http404("No such drawing.")
    access = drawing_access(user, drawing.job)
    if access is None or not access.sees_drawing(drawing):
        raise Http404("No such drawing.")
    return access, drawing


def get_revision_for(
    user: User, revision_uuid: UUID | str
) -> tuple[DrawingAccess, DrawingRevision]:
    revision = (
        DrawingRevision.objects.select_related("drawing", "drawing__job", "drawing__job__owner")
        .filter(uuid=revision_uuid)
        .first()
    )
    if revision is None:
        raise Http404("No such revision.")
    access = drawing_access(user, revision.drawing.job)
    if access is None or not access.sees_revision(revision):
        raise Http404("No such revision.")
    return access, revision


def get_sharing_order_for(user: User, order_uuid: UUID | str) -> tuple[DrawingAccess, Order]:
    """An order whose drawings `user` may choose (the hub's managers; a supplier for the
    sub-orders it placed, where allowed), or 404."""
    order = Order.objects.select_related("job", "job__owner").filter(uuid=order_uuid).first()
    if order is None:
        raise Http404("No such order.")
    access = drawing_access(user, order.job)
    if access is None:
        raise Http404("No such order.")
    chosen = next((o for o in access.sharing_orders if o.pk == order.pk), None)
    if chosen is None:
        raise Http404("No such order.")
    return access, chosen


# --- lists ---------------------------------------------------------------------------------------


@dataclass
class DrawingRow:
    drawing: Drawing
    current: DrawingRevision | None
    revisions: list[DrawingRevision]
    all_revisions: bool
    may_download: bool
    orders: list[Order] = field(default_factory=list)


def drawing_rows(access: DrawingAccess) -> list[DrawingRow]:
    """The drawings of the job that `access` may see, each with its current revision and the
    revisions it may open, in a fixed number of queries whatever their number: the drawings,
    their revisions. (Access itself was decided before; see `drawing_access`.)"""
    revisions = DrawingRevision.objects.select_related("uploaded_by").order_by("-created_at", "-pk")
    drawings = list(
        access.drawings()
        .prefetch_related(Prefetch("revisions", queryset=revisions, to_attr="all_revisions"))
        .order_by("number", "pk")
    )
    rows = []
    for drawing in drawings:
        every = access.sees_all_revisions(drawing)
        shown = [r for r in drawing.all_revisions if every or r.is_current]
        current = next((r for r in shown if r.is_current), None)
        row = DrawingRow(
            drawing=drawing,
            current=current,
            revisions=shown,
            all_revisions=every,
            may_download=current is not None and access.may_download(current),
        )
        if access.can_manage and access.sharing is not None:
            row.orders = [
                o
                for o in access.sharing.orders.values()
                if drawing.pk in access.sharing.shown(o.pk)
            ]
        rows.append(row)
    return rows


def access_log(job: Job, *, limit: int = 500) -> QuerySet[DrawingAccessLog]:
    """Who viewed or downloaded which revision of the job's drawings, newest first."""
    return (
        DrawingAccessLog.objects.filter(revision__drawing__job=job)
        .select_related("revision", "revision__drawing", "workshop")
        .order_by("-at", "-pk")[:limit]
    )


# --- revisions for the floor station and the traveler --------------------------------------------


def job_revisions(job_ids) -> dict[int, str]:
    """The current revision of each job's main drawing (the one numbered as the job's drawing
    number, else the first uploaded), in one query. Read through `orders.revisions`."""
    rows = DrawingRevision.objects.filter(
        drawing__job_id__in=list(job_ids), is_current=True
    ).values_list(
        "drawing__job_id",
        "label",
        "drawing__number",
        "drawing__job__drawing_number",
        "drawing__created_at",
        "drawing_id",
    )
    best: dict[int, tuple] = {}
    for job_id, label, number, job_number, created, drawing_id in rows:
        rank = (number != job_number, created, drawing_id)
        if job_id not in best or rank < best[job_id][0]:
            best[job_id] = (rank, label)
    return {job_id: label for job_id, (_rank, label) in best.items()}


def step_revisions(
    steps: list[Step], *, workshop: Workshop | None = None
) -> dict[int, StepRevision]:
    """For each step: the current revision of the drawing it works to (the drawings it
    references, else the job's main drawing), and the drawings whose revision changed after
    it started ("started on an older revision"), in two queries.

    The revision a step started on is the one that was current at `started_at`: revisions are
    only ever added, each made current at its `created_at`, both under the job's row lock, so
    comparing the two times is exact and nothing has to be recorded at the start itself."""
    if not steps:
        return {}
    job_ids = {s.job_id for s in steps}
    referenced: dict[int, set[int]] = {}
    for step_id, drawing_id in Drawing.steps.through.objects.filter(
        step_id__in=[s.pk for s in steps]
    ).values_list("step_id", "drawing_id"):
        referenced.setdefault(step_id, set()).add(drawing_id)
    history: dict[int, list[tuple[dt.datetime, str, bool]]] = {}
    drawings: dict[int, tuple] = {}
    current_uuid: dict[int, str] = {}
    for drawing_id, job_id, number, job_number, created, label, at, current, public_id in (
        DrawingRevision.objects.filter(drawing__job_id__in=job_ids)
        .values_list(
            "drawing_id",
            "drawing__job_id",
            "drawing__number",
            "drawing__job__drawing_number",
            "drawing__created_at",
            "label",
            "created_at",
            "is_current",
            "uuid",
        )
        .order_by("created_at", "pk")
    ):
        history.setdefault(drawing_id, []).append((at, label, current))
        if current:
            current_uuid[drawing_id] = str(public_id)
        drawings[drawing_id] = (job_id, number, (number != job_number, created, drawing_id))
    main: dict[int, int] = {}
    for drawing_id, (job_id, _number, rank) in drawings.items():
        if job_id not in main or rank < drawings[main[job_id]][2]:
            main[job_id] = drawing_id
    # Which of those drawings the floor station's shop may open (five more queries, only when
    # some step works to a drawing of a job the shop does not own).
    with_drawings = {job_id for job_id, _number, _rank in drawings.values()}
    visible = (
        shared_with_workshop(
            {s.job_id: s.job.owner_id for s in steps if s.job_id in with_drawings}, workshop
        )
        if workshop is not None
        else {}
    )
    result = {}
    for step in steps:
        ids = sorted(
            (referenced.get(step.pk) or {main.get(step.job_id)}) - {None},
            key=lambda pk: drawings[pk][1],
        )
        info = StepRevision()
        for drawing_id in ids:
            revisions = history[drawing_id]
            current = next((label for _at, label, now in revisions if now), None)
            if info.revision is None:
                info.revision, info.number = current, drawings[drawing_id][1]
                shown = visible.get(step.job_id)
                if shown is None or drawing_id in shown:
                    info.revision_uuid = current_uuid.get(drawing_id)
            if step.started_at is None:
                continue
            at_start = [label for at, label, _now in revisions if at <= step.started_at]
            if at_start and at_start[-1] != current:
                info.stale.append(StaleDrawing(drawings[drawing_id][1], at_start[-1], current))
        result[step.pk] = info
    return result
