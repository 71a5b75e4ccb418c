"""The one subscriber that decides who is told of what.

Every event of a job's log passes here twice:
1. inside the change's transaction, `on_event` only notes the event in one task per
   transaction (`fan_out`), written with the change and for all of its events, so a tap pays
   for one small insert and never for the deciding or the sending;
2. on the worker, `fan_out` asks `notices_for` who should be told (relevance: the people whose
   turn it is, by role) and keeps only those who may see the event (visibility: the same
   access helpers the pages use, and the event must be in that person's own view of the log),
   never the person who did it.

A fan-out that never ran (its task gave up, or was lost) loses nothing: `catch_up` reads the
log for events no fan-out has marked (`FannedOut`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json
from django_tasks_db.models import DBTaskResult

from board.models import Offer, OfferStatus, Posting, PostingStatus
from board.selectors import get_posting_for
from core import together
from core.prepared import insert
from drawings.models import Drawing
from drawings.selectors import drawing_access
from orders.access import job_access
from orders.events import event_ref, events_named
from orders.models import (
    FINISHED_STEP_STATES,
    Order,
    ProgressEvent,
    Step,
    StepStatus,
)
from workshops.models import MANAGING_ROLES, Membership, Role, User, Workshop

from .models import FannedOut, Notification

logger = logging.getLogger(__name__)

MANAGERS = frozenset(MANAGING_ROLES)
EVERYONE = frozenset({*MANAGING_ROLES, Role.FLOOR})

# Events after which a step of the job may have turned late-risk (the projection is
# recomputed in the same transaction as each of them).
LATE_RISK_KINDS = frozenset(
    {
        "step.added",
        "step.updated",
        "step.linked",
        "step.started",
        "step.done",
        "step.held",
        "step.resumed",
        "step.undone",
        "order.accepted",
        "order.terms_changed",
        "handoff.shipped",
        "handoff.received",
        "job.updated",
    }
)


# --- 1. in the change's transaction --------------------------------------------------------


def on_event(event: ProgressEvent) -> None:
    """Note `event` in the one `fan_out` task of its transaction.

    With the database's task queue (the settings'), the task row is written in the change's
    own transaction: it commits with the change or not at all, and the change pays one insert
    instead of a transaction of its own after the commit. In a block that holds its writes
    together (`core.together`, the floor taps), the row is written once at the block's end,
    for all of its events; elsewhere at the first event, and updated at each further one.
    Another queue gets the task after the commit (`_flush`)."""
    if not settings.NOTIFICATIONS_ENABLED:
        return
    connection = transaction.get_connection()
    pending = getattr(connection, "_notification_events", None)
    if not _registered(connection, pending):
        # A fresh transaction, or the last one's task was rolled back with its events.
        pending = connection._notification_events = [event_ref(event)]
        connection._notification_task = None
        if not _queue_in_transaction():
            connection._notification_marker = _flush
            transaction.on_commit(_flush)
            return

        def marker() -> None:
            _committed()

        connection._notification_marker = marker
        transaction.on_commit(marker)
        if not together.before_end(lambda: _write_task(connection, pending)):
            _write_task(connection, pending)
        return
    pending.append(event_ref(event))
    if connection._notification_task is not None:
        # The task already written names this event too (inside the same transaction).
        DBTaskResult.objects.filter(id=connection._notification_task).update(
            args_kwargs={"args": [list(pending)], "kwargs": {}}
        )


def _registered(connection, pending) -> bool:
    """Whether the callback registered with `pending` is still there: its events are still to
    commit (a rolled-back savepoint takes its callbacks, and its task row, with it)."""
    marker = getattr(connection, "_notification_marker", None)
    return pending is not None and any(
        callback is marker for _, callback, _ in connection.run_on_commit
    )


def _write_task(connection, pending: list[int | list[int]]) -> None:
    """The transaction's `fan_out` task row, naming its events so far (`pending`, which
    further events extend). Not when those events were rolled back meanwhile."""
    if connection._notification_events is not pending or not _registered(connection, pending):
        return
    from .tasks import fan_out  # here: tasks imports this module

    if not together.holding():
        connection._notification_task = fan_out.enqueue(list(pending)).id
        return
    # Held with the block's other writes: the row `enqueue` writes, built as its backend
    # builds it (tests/notifications/test_subscriber.py compares the two). django_tasks'
    # `task_enqueued` signal, whose one receiver logs at debug level, is not sent.
    backend = fan_out.get_backend()
    row = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": [list(pending)], "kwargs": {}}),
        priority=fan_out.priority,
        task_path=fan_out.module_path,
        queue_name=fan_out.queue_name,
        run_after=fan_out.run_after,
        backend_name=backend.alias,
    )
    insert(row, returning=False)
    connection._notification_task = row.id


def _queue_in_transaction() -> bool:
    from .tasks import fan_out

    return isinstance(fan_out.get_backend(), DatabaseBackend)


def _committed() -> None:
    connection = transaction.get_connection()
    connection._notification_events = None
    connection._notification_task = None
    connection._notification_marker = None


def _flush() -> None:
    """After the commit, for a task queue outside the database: enqueue the transaction's
    events. A failure is logged: the change is committed, `catch_up` finds the events."""
    connection = transaction.get_connection()
    event_ids = getattr(connection, "_notification_events", None) or []
    connection._notification_events = None
    connection._notification_marker = None
    if not event_ids:
        return
    from .tasks import fan_out

    try:
        fan_out.enqueue(event_ids)
    except Exception:
        logger.warning("Could not enqueue the fan-out of %s", event_ids, exc_info=True)


# --- 2. on the worker: who is told ---------------------------------------------------------


@dataclass
class Notice:
    """Tell the people of `workshop` with one of `roles` (when they may see it)."""

    kind: str
    workshop_id: int
    roles: frozenset
    key: str
    link: str
    data: dict[str, Any] = field(default_factory=dict)
    # Which access check applies: "event" (in the person's view of the log), "posting",
    # "drawing" or "step".
    check: str = "event"
    check_arg: Any = None
    # A consequence nobody chose (a step turned late-risk) is told to the actor too.
    tell_actor: bool = False


def _job_words(job) -> str:
    return str(job)


def _order_link(order: Order) -> str:
    return reverse("order_detail", args=[order.uuid])


def _job_link(job) -> str:
    return reverse("job_detail", args=[job.uuid])


def notices_for(event: ProgressEvent) -> list[Notice]:
    """Whose turn it is after `event`, by workshop and role (before any access check)."""
    job, kind, key = event.job, event.kind, f"event:{event.pk}"
    words = {"job": _job_words(job)}
    notices: list[Notice] = []
    order = event.order
    if kind == "order.requested":
        notices.append(
            Notice(
                "request.received",
                order.supplier_id,
                MANAGERS,
                key,
                _order_link(order),
                {**words, "buyer": order.buyer.name},
            )
        )
    elif kind in ("order.accepted", "order.declined"):
        data = {**words, "supplier": order.supplier.name}
        if kind == "order.declined":
            data["reason"] = event.data.get("reason") or order.decline_reason
            # A code, shown in the reader's language when the notice is read.
            data["reason_code"] = event.data.get("code") or order.decline_code
        notices.append(
            Notice(
                "request.accepted" if kind == "order.accepted" else "request.declined",
                order.buyer_id,
                MANAGERS,
                key,
                _order_link(order),
                data,
            )
        )
    elif kind == "order.countered":
        notices.append(
            Notice(
                "counter.received",
                order.buyer_id,
                MANAGERS,
                key,
                _order_link(order),
                {**words, "supplier": order.supplier.name},
            )
        )
    elif kind in ("order.counter_accepted", "order.counter_declined"):
        data = {**words, "buyer": order.buyer.name}
        if kind == "order.counter_declined" and event.data.get("reason"):
            data["reason"] = event.data["reason"]
        notices.append(
            Notice(
                "counter.accepted" if kind == "order.counter_accepted" else "counter.declined",
                order.supplier_id,
                MANAGERS,
                key,
                _order_link(order),
                data,
            )
        )
    elif kind == "order.payment_date_late":
        data = {**words, "latest": event.data.get("latest_lawful", "")}
        for shop in (order.buyer_id, order.supplier_id):
            notices.append(
                Notice(
                    "payment.date_late",
                    shop,
                    MANAGERS,
                    key,
                    _order_link(order),
                    data,
                    tell_actor=True,  # a consequence of a receipt, not a choice
                )
            )
    elif kind in ("payment.recorded", "payment.flagged"):
        data = {**words, "buyer": order.buyer.name}
        shops = (
            (order.buyer_id, order.supplier_id)
            if kind == "payment.flagged"
            else (order.supplier_id,)
        )
        for shop in shops:
            notices.append(
                Notice(
                    kind,
                    shop,
                    MANAGERS,
                    key,
                    _order_link(order),
                    data,
                    # A flag is a finding both parties keep, the recorder included.
                    tell_actor=kind == "payment.flagged",
                )
            )
    elif kind in ("offer.submitted", "offer.revised"):
        posting = Posting.objects.filter(uuid=event.data.get("posting")).first()
        offer = Offer.objects.filter(uuid=event.data.get("offer")).select_related("workshop")
        offer = offer.first()
        if posting is not None and offer is not None:
            notices.append(
                Notice(
                    "offer.received",
                    posting.buyer_id,
                    MANAGERS,
                    key,
                    reverse("posting_detail", args=[posting.uuid]),
                    {**words, "supplier": offer.workshop.name},
                    check="posting",
                    check_arg=posting,
                )
            )
    elif kind == "posting.awarded":
        posting = Posting.objects.filter(uuid=event.data.get("posting")).first()
        if posting is not None:
            link = reverse("posting_detail", args=[posting.uuid])
            for offer in Offer.objects.filter(
                posting=posting, status__in=[OfferStatus.AWARDED, OfferStatus.NOT_SELECTED]
            ):
                won = offer.status == OfferStatus.AWARDED
                notices.append(
                    Notice(
                        "offer.won" if won else "offer.lost",
                        offer.workshop_id,
                        MANAGERS,
                        key,
                        _order_link(posting.order) if won and posting.order else link,
                        words,
                        check="posting",
                        check_arg=posting,
                    )
                )
    elif kind == "handoff.shipped" and event.handoff_id:
        handoff = event.handoff
        notices.append(
            Notice(
                "parts.shipped",
                handoff.to_workshop_id,
                # A delivery to the buyer (no next step) is for its managers: its floor staff
                # see none of the steps.
                EVERYONE if handoff.to_step_id else MANAGERS,
                key,
                _job_link(job),
                {
                    **words,
                    "quantity": handoff.quantity_shipped,
                    "sender": handoff.from_workshop.name,
                },
            )
        )
    elif kind == "handoff.received" and event.handoff_id:
        handoff = event.handoff
        if handoff.shortfall > 0:
            notices.append(
                Notice(
                    "parts.short",
                    handoff.from_workshop_id,
                    MANAGERS,
                    key,
                    _job_link(job),
                    {
                        **words,
                        "receiver": handoff.to_workshop.name,
                        "received": handoff.quantity_received,
                        "shipped": handoff.quantity_shipped,
                    },
                )
            )
    elif kind == "drawing.revised":
        drawing = Drawing.objects.filter(uuid=event.data.get("drawing")).first()
        if drawing is not None:
            notices.extend(_drawing_notices(event, drawing, key, words))
    elif kind == "document.issued" and event.data.get("version", 1) > 1:
        # Version 1 goes with the request (or, on older orders, the acceptance), whose own
        # notice already tells the other side; a new version is news of its own.
        for workshop_id in (order.buyer_id, order.supplier_id):
            notices.append(
                Notice(
                    "document.issued",
                    workshop_id,
                    MANAGERS,
                    f"{key}:{workshop_id}",
                    _order_link(order),
                    {**words, "version": event.data.get("version", 1)},
                )
            )
    elif kind in ("job.cancelled", "job.closed"):
        # The suppliers whose orders were live when the hub ended the job (named by the event).
        data = {**words, "hub": job.owner.name, "end_reason": event.data.get("reason", "")}
        for workshop_id in Workshop.objects.filter(
            uuid__in=event.data.get("suppliers") or []
        ).values_list("pk", flat=True):
            notices.append(Notice(kind, workshop_id, MANAGERS, key, _job_link(job), data))
    elif kind == "order.rated":
        notices.append(
            Notice(
                "rating.received",
                order.supplier_id,
                MANAGERS,
                key,
                reverse("workshop_ratings", args=[order.supplier.uuid]),
                {**words, "buyer": order.buyer.name},
            )
        )
    if kind in LATE_RISK_KINDS:
        notices.extend(_late_risk_notices(job, words))
    return notices


def _drawing_notices(event, drawing, key: str, words: dict) -> list[Notice]:
    """Everyone working on the job: the hub and every shop performing one of its steps. Who may
    see this drawing is decided per person by the drawings' own access helper."""
    job = event.job
    revision_at = event.created_at
    steps = list(
        Step.objects.filter(job=job)
        .exclude(status=StepStatus.CANCELLED)
        .values_list("workshop_id", "status", "started_at")
    )
    started_on_old = {
        shop
        for shop, status, started in steps
        if status in (StepStatus.IN_PROGRESS, StepStatus.ON_HOLD)
        and started is not None
        and started < revision_at
    }
    data = {**words, "number": drawing.number, "label": event.data.get("label", "")}
    shops = dict.fromkeys([job.owner_id, *(shop for shop, _, _ in steps)])
    return [
        Notice(
            "drawing.revised",
            shop,
            EVERYONE,
            key,
            reverse("job_drawings", args=[job.uuid]),
            {**data, "started_on_old": event.data.get("superseded", "")}
            if shop in started_on_old
            else data,
            check="drawing",
            check_arg=drawing,
        )
        for shop in shops
    ]


