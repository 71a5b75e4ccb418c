"""Who is told of each kind, and who is not: through the real subscriber (the hook in the
event log, the fan-out task on the worker, the access helpers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from board import services as board_services
from notifications import subscriber
from notifications.kinds import details_of
from notifications.models import FannedOut, Notification
from notifications.tasks import catch_up, fan_out, postings_closing
from orders.models import ProgressEvent
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.jobs import job_cancel, job_close
from orders.services.progress import step_done, step_start
from orders.services.ratings import rating_create
from orders.services.routing import order_accept, order_change_terms, order_decline, order_request
from tests.board.test_services import offer, post
from tests.conftest import make_user
from tests.drawings.conftest import add_drawing
from tests.orders.conftest import add, in_days, post_job, terms
from tests.orders.test_ratings import delivered_order
from tests.tasks import run_tasks
from workshops.models import Role
from workshops.services import membership_add

from .conftest import told

pytestmark = pytest.mark.django_db


def one_step_job(chain):
    job = post_job(chain)
    return job, add(job, chain, "L")


def test_a_request_tells_the_suppliers_managers_not_its_floor_nor_the_actor(chain, act):
    job, step = one_step_job(chain)
    manager = make_user("turner-manager")
    membership_add(workshop=chain.turner, user=manager, role=Role.MANAGER, actor=None)
    with act():
        order = order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
        )
    assert told() == [("turner-manager", "request.received"), ("turner-owner", "request.received")]
    n = Notification.objects.get(user=chain.turner_owner)
    assert n.link == f"/orders/{order.uuid}/"
    assert n.data["buyer"] == chain.hub.name
    assert n.event.kind == "order.requested"
    assert n.actor == chain.hub_owner
    assert n.read_at is None


def test_accepted_tells_the_buyer_and_version_1_needs_no_notice_of_its_own(chain, act):
    job, step = one_step_job(chain)
    with act():
        order = order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
        )
    # Version 1 goes with the request: the request's notice is the supplier's news of it.
    assert told() == [("turner-owner", "request.received")]
    with act():
        order_accept(order=order, actor=chain.turner_owner)
    # The acceptance (注文請書) is the buyer's news; no second notice for the document.
    assert told("request.accepted") == [("hub-owner", "request.accepted")]
    assert told("document.issued") == []


def test_declined_tells_the_buyer_with_the_reason(chain, act):
    job, step = one_step_job(chain)
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    with act():
        order_decline(order=order, actor=chain.turner_owner, reason="旋盤が満杯")
    assert told() == [("hub-owner", "request.declined")]
    assert Notification.objects.get().data["reason"] == "旋盤が満杯"


def test_a_declined_reason_code_is_kept_as_a_code_and_read_in_the_readers_language(chain, act):
    job, step = one_step_job(chain)
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    with act():
        order_decline(order=order, actor=chain.turner_owner, code="fully_booked")
    data = Notification.objects.get().data
    assert data["reason_code"] == "fully_booked" and not data["reason"]
    with translation.override("ja"):
        assert details_of(data) == ["理由: 手一杯で受けられない"]
    with translation.override("en"):
        assert details_of(data) == ["Reason: Fully booked"]


def test_a_changed_document_tells_the_other_side(chain, act, routed_job):
    _job, _steps, orders = routed_job
    with act():
        order_change_terms(
            order=orders["plating"],
            actor=chain.hub_owner,
            terms=terms(price=16000, due_date=in_days(14), payment_due_date=in_days(45)),
            reason="単価改定",
        )
    assert told("document.issued") == [("plater-owner", "document.issued")]


def test_an_offer_tells_the_hub_and_the_award_tells_winner_and_loser(chain, act, board):
    posting = post(chain, board)
    with act():
        offer(chain, posting, "turner")
    assert told() == [("hub-owner", "offer.received")]
    first = offer(chain, posting, "grinder")
    Notification.objects.all().delete()
    with act():
        board_services.posting_award(
            posting=posting, offer=first, actor=chain.hub_owner, terms=terms()
        )
    assert told("offer.won") == [("grinder-owner", "offer.won")]
    assert told("offer.lost") == [("turner-owner", "offer.lost")]
    # The award is also a request to the winner, answered on its order page.
    assert told("request.received") == [("grinder-owner", "request.received")]
    assert ("stranger-owner", "offer.lost") not in told()


def turned_and_shipped(chain, steps):
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    return handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)


def test_shipped_parts_tell_the_receiving_shop_floor_included(chain, act, routed_job):
    _job, steps, _orders = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    with act():
        handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    assert told("parts.shipped") == [
        ("grinder-floor", "parts.shipped"),
        ("grinder-owner", "parts.shipped"),
    ]
    floor_link = Notification.objects.get(user=chain.grinder_floor).link
    assert floor_link == "/floor/"
    assert Notification.objects.get(user=chain.grinder_owner).data["quantity"] == 100


def test_a_short_receipt_tells_the_shipping_shops_managers(chain, act, routed_job):
    job, steps, _orders = routed_job
    handoff = turned_and_shipped(chain, steps)
    with act():
        handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=97)
    assert told("parts.short") == [("turner-owner", "parts.short")]
    assert Notification.objects.get(kind="parts.short").data == {
        "job": str(job),
        "receiver": chain.grinder.name,
        "received": 97,
        "shipped": 100,
    }


def test_a_full_receipt_tells_nobody_it_was_short(chain, act, routed_job):
    _job, steps, _orders = routed_job
    handoff = turned_and_shipped(chain, steps)
    with act():
        handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=100)
    assert told("parts.short") == []


def test_a_step_turning_late_risk_tells_its_shop_once(chain, act):
    job = post_job(chain, due_date=in_days(1))
    step = add(job, chain, "L", hours=200)
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    with act():
        order_accept(order=order, actor=chain.turner_owner)
    step.refresh_from_db()
    assert step.late_risk
    assert told("step.late_risk") == [
        ("turner-floor", "step.late_risk"),
        # The owner accepted; late risk is not something they did, so they hear of it too.
        ("turner-owner", "step.late_risk"),
    ]
    with act():
        step_start(step=step, actor=chain.turner_floor)
    assert len(told("step.late_risk")) == 2  # not twice


def test_a_new_revision_tells_everyone_working_on_the_job_who_may_see_it(chain, act, routed_job):
    job, steps, _orders = routed_job
    drawing = add_drawing(chain, job, "png", number="MR-1", steps=[steps["L"]])
    step_start(step=steps["L"], actor=chain.turner_floor)
    with act():
        add_drawing(chain, job, "png", number="MR-1")
    # The turner's order shows the drawing of its step; the hub's floor sees the hub's own.
    assert told("drawing.revised") == [
        ("hub-floor", "drawing.revised"),
        ("turner-floor", "drawing.revised"),
        ("turner-owner", "drawing.revised"),
    ]
    turner = Notification.objects.get(user=chain.turner_floor)
    assert turner.data["started_on_old"] == drawing.label
    assert "started_on_old" not in Notification.objects.get(user=chain.hub_floor).data


def test_a_rating_tells_the_supplier(chain, act):
    order = delivered_order(chain)
    with act():
        rating_create(order=order, actor=chain.hub_owner, quality=5, delivery=4, cost=3)
    assert told("rating.received") == [("turner-owner", "rating.received")]


def test_a_posting_closing_within_a_day_tells_invited_shops_that_have_not_offered(
    chain, act, board
):
    posting = post(chain, board, answer_by=timezone.now() + dt.timedelta(hours=20))
    offer(chain, posting, "turner")
    Notification.objects.all().delete()
    postings_closing.call()
    postings_closing.call()  # the next run tells nobody again
    assert told() == [("grinder-owner", "posting.closing")]


def test_a_posting_closing_later_tells_nobody(chain, board):
    post(chain, board, answer_by=timezone.now() + dt.timedelta(hours=30))
    assert postings_closing.call() == 0


def test_district_staff_and_strangers_are_never_told(chain, act, routed_job, board):
    _job, _steps, orders = routed_job
    posting = post(chain, board)
    with act():
        offer(chain, posting, "turner")
        order_change_terms(
            order=orders["top"], actor=chain.hub_owner, terms=terms(price=125000), reason="改定"
        )
    users = set(Notification.objects.values_list("user__username", flat=True))
    assert users
    assert not users & {"assoc", "stranger-owner", "stranger-floor"}


def test_each_event_is_fanned_out_once_however_often_the_task_runs(chain, act):
    job, step = one_step_job(chain)
    with act():
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
        )
    event = ProgressEvent.objects.get(kind="order.requested")
    from notifications.tasks import fan_out

    assert fan_out.call([event.pk]) == 0
    assert subscriber.fan_out_event(event) == []
    assert told() == [("turner-owner", "request.received")]


def test_an_event_whose_task_was_lost_is_caught_up_from_the_log(chain, settings):
    settings.NOTIFICATIONS_CATCH_UP_AFTER = 60
    job, step = one_step_job(chain)
    order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
    )
    # The task was queued with the change; it is lost (deleted by hand, or it gave up).
    assert DBTaskResult.objects.filter(task_path=fan_out.module_path).delete()[0] == 1
    assert run_tasks() == 0
    ProgressEvent.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    catch_up.call()
    assert told() == [("turner-owner", "request.received")]
    assert FannedOut.objects.count() == ProgressEvent.objects.filter(job=job).count()
    catch_up.call()
    assert len(told()) == 1


def _queued_fan_outs() -> list[list[int]]:
    """The events each queued fan-out names (by key, or as [job, seq]), as keys."""
    return [
        [event.pk for event in subscriber.events_by_id(r.args_kwargs["args"][0])]
        for r in DBTaskResult.objects.filter(task_path=fan_out.module_path).order_by("enqueued_at")
    ]


def test_the_task_row_a_tap_holds_is_the_row_enqueue_writes(chain):
    """A floor tap holds its writes (core/together.py, on PostgreSQL): its fan-out's row is
    built by hand, and must be the row django_tasks' `enqueue` writes, naming the tap's
    events."""
    _job, step = one_step_job(chain)
    DBTaskResult.objects.all().delete()
    before = ProgressEvent.objects.latest("pk").pk
    connection._notification_events = None  # a new transaction, as a request's
    with transaction.atomic():
        step_start(step=step, actor=chain.hub_owner)
    (held,) = DBTaskResult.objects.filter(task_path=fan_out.module_path)
    named = held.args_kwargs["args"][0]
    queued = DBTaskResult.objects.get(id=fan_out.enqueue(named).id)
    fields = [f.attname for f in DBTaskResult._meta.concrete_fields]
    different = {"id", "enqueued_at"}
    assert {f: getattr(held, f) for f in fields if f not in different} == {
        f: getattr(queued, f) for f in fields if f not in different
    }
    started = list(ProgressEvent.objects.filter(pk__gt=before).order_by("pk"))
    assert [e.kind for e in started] == ["step.started"]
    assert subscriber.events_by_id(named) == started


def test_the_fan_out_is_queued_in_the_change_s_transaction_once_for_all_its_events(chain):
    """The task is written with the change (no transaction of its own after the commit), and
    one task names every event of the transaction: the last step done completes the job."""
    _job, step = one_step_job(chain)
    step_start(step=step, actor=chain.hub_owner)
    DBTaskResult.objects.all().delete()
    before = ProgressEvent.objects.latest("pk").pk
    connection._notification_events = None  # a new transaction, as a request's
    with transaction.atomic():
        step_done(step=step, actor=chain.hub_owner, good=1)
        # Before the commit: the task is there, with both events.
        events = dict(ProgressEvent.objects.filter(pk__gt=before).values_list("kind", "pk"))
        assert set(events) == {"step.done", "job.completed"}
        assert _queued_fan_outs() == [sorted(events.values())]


def test_a_rolled_back_change_queues_no_fan_out(chain, routed_job):
    _job, steps, _orders = routed_job
    DBTaskResult.objects.all().delete()
    connection._notification_events = None
    with transaction.atomic():
        try:
            with transaction.atomic():
                step_start(step=steps["L"], actor=chain.turner_owner)
                assert len(_queued_fan_outs()) == 1
                raise RuntimeError("the request fails after the event")
        except RuntimeError:
            pass
        # A later change in the same transaction gets a task of its own, naming only itself.
        step_start(step=steps["L"], actor=chain.turner_owner)
        started = ProgressEvent.objects.filter(kind="step.started").latest("pk")
        assert _queued_fan_outs() == [[started.pk]]


def test_a_rolled_back_change_tells_nobody(chain, act):
    job, step = one_step_job(chain)
    with act():
        try:
            with transaction.atomic():
                order_request(
                    job=job,
                    actor=chain.hub_owner,
                    supplier=chain.turner,
                    steps=[step],
                    terms=terms(),
                )
                raise RuntimeError("the request fails after the event")
        except RuntimeError:
            pass
    assert told() == []


def test_notifications_off_decides_nothing(chain, act, settings):
    settings.NOTIFICATIONS_ENABLED = False
    job, step = one_step_job(chain)
    with act():
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[step], terms=terms()
        )
    assert told() == []
    assert FannedOut.objects.count() == 0


def test_a_cancelled_job_tells_every_supplier_with_a_live_order_but_not_the_hub(chain, act):
    job = post_job(chain)
    turn = add(job, chain, "L")
    plate = add(job, chain, "PLT", after=[turn])
    grind = add(job, chain, "G", after=[plate])
    accepted = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_accept(order=accepted, actor=chain.turner_owner)
    order_request(
        job=job, actor=chain.hub_owner, supplier=chain.plater, steps=[plate], terms=terms()
    )
    declined = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.grinder, steps=[grind], terms=terms()
    )
    order_decline(order=declined, actor=chain.grinder_owner, reason="満杯")
    with act():
        job_cancel(
            job=job, actor=chain.hub_owner, reason="customer_cancelled", suppliers_agreed=True
        )
    # The turner (accepted) and the plater (asked) are told; the grinder had already declined;
    # floor staff see their queue change and are not told; the hub acted.
    assert told() == [("plater-owner", "job.cancelled"), ("turner-owner", "job.cancelled")]
    n = Notification.objects.get(user=chain.turner_owner)
    assert n.link == f"/jobs/{job.uuid}/"
    assert n.data["hub"] == chain.hub.name
    assert n.data["end_reason"] == "customer_cancelled"
    assert n.event.kind == "job.cancelled"


def test_a_closed_job_notice_reads_in_the_readers_language(chain, act):
    from django.utils import translation

    from notifications.kinds import details_of, title_of

    job = post_job(chain)
    turn = add(job, chain, "L")
    add(job, chain, "ASM", after=[turn])
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=100)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    handoff_receive(handoff=handoff, actor=chain.hub_floor, quantity=100)
    with act():
        job_close(job=job, actor=chain.hub_owner, reason="rest_not_needed")
    n = Notification.objects.get()
    assert (n.user, n.kind) == (chain.turner_owner, "job.closed")
    with translation.override("en"):
        assert (
            title_of(n.kind, n.data) == f"{chain.hub.name} closed the job with what was made: {job}"
        )
        assert details_of(n.data) == ["Reason: The remaining steps are no longer needed"]
