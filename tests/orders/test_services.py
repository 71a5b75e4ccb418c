"""orders.services: the step state machine, the step DAG, routing, hand-offs and the event log.

A refused call raises Refused and writes nothing: no row changes anywhere, no ProgressEvent,
and the job's `last_seq` stays where it was.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from decimal import Decimal

import msgpack
import pytest
from django.utils import translation

from board import services as board_services
from core import realtime
from core.models import IdempotencyKey
from core.services import Refused
from orders.broadcast import event_payload
from orders.events import EVENT_LABELS
from orders.models import (
    HandOff,
    HandOffStatus,
    HoldReason,
    Job,
    JobStatus,
    Order,
    OrderDocument,
    OrderStatus,
    ProgressEvent,
    Step,
    StepLink,
    StepStatus,
)
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.jobs import (
    job_cancel,
    job_close,
    job_copy,
    job_update,
    step_add,
    step_link,
    step_remove,
    step_unlink,
    step_update,
)
from orders.services.progress import (
    TRANSITIONS,
    step_cancel,
    step_done,
    step_hold,
    step_resume,
    step_start,
)
from orders.services.ratings import rating_create, rating_reply
from orders.services.routing import (
    order_accept,
    order_change_terms,
    order_counter,
    order_counter_accept,
    order_counter_decline,
    order_decline,
    order_request,
    order_withdraw,
)
from orders.services.undo import step_undo
from tests.conftest import add_capability
from tests.orders.conftest import add, in_days, post_job, refreshed, terms
from workshops.models import Process

S = StepStatus


@pytest.fixture(autouse=True)
def _english():
    # Refusal messages are asserted in English; the site's default language is Japanese.
    with translation.override("en"):
        yield


# --- Helpers -------------------------------------------------------------------------------------

WRITTEN_BY_ORDERS = (
    Job,
    Step,
    StepLink,
    Order,
    OrderDocument,
    HandOff,
    ProgressEvent,
    IdempotencyKey,
)


def db_state() -> dict[str, list[dict]]:
    """Every row an orders service may write, so a refusal can be shown to write nothing."""
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in WRITTEN_BY_ORDERS}
    state["order_steps"] = sorted(Order.steps.through.objects.values_list("order_id", "step_id"))
    return state


@contextmanager
def refused(*words: str):
    """The block must raise Refused, mention each of `words`, and leave the database as it was."""
    jobs_before = {j.pk: (j.last_seq, j.events.count()) for j in Job.objects.all()}
    before = db_state()
    with pytest.raises(Refused) as info:
        yield info
    message = " ".join(info.value.messages)
    for word in words:
        assert word.lower() in message.lower(), message
    assert {j.pk: (j.last_seq, j.events.count()) for j in Job.objects.all()} == jobs_before
    assert db_state() == before


def kinds(job: Job, after: int = 0) -> list[str]:
    return list(job.events.filter(seq__gt=after).order_by("seq").values_list("kind", flat=True))


def last_seq(job: Job) -> int:
    return Job.objects.values_list("last_seq", flat=True).get(pk=job.pk)


def assert_log_intact(job: Job) -> None:
    seqs = list(job.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert last_seq(job) == len(seqs)


def two_in_house(chain):
    """first → second, both done at the hub."""
    job = post_job(chain)
    first = add(job, chain, "L", 2, title="first")
    second = add(job, chain, "M", 2, after=[first], title="second")
    return job, refreshed(first), refreshed(second)


def do(chain, action: str, step: Step, actor="performer", **extra) -> Step:
    floor = {
        chain.hub.pk: chain.hub_floor,
        chain.turner.pk: chain.turner_floor,
        chain.grinder.pk: chain.grinder_floor,
    }
    who = floor[refreshed(step).workshop_id] if actor == "performer" else actor
    if action == "start":
        return step_start(step=step, actor=who)
    if action == "done":
        extra.setdefault("good", step.quantity)
        return step_done(step=step, actor=who, **extra)
    if action == "hold":
        extra.setdefault("reason", "machine")
        return step_hold(step=step, actor=who, **extra)
    if action == "resume":
        return step_resume(step=step, actor=who)
    if action == "cancel":
        who = chain.hub_owner if actor == "performer" else who
        return step_cancel(step=step, actor=who)
    raise AssertionError(action)


def run_through(chain, step: Step, good: int | None = None, scrap: int = 0) -> Step:
    do(chain, "start", step)
    return do(chain, "done", step, good=step.quantity if good is None else good, scrap=scrap)


# --- The step state machine ----------------------------------------------------------------------

# Written out here, not read from TRANSITIONS, so a wrong edit to the table fails a test.
EXPECTED_FROM = {
    "start": {S.READY},
    "done": {S.IN_PROGRESS},
    "hold": {S.PLANNED, S.READY, S.IN_PROGRESS},
    "resume": {S.ON_HOLD},
    "cancel": {S.PLANNED, S.READY, S.IN_PROGRESS, S.ON_HOLD},
}
EVENT_OF = {
    "start": "step.started",
    "done": "step.done",
    "hold": "step.held",
    "resume": "step.resumed",
    "cancel": "step.cancelled",
}
# Each state a step can be in, reached through the services; on-hold three ways.
STATES = [
    "planned",
    "ready",
    "in_progress",
    "on_hold_from_planned",
    "on_hold_from_ready",
    "on_hold_from_in_progress",
    "done",
    "cancelled",
]


def step_in_state(chain, state: str) -> tuple[Job, Step]:
    job, first, second = two_in_house(chain)
    if state == "planned":
        return job, second
    if state == "on_hold_from_planned":
        return job, do(chain, "hold", second)
    if state == "in_progress":
        do(chain, "start", first)
    elif state == "on_hold_from_ready":
        do(chain, "hold", first)
    elif state == "on_hold_from_in_progress":
        do(chain, "start", first)
        do(chain, "hold", first)
    elif state == "done":
        run_through(chain, first)
    elif state == "cancelled":
        do(chain, "cancel", first)
    return job, refreshed(first)


def test_the_transition_table_is_the_one_tested():
    assert set(TRANSITIONS) == set(EXPECTED_FROM)
    for action, (allowed, _end) in TRANSITIONS.items():
        assert set(allowed) == EXPECTED_FROM[action], action


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(EXPECTED_FROM))
def test_it_allows_or_refuses_each_transition_from_each_state(chain, action, state):
    job, step = step_in_state(chain, state)
    status = step.status
    seq = last_seq(job)
    if status not in EXPECTED_FROM[action]:
        with refused("is " + str(S(status).label)) as info:
            do(chain, action, step)
        assert info.value.code == f"bad_state_{action}"
        return

    result = do(chain, action, step)
    step = refreshed(step)
    new = kinds(job, after=seq)
    assert new[0] == EVENT_OF[action]
    assert_log_intact(job)
    event = job.events.get(seq=seq + 1)
    assert event.step_id == step.pk and event.actor is not None
    assert result.pk == step.pk
    if action == "start":
        assert step.status == S.IN_PROGRESS and step.started_at is not None
    elif action == "done":
        assert step.status == S.DONE and step.good_qty == step.quantity and step.scrap_qty == 0
        assert event.data == {"good": step.quantity, "scrap": 0}
        assert step.finished_at is not None
    elif action == "hold":
        assert step.status == S.ON_HOLD and step.held_from == status
        assert step.hold_reason == "machine" and event.data == {"reason": "machine"}
    elif action == "resume":
        held_from = {
            "on_hold_from_planned": S.PLANNED,  # still waits for `first`
            "on_hold_from_ready": S.READY,  # re-checked, and ready again
            "on_hold_from_in_progress": S.IN_PROGRESS,
        }[state]
        assert step.status == held_from and step.held_from == "" and step.hold_reason == ""
    elif action == "cancel":
        assert step.status == S.CANCELLED and step.finished_at is not None


def test_it_refuses_marking_done_a_step_that_has_not_started(chain):
    _job, first, _second = two_in_house(chain)
    assert first.status == S.READY
    with refused("in progress"):
        step_done(step=first, actor=chain.hub_floor, good=10)


def test_a_cancelled_predecessor_releases_its_successor(chain):
    job, first, second = two_in_house(chain)
    assert second.status == S.PLANNED
    do(chain, "cancel", first)
    assert refreshed(second).status == S.READY
    assert kinds(job)[-2:] == ["step.cancelled", "step.ready"]


def test_it_completes_the_job_when_every_step_is_finished(chain):
    job, first, second = two_in_house(chain)
    run_through(chain, first)
    assert refreshed(job).status == JobStatus.IN_PROGRESS
    run_through(chain, second)
    assert refreshed(job).status == JobStatus.DONE
    assert kinds(job)[-1] == "job.completed"
    with refused("finished"):
        add(job, chain, "D")


# --- Counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("good", "scrap", "words"),
    [
        (-1, 0, ["negative"]),
        (5, -1, ["negative"]),
        (0, 0, ["how many"]),
        (101, 0, ["exceed", "100"]),
        (95, 6, ["exceed", "100"]),
    ],
)
def test_it_refuses_bad_done_counts(chain, good, scrap, words):
    _job, first, _second = two_in_house(chain)
    do(chain, "start", first)
    with refused(*words):
        step_done(step=first, actor=chain.hub_floor, good=good, scrap=scrap)
    assert refreshed(first).status == S.IN_PROGRESS


def test_a_same_shop_successor_can_only_work_the_good_parts(chain):
    _job, first, second = two_in_house(chain)
    run_through(chain, first, good=90, scrap=10)
    do(chain, "start", second)
    with refused("exceed", "90"):
        step_done(step=second, actor=chain.hub_floor, good=91)
    step_done(step=second, actor=chain.hub_floor, good=88, scrap=2)


def test_it_refuses_a_hold_without_reason(chain):
    _job, first, _second = two_in_house(chain)
    with refused("reason"):
        step_hold(step=first, actor=chain.hub_floor, reason="  ")


@pytest.mark.parametrize("reason", ["Machine down", "設備故障", "MACHINE"])
def test_it_refuses_a_hold_reason_that_is_not_a_code(chain, reason):
    # Labels are for people, in their language; the step keeps the code.
    _job, first, _second = two_in_house(chain)
    with refused("hold reasons") as info:
        step_hold(step=first, actor=chain.hub_floor, reason=reason)
    assert (info.value.code, list(info.value.message_dict)) == ("reason_unknown", ["reason"])


def test_a_hold_keeps_the_code_and_the_note_and_the_event_carries_only_the_code(chain):
    job, first, _second = two_in_house(chain)

    step_hold(step=first, actor=chain.hub_floor, reason="machine", note="  主軸から異音  ")

    step = refreshed(first)
    assert (step.hold_reason, step.hold_note) == (HoldReason.MACHINE, "主軸から異音")
    event = job.events.get(kind="step.held")
    assert event.data == {"reason": "machine"}
    step_resume(step=step, actor=chain.hub_floor)
    assert (refreshed(first).hold_reason, refreshed(first).hold_note) == ("", "")


# --- Who may act ----------------------------------------------------------------------------------


def test_floor_staff_of_the_performing_shop_run_the_step(chain, routed_job):
    job, steps, _orders = routed_job
    turn = steps["L"]
    floor = chain.turner_floor
    step_hold(step=turn, actor=floor, reason="tooling")
    step_resume(step=turn, actor=floor)
    step_start(step=turn, actor=floor)
    step_done(step=turn, actor=floor, good=100)
    handoff = handoff_ship(step=turn, actor=floor, quantity=100)
    handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=100)
    acts = [k for k in kinds(job) if not k.startswith(("step.ready", "order.", "handoff.received"))]
    assert acts[-5:] == [
        "step.held",
        "step.resumed",
        "step.started",
        "step.done",
        "handoff.shipped",
    ]
    kinds_by_floor = job.events.filter(actor=floor).values_list("kind", flat=True)
    assert {"step.held", "step.resumed", "step.started", "step.done", "handoff.shipped"} <= set(
        kinds_by_floor
    )


@pytest.mark.parametrize("who", ["hub_owner", "hub_floor", "grinder_floor", "stranger_owner"])
@pytest.mark.parametrize("action", ["start", "hold"])
def test_only_the_performing_shop_moves_its_step(chain, routed_job, who, action):
    _job, steps, _orders = routed_job
    with refused("members of"):
        do(chain, action, steps["L"], actor=getattr(chain, who))


def test_only_the_performing_shop_marks_done_or_resumes_or_ships(chain, routed_job):
    _job, steps, _orders = routed_job
    turn = steps["L"]
    do(chain, "start", turn)
    with refused("members of"):
        step_done(step=turn, actor=chain.hub_floor, good=100)
    do(chain, "done", turn)
    with refused("members of"):
        handoff_ship(step=turn, actor=chain.hub_owner, quantity=1)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    with refused("members of"):
        handoff_receive(handoff=handoff, actor=chain.turner_floor, quantity=100)
    grind = steps["G"]
    handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=100)
    do(chain, "hold", grind)
    with refused("members of"):
        step_resume(step=grind, actor=chain.turner_owner)


def test_only_the_hub_cancels_a_step(chain):
    _job, first, _second = two_in_house(chain)
    with refused("owner or manager"):
        step_cancel(step=first, actor=chain.hub_floor)
    with refused("owner or manager"):
        step_cancel(step=first, actor=chain.stranger_owner)


def test_a_step_under_an_open_order_cannot_be_cancelled(chain, routed_job):
    _job, steps, _orders = routed_job
    with refused("open order"):
        step_cancel(step=steps["L"], actor=chain.hub_owner)


def test_floor_staff_cannot_accept_or_request_orders(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    grind = add(job, chain, "G", after=[turn])
    add_capability(chain.hub, "G")
    with refused("owner or manager"):
        order_request(
            job=job,
            actor=chain.hub_floor,
            supplier=chain.turner,
            steps=[turn, grind],
            terms=terms(),
        )
    top = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, grind], terms=terms()
    )
    with refused("owner or manager"):
        order_accept(order=top, actor=chain.turner_floor)
    with refused("owner or manager"):
        order_accept(order=top, actor=chain.hub_floor)
    with refused():
        order_accept(order=top, actor=chain.hub_owner)  # the buyer cannot accept
    order_accept(order=top, actor=chain.turner_owner)
    # The turner passes grinding back to the hub: the hub is now the supplier, and still its
    # floor staff may not accept.
    back = order_request(
        job=job,
        actor=chain.turner_owner,
        supplier=chain.hub,
        steps=[grind],
        parent=top,
        terms=terms(price=20000),
    )
    with refused("owner or manager"):
        order_accept(order=back, actor=chain.hub_floor)
    order_accept(order=back, actor=chain.hub_owner)
    assert refreshed(grind).workshop == chain.hub


# --- Routing --------------------------------------------------------------------------------------


def test_routed_steps_wait_until_accepted(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    assert refreshed(turn).status == S.READY
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    assert refreshed(turn).status == S.PLANNED
    with refused("cannot be started"):
        step_start(step=turn, actor=chain.hub_floor)
    order_accept(order=order, actor=chain.turner_owner)
    turn = refreshed(turn)
    assert turn.status == S.READY and turn.workshop == chain.turner
    assert set(kinds(job)[-3:]) == {"order.accepted", "acceptance.recorded", "step.ready"}
    # Version 1 went with the request; the acceptance is recorded against it.
    assert order.documents.count() == 1
    assert order.acceptances.get().document.version == 1


@pytest.mark.parametrize("how", ["decline", "withdraw"])
def test_routed_steps_are_ready_again_after_decline_or_withdraw(chain, how):
    job = post_job(chain)
    turn = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    assert refreshed(turn).status == S.PLANNED
    if how == "decline":
        with refused("why"):
            order_decline(order=order, actor=chain.turner_owner, reason="")
        order_decline(order=order, actor=chain.turner_owner, reason="手一杯")
    else:
        with refused("owner or manager"):
            order_withdraw(order=order, actor=chain.turner_owner)
        order_withdraw(order=order, actor=chain.hub_owner)
    turn = refreshed(turn)
    assert turn.status == S.READY and turn.workshop == chain.hub
    assert kinds(job)[-2:] == [f"order.{how}{'d' if how == 'decline' else 'n'}", "step.ready"]
    # The step may be routed again, and the decided request cannot be decided twice.
    with refused("already"):
        order_accept(order=order, actor=chain.turner_owner)
    again = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    assert again.status == OrderStatus.REQUESTED


def test_it_refuses_accepting_a_declined_request(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_decline(order=order, actor=chain.turner_owner, reason="設備故障")
    with refused("already", "declined"):
        order_accept(order=order, actor=chain.turner_owner)
    with refused("already"):
        order_decline(order=order, actor=chain.turner_owner, reason="again")
    assert refreshed(order).status == OrderStatus.DECLINED
    # The request's version 1 stays on record; nothing was issued or accepted after it.
    assert list(OrderDocument.objects.filter(order=order).values_list("version", flat=True)) == [1]
    assert not order.acceptances.exists()


def test_it_refuses_deciding_an_accepted_order_again(chain, routed_job):
    _job, _steps, orders = routed_job
    with refused("already"):
        order_accept(order=orders["top"], actor=chain.turner_owner)
    with refused("already"):
        order_decline(order=orders["top"], actor=chain.turner_owner, reason="no")
    with refused("already"):
        order_withdraw(order=orders["top"], actor=chain.hub_owner)


def test_it_refuses_a_supplier_without_the_capability(chain):
    job = post_job(chain)
    plate = add(job, chain, "PLT")
    with refused("capability", "plating"):
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[plate], terms=terms()
        )


def test_it_refuses_a_sub_supplier_without_the_capability(chain, routed_job):
    _job, _steps, _orders = routed_job
    job2 = post_job(chain)
    turn = add(job2, chain, "L")
    grind = add(job2, chain, "G", after=[turn])
    top = order_request(
        job=job2, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, grind], terms=terms()
    )
    order_accept(order=top, actor=chain.turner_owner)
    with refused("capability"):
        order_request(
            job=job2,
            actor=chain.turner_owner,
            supplier=chain.stranger,
            steps=[grind],
            parent=top,
            terms=terms(),
        )


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"due_date": in_days(-1)}, ["past"]),
        ({"payment_due_date": in_days(80)}, ["60 days"]),
        ({"price": 0}, ["more than 0"]),
        ({"price": -5}, ["more than 0"]),
        ({"price": "12.5"}, ["whole yen"]),
        ({"delivery_place": " "}, ["where"]),
        ({"payment_method": "promissory_note"}, ["promissory"]),
        ({"inspection_due_date": in_days(5)}, ["inspection"]),
    ],
)
def test_it_refuses_bad_order_terms(chain, overrides, words):
    job = post_job(chain)
    turn = add(job, chain, "L")
    with refused(*words):
        order_request(
            job=job,
            actor=chain.hub_owner,
            supplier=chain.turner,
            steps=[turn],
            terms=terms(**overrides),
        )


def test_it_refuses_changing_terms_to_a_past_date(chain, routed_job):
    _job, _steps, orders = routed_job
    with refused("past"):
        order_change_terms(
            order=orders["plating"],
            actor=chain.hub_owner,
            terms={"due_date": in_days(-2)},
            reason="早めて",
        )
    order = order_change_terms(
        order=orders["plating"],
        actor=chain.hub_owner,
        terms={"price": 16000},
        reason="材料高騰",
    )
    assert order.terms_version == 2
    assert list(order.documents.values_list("version", flat=True)) == [1, 2]


def test_a_supplier_cannot_route_a_step_it_does_not_perform(chain, routed_job):
    job, steps, orders = routed_job
    # The plating step belongs to the plater's order, not the turner's.
    with refused():
        order_request(
            job=job,
            actor=chain.turner_owner,
            supplier=chain.grinder,
            steps=[steps["PLT"]],
            parent=orders["top"],
            terms=terms(),
        )
    # Grinding was already passed on: the turner no longer performs it.
    with refused("not yours"):
        order_request(
            job=job,
            actor=chain.turner_owner,
            supplier=chain.stranger,
            steps=[steps["G"]],
            parent=orders["top"],
            terms=terms(),
        )
    # Without a parent order the turner would be routing the hub's job.
    with refused("owner or manager"):
        order_request(
            job=job,
            actor=chain.turner_owner,
            supplier=chain.grinder,
            steps=[steps["L"]],
            terms=terms(),
        )


def test_sub_orders_come_only_from_an_accepted_orders_steps(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    grind = add(job, chain, "G", after=[turn])
    assemble = add(job, chain, "ASM", after=[grind])
    top = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, grind], terms=terms()
    )
    with refused("accepted order"):
        order_request(
            job=job,
            actor=chain.turner_owner,
            supplier=chain.grinder,
            steps=[grind],
            parent=top,
            terms=terms(),
        )
    order_accept(order=top, actor=chain.turner_owner)
    # A step outside the parent order, even one the turner might do, is not its to pass on.
    with refused():
        order_request(
            job=job,
            actor=chain.turner_owner,
            supplier=chain.grinder,
            steps=[assemble],
            parent=top,
            terms=terms(),
        )
    sub = order_request(
        job=job,
        actor=chain.turner_owner,
        supplier=chain.grinder,
        steps=[grind],
        parent=top,
        terms=terms(price=30000),
    )
    with refused("already routed"):
        order_request(
            job=job,
            actor=chain.turner_owner,
            supplier=chain.grinder,
            steps=[grind],
            parent=top,
            terms=terms(price=30000),
        )
    assert sub.buyer == chain.turner and sub.parent == top


def test_it_refuses_a_request_for_steps_that_are_not_consecutive(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    plate = add(job, chain, "PLT", after=[turn])
    mill = add(job, chain, "M", after=[plate])
    with refused("consecutive"):
        order_request(
            job=job,
            actor=chain.hub_owner,
            supplier=chain.turner,
            steps=[turn, mill],
            terms=terms(),
        )
    order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )


def test_it_refuses_routing_a_started_step_or_to_oneself(chain):
    job, first, _second = two_in_house(chain)
    with refused("your own"):
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.hub, steps=[first], terms=terms()
        )
    do(chain, "start", first)
    with refused("started"):
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[first], terms=terms()
        )


# --- Shaping the job --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"due_date": in_days(-1)}, ["past"]),
        ({"quantity": 0}, ["at least 1"]),
        ({"quantity": -3}, ["at least 1"]),
    ],
)
def test_it_refuses_a_bad_job(chain, data, words):
    with refused(*words):
        post_job(chain, **data)
    assert not Job.objects.exists()


def test_it_refuses_bad_job_changes(chain):
    job, _first, _second = two_in_house(chain)
    with refused("past"):
        job_update(job=job, actor=chain.hub_owner, data={"due_date": in_days(-1)})
    with refused("at least 1"):
        job_update(job=job, actor=chain.hub_owner, data={"quantity": -1})
    with refused("owner or manager"):
        job_update(job=job, actor=chain.hub_floor, data={"notes": "x"})
    job_update(job=job, actor=chain.hub_owner, data={"notes": "急ぎ", "customer_name": "X"})
    event = job.events.order_by("-seq").first()
    assert event.kind == "job.updated"
    assert event.data["changes"]["customer_name"] == ["…", "…"]  # the customer stays private


def test_it_refuses_bad_steps(chain):
    job, first, _second = two_in_house(chain)
    mill = Process.objects.get(code="M")
    with refused("at least 1"):
        step_add(job=job, actor=chain.hub_owner, process=mill, planned_hours=1, quantity=-1)
    with refused("negative"):
        step_add(job=job, actor=chain.hub_owner, process=mill, planned_hours=-1)
    with refused("at least 1"):
        step_update(step=first, actor=chain.hub_owner, data={"quantity": -5})
    with refused("negative"):
        step_update(step=first, actor=chain.hub_owner, data={"planned_hours": "-0.5"})
    other, _a, _b = two_in_house(chain)
    with refused("same job"):
        step_add(job=other, actor=chain.hub_owner, process=mill, planned_hours=1, after=[first])


def test_it_refuses_a_cycle_in_the_step_dag(chain):
    job = post_job(chain)
    a = add(job, chain, "L", title="a")
    b = add(job, chain, "M", after=[a], title="b")
    c = add(job, chain, "G", after=[b], title="c")
    for pred, succ in ((c, a), (b, a), (c, b), (a, a)):
        with refused("cycle"):
            step_link(predecessor=pred, successor=succ, actor=chain.hub_owner)
    _other, x, _y = two_in_house(chain)
    with refused("same job"):
        step_link(predecessor=x, successor=c, actor=chain.hub_owner)
    # A link that closes no cycle is fine.
    step_link(predecessor=a, successor=c, actor=chain.hub_owner)
    assert kinds(job)[-1] == "step.linked"


def test_linking_makes_a_ready_step_wait_and_unlinking_releases_it(chain):
    job = post_job(chain)
    a = add(job, chain, "L")
    b = add(job, chain, "M")
    assert refreshed(b).status == S.READY
    step_link(predecessor=a, successor=b, actor=chain.hub_owner)
    assert refreshed(b).status == S.PLANNED
    step_unlink(predecessor=a, successor=b, actor=chain.hub_owner)
    assert refreshed(b).status == S.READY
    assert kinds(job)[-3:] == ["step.linked", "step.unlinked", "step.ready"]


def test_step_remove_joins_predecessors_to_successors(chain):
    job = post_job(chain)
    a = add(job, chain, "L", title="a")
    d = add(job, chain, "D", title="d")
    b = add(job, chain, "M", after=[a, d], title="b")
    c = add(job, chain, "G", after=[b], title="c")
    add(job, chain, "INS", after=[b], title="e")
    step_link(predecessor=a, successor=c, actor=chain.hub_owner)  # already implied
    step_remove(step=b, actor=chain.hub_owner)
    assert not Step.objects.filter(pk=b.pk).exists()
    links = set(
        StepLink.objects.filter(successor__job=job).values_list(
            "predecessor__title", "successor__title"
        )
    )
    assert links == {("a", "c"), ("a", "e"), ("d", "c"), ("d", "e")}
    event = job.events.order_by("-seq").first()
    assert event.kind == "step.removed" and event.data["removed"] == str(b.uuid)
    assert_log_intact(job)


def test_step_remove_refuses_started_or_routed_steps(chain, routed_job):
    _job, steps, _orders = routed_job
    with refused("routed"):
        step_remove(step=steps["PLT"], actor=chain.hub_owner)
    _job2, first, _second = two_in_house(chain)
    do(chain, "start", first)
    with refused("started"):
        step_remove(step=first, actor=chain.hub_owner)


def test_job_copy_reproduces_steps_and_links(chain, routed_job):
    job, steps, _orders = routed_job
    extra = add(job, chain, "D", 1.5, title="穴")
    step_link(predecessor=extra, successor=steps["ASM"], actor=chain.hub_owner)
    copy = job_copy(job=job, actor=chain.hub_owner, due_date=in_days(60), quantity=50)
    assert copy.pk != job.pk and refreshed(copy).copied_from == job
    assert copy.quantity == 50 and copy.due_date == in_days(60)
    assert copy.customer_name == job.customer_name and copy.part_name == job.part_name

    def shape(j):
        rows = list(
            Step.objects.filter(job=j)
            .order_by("position", "pk")
            .values_list("process__code", "title", "position", "planned_hours")
        )
        edges = set(
            StepLink.objects.filter(successor__job=j).values_list(
                "predecessor__process__code", "successor__process__code"
            )
        )
        return rows, edges

    assert shape(copy) == shape(job)
    copied = list(Step.objects.filter(job=copy))
    assert {s.workshop_id for s in copied} == {chain.hub.pk}  # planned afresh, in-house
    assert {s.quantity for s in copied} == {50}
    assert not Order.objects.filter(job=copy).exists()
    ready = {s.process.code for s in copied if s.status == S.READY}
    assert ready == {"L", "D"}
    assert kinds(copy)[:2] == ["job.posted", "job.copied"]
    assert job.events.filter(kind="job.copied").count() == 0
    assert_log_intact(copy)
    with refused("past"):
        job_copy(job=job, actor=chain.hub_owner, due_date=in_days(-1))
    with refused("owner or manager"):
        job_copy(job=job, actor=chain.turner_owner, due_date=in_days(9))


# --- Hand-offs ------------------------------------------------------------------------------------


def test_a_short_receipt_is_recorded_and_limits_the_next_step(chain, routed_job):
    job, steps, _orders = routed_job
    turn, grind = steps["L"], steps["G"]
    run_through(chain, turn, good=98, scrap=2)
    assert refreshed(grind).status == S.PLANNED  # the parts are still at the turner
    with refused("at least one"):
        handoff_ship(step=turn, actor=chain.turner_floor, quantity=0)
    with refused("at least one"):
        handoff_ship(step=turn, actor=chain.turner_floor, quantity=-4)
    with refused("98"):
        handoff_ship(step=turn, actor=chain.turner_floor, quantity=99)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=98, note="箱2")
    assert (handoff.to_step, handoff.from_workshop, handoff.to_workshop) == (
        grind,
        chain.turner,
        chain.grinder,
    )
    shipped = job.events.order_by("-seq").first()
    assert shipped.kind == "handoff.shipped" and shipped.data["quantity"] == 98
    assert refreshed(grind).status == S.PLANNED  # shipped is not arrived
    with refused("0"):
        handoff_ship(step=turn, actor=chain.turner_floor, quantity=1)

    with refused("more than was shipped", "98"):
        handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=99)
    with refused("negative"):
        handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=-1)
    received = handoff_receive(
        handoff=handoff, actor=chain.grinder_floor, quantity=95, note="3個不足"
    )
    assert received.status == HandOffStatus.RECEIVED
    assert refreshed(received).shortfall == 3 and received.quantity_received == 95
    event = job.events.get(kind="handoff.received")
    assert event.data == {"quantity": 95, "shortfall": 3, "part": str(turn.part.uuid)}
    assert event.handoff == handoff
    assert "3個不足" in refreshed(received).note
    with refused("already received"):
        handoff_receive(handoff=handoff, actor=chain.grinder_floor, quantity=95)

    grind = refreshed(grind)
    assert grind.status == S.READY
    do(chain, "start", grind)
    with refused("exceed", "95"):
        step_done(step=grind, actor=chain.grinder_floor, good=96)
    with refused("exceed", "95"):
        step_done(step=grind, actor=chain.grinder_floor, good=94, scrap=2)
    step_done(step=grind, actor=chain.grinder_floor, good=93, scrap=2)


def test_shipping_needs_a_done_step_and_a_destination(chain):
    _job, first, _second = two_in_house(chain)
    with refused("once the step is done"):
        handoff_ship(step=first, actor=chain.hub_floor, quantity=1)
    run_through(chain, first)
    # The next step is at the same shop: nothing to ship.
    with refused("no shop"):
        handoff_ship(step=first, actor=chain.hub_floor, quantity=1)


def ship_and_receive(chain, step, receiver, quantity=None, to_step=None):
    step = refreshed(step)
    handoff = handoff_ship(
        step=step, actor=do_actor(chain, step), quantity=quantity or step.good_qty, to_step=to_step
    )
    return handoff_receive(handoff=handoff, actor=receiver, quantity=quantity or step.good_qty)


def do_actor(chain, step):
    return {
        chain.hub.pk: chain.hub_floor,
        chain.turner.pk: chain.turner_floor,
        chain.grinder.pk: chain.grinder_floor,
    }.get(step.workshop_id)


def test_orders_are_delivered_when_their_parts_have_left_them(chain, routed_job):
    job, steps, orders = routed_job
    turn, grind, plate, assemble, inspect = (steps[c] for c in ("L", "G", "PLT", "ASM", "INS"))
    top, sub, plating = orders["top"], orders["sub"], orders["plating"]

    def status(order):
        return refreshed(order).status

    run_through(chain, turn)
    ship_and_receive(chain, turn, chain.grinder_floor)
    # Turning went to the grinder, still inside the turner's order: nothing delivered yet.
    assert (status(top), status(sub)) == (OrderStatus.ACCEPTED, OrderStatus.ACCEPTED)
    run_through(chain, grind)
    handoff = handoff_ship(step=grind, actor=chain.grinder_floor, quantity=100)
    assert handoff.to_step == plate and handoff.to_workshop == chain.plater
    handoff_receive(handoff=handoff, actor=chain.plater_owner, quantity=100)
    assert (status(top), status(sub), status(plating)) == (
        OrderStatus.DELIVERED,
        OrderStatus.DELIVERED,
        OrderStatus.ACCEPTED,
    )
    assert refreshed(top).delivered_at is not None
    delivered = job.events.filter(kind="order.delivered")
    assert set(delivered.values_list("order_id", flat=True)) == {top.pk, sub.pk}
    step_start(step=plate, actor=chain.plater_owner)
    step_done(step=plate, actor=chain.plater_owner, good=100)
    ship_handoff = handoff_ship(step=plate, actor=chain.plater_owner, quantity=100)
    assert ship_handoff.to_step == assemble and ship_handoff.to_workshop == chain.hub
    assert status(plating) == OrderStatus.ACCEPTED
    handoff_receive(handoff=ship_handoff, actor=chain.hub_floor, quantity=100)
    assert status(plating) == OrderStatus.DELIVERED
    run_through(chain, assemble)
    run_through(chain, inspect)
    assert refreshed(job).status == JobStatus.DONE
    assert_log_intact(job)


def test_the_last_step_of_an_order_ships_back_to_its_buyer(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    run_through(chain, turn)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=100)
    assert handoff.to_step is None and handoff.to_workshop == chain.hub
    assert refreshed(order).status == OrderStatus.ACCEPTED
    handoff_receive(handoff=handoff, actor=chain.hub_floor, quantity=100)
    assert refreshed(order).status == OrderStatus.DELIVERED


# --- Idempotency ------------------------------------------------------------------------------


def test_a_repeated_idempotency_key_applies_once(chain):
    job, first, _second = two_in_house(chain)
    one = step_start(step=first, actor=chain.hub_floor, idempotency_key="tap-1")
    seq = last_seq(job)
    two = step_start(step=first, actor=chain.hub_floor, idempotency_key="tap-1")
    assert one.pk == two.pk and getattr(two, "_replayed", False)
    assert last_seq(job) == seq
    with refused("another request"):
        step_hold(step=first, actor=chain.hub_floor, reason="other", idempotency_key="tap-1")


# --- Events on the wire ---------------------------------------------------------------------------


def every_kind_scenario(chain) -> list[Job]:
    """Drive jobs through everything that can happen to them."""
    job = post_job(chain)
    turn = add(job, chain, "L", 6)
    grind = add(job, chain, "G", 3, after=[turn])
    plate = add(job, chain, "PLT", 2, after=[grind])
    assemble = add(job, chain, "ASM", 2, after=[plate])
    inspect = add(job, chain, "INS", 1, after=[assemble])
    spare = add(job, chain, "D", 1, title="予備")
    scratch = add(job, chain, "M", 1, title="消す")
    job_update(
        job=job,
        actor=chain.hub_owner,
        data={"notes": "急ぎ", "priority": 1, "due_date": in_days(25)},
    )
    step_update(
        step=spare, actor=chain.hub_owner, data={"planned_hours": Decimal("1.5"), "title": "予備穴"}
    )
    step_link(predecessor=turn, successor=scratch, actor=chain.hub_owner)
    step_unlink(predecessor=turn, successor=scratch, actor=chain.hub_owner)
    step_remove(step=scratch, actor=chain.hub_owner)

    declined = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.stranger, steps=[turn], terms=terms()
    )
    # A counter-offer the hub declines, before the stranger declines the request itself.
    countered = order_counter(
        order=declined, actor=chain.stranger_owner, price=130000, due_date=in_days(12)
    )
    order_counter_decline(counter=countered, actor=chain.hub_owner)
    order_decline(order=declined, actor=chain.stranger_owner, reason="多忙")
    withdrawn = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_withdraw(order=withdrawn, actor=chain.hub_owner)
    top = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, grind], terms=terms()
    )
    # Placed through a counter-offer on the delivery date, which the hub accepts.
    later = order_counter(
        order=top, actor=chain.turner_owner, price=top.price, due_date=in_days(11)
    )
    order_counter_accept(counter=later, actor=chain.hub_owner)
    sub = order_request(
        job=job,
        actor=chain.turner_owner,
        supplier=chain.grinder,
        steps=[grind],
        parent=top,
        terms=terms(price=30000),
    )
    order_accept(order=sub, actor=chain.grinder_owner)
    plating = order_request(
        job=job,
        actor=chain.hub_owner,
        supplier=chain.plater,
        steps=[plate],
        terms=terms(price=15000),
    )
    order_accept(order=plating, actor=chain.plater_owner)
    order_change_terms(
        order=plating,
        actor=chain.hub_owner,
        terms={"price": Decimal(16000), "due_date": in_days(12)},
        reason="単価改定",
    )

    do(chain, "hold", turn, reason="material")
    do(chain, "resume", turn)
    do(chain, "start", turn)
    step_undo(step=turn, actor=chain.turner_floor)  # a tap taken back at once
    run_through(chain, turn, good=99, scrap=1)
    ship_and_receive(chain, turn, chain.grinder_floor, quantity=99)
    run_through(chain, grind, good=99)
    ship_and_receive(chain, grind, chain.plater_owner, quantity=99)
    step_start(step=plate, actor=chain.plater_owner)
    step_done(step=plate, actor=chain.plater_owner, good=99)
    handoff = handoff_ship(step=plate, actor=chain.plater_owner, quantity=99)
    handoff_receive(handoff=handoff, actor=chain.hub_floor, quantity=99)
    do(chain, "cancel", spare)
    run_through(chain, assemble, good=99)
    run_through(chain, inspect, good=99)
    # The plating order is delivered (every part it made reached the hub and was accepted): the
    # hub rates it, the plater answers.
    rating = rating_create(
        order=plating, actor=chain.hub_owner, quality=5, delivery=4, cost=3, comment="丁寧"
    )
    rating_reply(rating=rating, actor=chain.plater_owner, reply="ありがとうございます")
    # Drawings: added for the turning step, revised, unlinked, shared with the turner's order.
    from tests.drawings.scenario import drawing_events

    drawing_events(chain, job, top, turn)
    copy = job_copy(job=job, actor=chain.hub_owner, due_date=in_days(40))
    from tests.orders.test_parts import parts_scenario
    from tests.orders.test_payment_on_receipt import payment_scenario

    return [
        job,
        copy,
        open_board_scenario(chain),
        *job_end_scenario(chain),
        *parts_scenario(chain),
        payment_scenario(chain),
    ]


def job_end_scenario(chain) -> list[Job]:
    """One job cancelled with an accepted order on it, one closed with what was made."""
    cancelled = post_job(chain, part_name="ピン")
    turn = add(cancelled, chain, "L")
    order = order_request(
        job=cancelled, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    job_cancel(
        job=cancelled, actor=chain.hub_owner, reason="customer_cancelled", suppliers_agreed=True
    )
    closed, first, _second = two_in_house(chain)
    run_through(chain, first)
    job_close(job=closed, actor=chain.hub_owner, reason="rest_not_needed")
    return [cancelled, closed]


def open_board_scenario(chain) -> Job:
    """A job whose turning goes through the open board: one posting withdrawn, one awarded
    after offers, revisions and a withdrawal; its grinding posting closes unanswered."""
    import datetime as dt

    from django.utils import timezone

    from board.models import Posting
    from workshops.models import District

    ota = District.objects.get_or_create(slug="ota", defaults={"name_ja": "大田区"})[0]
    for shop in (chain.hub, chain.turner, chain.grinder, chain.stranger):
        shop.districts.add(ota)
    job = post_job(chain, part_name="フランジ")
    turn = add(job, chain, "L", 4)
    grind = add(job, chain, "G", 2, after=[turn])
    answer_by = timezone.now() + dt.timedelta(days=2)

    def posting(step):
        return board_services.posting_create(
            job=job, actor=chain.hub_owner, steps=[step], districts=[ota], answer_by=answer_by
        )

    def offer(on, shop, price):
        return board_services.offer_submit(
            posting=on,
            workshop=getattr(chain, shop),
            actor=getattr(chain, f"{shop}_owner"),
            price=price,
            promised_date=in_days(10),
            valid_until=in_days(15),
        )

    first = posting(turn)
    offer(first, "stranger", 50000)
    board_services.posting_withdraw(posting=first, actor=chain.hub_owner)
    second = posting(turn)
    offer(second, "stranger", 48000)
    offer(second, "stranger", 45000)
    board_services.offer_withdraw(offer=offer(second, "turner", 47000), actor=chain.turner_owner)
    won = offer(second, "turner", 44000)
    board_services.posting_award(posting=second, offer=won, actor=chain.hub_owner, terms=terms())
    unanswered = posting(grind)
    Posting.objects.filter(pk=unanswered.pk).update(answer_by=timezone.now())
    board_services.postings_close_expired()
    return job


def test_every_event_kind_round_trips_through_json_and_msgpack(
    chain, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[dict] = []
    monkeypatch.setattr(realtime, "_send", lambda groups, payload: sent.append(payload))
    with django_capture_on_commit_callbacks(execute=True):
        jobs = every_kind_scenario(chain)
    events = list(
        ProgressEvent.objects.filter(job__in=jobs).select_related(
            "job", "step__workshop", "order__buyer", "order__supplier", "workshop"
        )
    )
    # The board's doorbells name the posting and nothing else (no price, no bidder).
    board = [m for m in sent if m["type"] == "board.update"]
    assert board and all(set(m) == {"type", "posting"} for m in board)
    # District doorbells carry aggregates only (tested with the dashboard); the rest are events.
    sent = [m for m in sent if m["type"] not in ("board.update", "district.update")]
    produced = {e.kind for e in events}
    assert produced == set(EVENT_LABELS), set(EVENT_LABELS) - produced
    for job in jobs:
        assert_log_intact(job)

    # What went out after commit, one message per event, and what the log gives back later.
    assert len(sent) == len(events)
    for message in sent:
        # The whole layer message (the wire event and its routing keys) packs as msgpack does.
        assert json.loads(json.dumps(message)) == message
        assert msgpack.unpackb(msgpack.packb(message), raw=False) == message
        assert set(message) == {"type", "event", "route"}
    payloads = [m["event"] for m in sent] + [event_payload(e) for e in events]
    for payload in payloads:
        assert json.loads(json.dumps(payload)) == payload
        assert msgpack.unpackb(msgpack.packb(payload), raw=False) == payload
        assert payload["type"] == "job.event" and isinstance(payload["seq"], int)
    for event in events:
        data = ProgressEvent.objects.get(pk=event.pk).data
        assert json.loads(json.dumps(data)) == data
        assert msgpack.unpackb(msgpack.packb(data), raw=False) == data
    assert {m["event"]["kind"] for m in sent} == set(EVENT_LABELS)


def test_a_sub_suppliers_last_step_ships_to_where_the_parts_are_owed(chain):
    """Turning → grinding, both ordered from the turner, who passes grinding on. Grinding is the
    last step of both orders: the parts go to the hub, and the turner's order is delivered only
    when they arrive there, not when they reach the turner (who has nothing to ship on)."""
    job = post_job(chain)
    turn = add(job, chain, "L")
    grind = add(job, chain, "G", after=[turn])
    top = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn, grind], terms=terms()
    )
    order_accept(order=top, actor=chain.turner_owner)
    sub = order_request(
        job=job,
        actor=chain.turner_owner,
        supplier=chain.grinder,
        steps=[grind],
        parent=top,
        terms=terms(price=30000),
    )
    order_accept(order=sub, actor=chain.grinder_owner)
    run_through(chain, turn)
    ship_and_receive(chain, turn, chain.grinder_floor)
    run_through(chain, grind)
    handoff = handoff_ship(step=grind, actor=chain.grinder_floor, quantity=100)
    assert (handoff.to_step, handoff.to_workshop) == (None, chain.hub)
    assert (refreshed(top).status, refreshed(sub).status) == (
        OrderStatus.ACCEPTED,
        OrderStatus.ACCEPTED,
    )
    handoff_receive(handoff=handoff, actor=chain.hub_floor, quantity=100)
    assert (refreshed(top).status, refreshed(sub).status) == (
        OrderStatus.DELIVERED,
        OrderStatus.DELIVERED,
    )


def test_a_started_step_cannot_be_unlinked_from_what_fed_it(chain):
    _job, first, second = two_in_house(chain)
    run_through(chain, first, good=60, scrap=40)
    do(chain, "start", second)
    with refused("started"):
        step_unlink(predecessor=first, successor=second, actor=chain.hub_owner)
    # Otherwise the step could report more parts than its predecessor passed on.
    with refused("exceed", "60"):
        step_done(step=second, actor=chain.hub_floor, good=100)


# --- declining with a reason from the list -------------------------------------------------------


def _asked(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    return job, order


def test_it_stores_the_decline_code_and_note_not_their_words(chain):
    job, order = _asked(chain)
    with translation.override("ja"):
        order_decline(
            order=order, actor=chain.turner_owner, code="fully_booked", reason="来月なら可"
        )
    order.refresh_from_db()
    assert (order.status, order.decline_code, order.decline_reason) == (
        OrderStatus.DECLINED,
        "fully_booked",
        "来月なら可",
    )
    event = job.events.get(kind="order.declined")
    assert (event.data["code"], event.data["reason"]) == ("fully_booked", "来月なら可")
    json.dumps(event.data)


def test_a_code_alone_is_enough_and_a_note_alone_still_works(chain):
    _job, order = _asked(chain)
    order_decline(order=order, actor=chain.turner_owner, code="price")
    assert refreshed(order).decline_code == "price"
    _job, other = _asked(chain)
    order_decline(order=other, actor=chain.turner_owner, reason="設備点検中")
    assert (refreshed(other).decline_code, refreshed(other).decline_reason) == ("", "設備点検中")


@pytest.mark.parametrize(
    ("code", "reason", "words"),
    [
        ("", "", ["why"]),
        ("other", "", ["few words"]),
        ("nonsense", "x", ["list"]),
        ("price", "あ" * 301, ["300"]),
    ],
)
def test_it_refuses_a_decline_without_a_usable_reason(chain, code, reason, words):
    _job, order = _asked(chain)
    with translation.override("en"), refused(*words):
        order_decline(order=order, actor=chain.turner_owner, code=code, reason=reason)


def test_a_refused_request_names_every_problem_and_answers_the_first_ones_code(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    with pytest.raises(Refused) as own:
        order_request(
            job=job, actor=chain.hub_owner, supplier=chain.hub, steps=[turn], terms=terms()
        )
    assert own.value.code == "own_workshop"
    assert set(own.value.message_dict) == {"supplier"}
    order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    before = ProgressEvent.objects.count()

    # Routed already, to a shop that cannot turn, on terms that pay too late: all at once.
    with pytest.raises(Refused) as again:
        order_request(
            job=job,
            actor=chain.hub_owner,
            supplier=chain.plater,
            steps=[turn],
            terms=terms(payment_due_date=in_days(120)),
        )

    assert again.value.code == "already_routed"
    assert {"steps", "supplier"} <= set(again.value.message_dict)
    assert len(again.value.message_dict) >= 3
    assert ProgressEvent.objects.count() == before