def _late_risk_notices(job, words: dict) -> list[Notice]:
    """Each step that is late-risk now, told once to its shop (key per step)."""
    return [
        Notice(
            "step.late_risk",
            step.workshop_id,
            EVERYONE,
            f"late:{step.pk}",
            _job_link(job),
            {**words, "step": step.label},
            check="step",
            check_arg=step,
            tell_actor=True,
        )
        for step in Step.objects.filter(job=job, late_risk=True)
        .exclude(status__in=FINISHED_STEP_STATES)
        .select_related("process")
    ]


def posting_closing_notices(posting: Posting) -> list[Notice]:
    """A posting closes within a day: the invited shops that have not offered."""
    offered = set(
        Offer.objects.filter(posting=posting, status=OfferStatus.ACTIVE).values_list(
            "workshop_id", flat=True
        )
    )
    link = reverse("posting_detail", args=[posting.uuid])
    return [
        Notice(
            "posting.closing",
            workshop_id,
            MANAGERS,
            f"closing:{posting.pk}",
            link,
            {"job": _job_words(posting.job)},
            check="posting",
            check_arg=posting,
        )
        for workshop_id in posting.invites.values_list("workshop_id", flat=True)
        if workshop_id not in offered
    ]


# --- who may see it ---------------------------------------------------------------------------


class Visibility:
    """Answers "may this person see what the notice is about?" with the pages' own helpers.
    What a person may see depends only on their memberships, so each answer is kept per set of
    memberships: twenty people of one shop cost one check."""

    def __init__(self, event: ProgressEvent | None, job) -> None:
        self.event, self.job = event, job
        self.cache: dict[tuple, bool] = {}

    def allows(self, user: User, signature: tuple, notice: Notice) -> bool:
        key = (signature, notice.check, getattr(notice.check_arg, "pk", None), notice.workshop_id)
        if key not in self.cache:
            self.cache[key] = self._check(user, notice)
        return self.cache[key]

    def _check(self, user: User, notice: Notice) -> bool:
        if notice.check == "posting":
            try:
                access = get_posting_for(user, notice.check_arg.uuid)
            except Http404:
                return False
            # The hub hears of offers; an invited shop of its own offer and of the deadline.
            return access.is_buyer if notice.kind == "offer.received" else not access.is_buyer
        if notice.check == "drawing":
            access = drawing_access(user, self.job)
            return access is not None and access.sees_drawing(notice.check_arg)
        access = job_access(user, self.job)
        if access is None:
            return False
        if notice.check == "step":
            return access.sees_step(notice.check_arg)
        return access.events().filter(pk=self.event.pk).exists()


def _people(notices: list[Notice]) -> dict[int, list[tuple[User, str]]]:
    """workshop id -> [(member, role)], in one query."""
    shops = {n.workshop_id for n in notices}
    result: dict[int, list[tuple[User, str]]] = defaultdict(list)
    for membership in Membership.objects.filter(workshop_id__in=shops).select_related("user"):
        if membership.user.is_active:
            result[membership.workshop_id].append((membership.user, membership.role))
    return result


def _signatures(user_ids: Iterable[int]) -> dict[int, tuple]:
    rows: dict[int, list] = defaultdict(list)
    for user_id, workshop_id, role in Membership.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "workshop_id", "role"
    ):
        rows[user_id].append((workshop_id, role in MANAGING_ROLES))
    return {user_id: tuple(sorted(rows[user_id])) for user_id in rows}


def decide(
    notices: list[Notice], *, event: ProgressEvent | None, job, actor_id: int | None
) -> list[Notification]:
    """The notifications to create: each notice for each member of its shop with the role,
    who may see it, is not the actor, and has not been told of it already."""
    if not notices:
        return []
    people = _people(notices)
    signatures = _signatures({u.pk for members in people.values() for u, _ in members})
    visibility = Visibility(event, job)
    chosen: dict[tuple[int, str], Notification] = {}
    for notice in notices:
        for user, role in people.get(notice.workshop_id, []):
            if role not in notice.roles or (user.pk == actor_id and not notice.tell_actor):
                continue
            if (user.pk, notice.key) in chosen:
                continue
            if not visibility.allows(user, signatures.get(user.pk, ()), notice):
                continue
            link = notice.link
            if role == Role.FLOOR and notice.kind in ("parts.shipped", "step.late_risk"):
                link = reverse("floor")
            chosen[(user.pk, notice.key)] = Notification(
                user=user,
                kind=notice.kind,
                key=notice.key,
                workshop_id=notice.workshop_id,
                job=job,
                event=event,
                actor_id=actor_id,
                link=link,
                data=notice.data,
            )
    if not chosen:
        return []
    told = set(
        Notification.objects.filter(
            user_id__in={u for u, _ in chosen}, key__in={k for _, k in chosen}
        ).values_list("user_id", "key")
    )
    return [n for pair, n in chosen.items() if pair not in told]


def store(notifications: list[Notification]) -> list[Notification]:
    """Insert; a row another worker inserted meanwhile is skipped, not an error."""
    if not notifications:
        return []
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(notifications)
    except IntegrityError:
        created = []
        for n in notifications:
            try:
                with transaction.atomic():
                    n.save()
                created.append(n)
            except IntegrityError:
                continue
        return created


def fan_out_event(event: ProgressEvent) -> list[Notification]:
    """Decide and store the notifications of one event, once: the `FannedOut` row is taken
    first, so a second run of the same event (a retried task, the repair sweep) does nothing."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                FannedOut.objects.create(event=event)
        except IntegrityError:
            return []
        notices = notices_for(event)
        return store(decide(notices, event=event, job=event.job, actor_id=event.actor_id))


def events_by_id(refs: list[int | list[int]]) -> list[ProgressEvent]:
    """The events a fan-out names: each by its key, or as [job, seq] (`events.event_ref`)."""
    match = events_named(refs)
    return list(
        ProgressEvent.objects.filter(match)
        .select_related(
            "job__owner",
            "order__buyer",
            "order__supplier",
            "handoff__from_workshop",
            "handoff__to_workshop",
        )
        .order_by("pk")
    )


def unfanned_events(*, older_than: dt.timedelta, within: dt.timedelta, limit: int = 500):
    """Events of the last `within` no fan-out has read, older than `older_than` (so a fan-out
    that is merely queued is left to its task)."""
    now = timezone.now()
    return (
        ProgressEvent.objects.filter(created_at__lt=now - older_than, created_at__gte=now - within)
        .exclude(pk__in=FannedOut.objects.values("event_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def closing_postings(now: dt.datetime | None = None):
    now = now or timezone.now()
    return Posting.objects.filter(
        status=PostingStatus.OPEN, answer_by__gt=now, answer_by__lte=now + dt.timedelta(hours=24)
    ).select_related("job", "buyer")
