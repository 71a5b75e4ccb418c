"""The hub cancels or closes a job (`job_cancel`, `job_close`): who may, from
which states, what happens to the orders and the unfinished steps, and what the log says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from board import services as board_services
from orders.models import (
    END_REASONS,
    Job,
    JobStatus,
    Order,
    OrderStatus,
    ProgressEvent,
    Step,
    StepStatus,
)
from orders.services.handoffs import handoff_receive, handoff_ship
from orders.services.jobs import job_cancel, job_close
from orders.services.progress import step_done, step_start
from orders.services.routing import order_accept, order_request
from tests.orders.conftest import add, post_job, refreshed, terms
from tests.orders.test_services import (
    assert_log_intact,
    kinds,
    refused,
    run_through,
    two_in_house,
)
from workshops.models import District

S = StepStatus


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def statuses(job: Job) -> dict[str, str]:
    return dict(Step.objects.filter(job=job).values_list("title", "status"))


def test_the_hub_cancels_an_in_house_job_and_its_work_in_progress(chain):
    job, first, _second = two_in_house(chain)
    step_start(step=first, actor=chain.hub_floor)
    before = refreshed(job).last_seq

    ended = job_cancel(
        job=job, actor=chain.hub_owner, reason="customer_cancelled", note="先方の設計変更で中止"
    )

    job = refreshed(job)
    assert ended.pk == job.pk
    assert (job.status, job.end_reason, job.end_note) == (
        JobStatus.CANCELLED,
        "customer_cancelled",
        "先方の設計変更で中止",
    )
    assert statuses(job) == {"first": S.CANCELLED, "second": S.CANCELLED}
    assert kinds(job, after=before) == ["step.cancelled", "step.cancelled", "job.cancelled"]
    event = job.events.get(kind="job.cancelled")
    assert (event.actor, event.workshop, event.created_at is not None) == (
        chain.hub_owner,
        chain.hub,
        True,
    )
    # The code is logged, never the hub's own note.
    assert event.data == {
        "reason": "customer_cancelled",
        "suppliers": [],
        "orders_withdrawn": 0,
        "orders_cancelled": 0,
        "steps_cancelled": 2,
    }
    assert job.events.filter(kind="step.cancelled").first().data == {"ended": "cancelled"}
    assert_log_intact(job)


def test_cancelling_withdraws_requests_and_names_their_suppliers(chain):
    job = post_job(chain)
    turn = add(job, chain, "L", title="turn")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )

    job_cancel(job=job, actor=chain.hub_owner, reason="design_changed")

    order = refreshed(order)
    assert (order.status, order.decided_by) == (OrderStatus.WITHDRAWN, chain.hub_owner)
    assert kinds(job)[-3:] == ["order.withdrawn", "step.cancelled", "job.cancelled"]
    event = job.events.get(kind="job.cancelled")
    assert event.data["suppliers"] == [str(chain.turner.uuid)]
    assert event.data["orders_withdrawn"] == 1


def test_accepted_orders_are_contracts_the_hub_cannot_cancel_alone(chain, routed_job):
    job, _steps, orders = routed_job

    with refused("田中旋盤", "糀谷鍍金", "松本研削", "contract") as info:
        job_cancel(job=job, actor=chain.hub_owner, reason="customer_cancelled")
    assert "suppliers_agreed" in info.value.error_dict

    job_cancel(job=job, actor=chain.hub_owner, reason="customer_cancelled", suppliers_agreed=True)

    assert {o.status for o in Order.objects.filter(job=job)} == {OrderStatus.CANCELLED}
    assert set(statuses(job).values()) == {S.CANCELLED}
    assert kinds(job).count("order.cancelled") == 3
    event = job.events.get(kind="job.cancelled")
    assert set(event.data["suppliers"]) == {
        str(chain.turner.uuid),
        str(chain.grinder.uuid),
        str(chain.plater.uuid),
    }
    cancelled = job.events.filter(kind="order.cancelled", order=orders["sub"]).get()
    # A sub-order is recorded for its own buyer (the turner), who passed the work on.
    assert cancelled.workshop == chain.turner
    assert cancelled.data == {"ended": "cancelled", "reason": "customer_cancelled"}
    assert_log_intact(job)


def test_delivered_orders_and_finished_steps_stay_as_they_were(chain):
    job = post_job(chain, quantity=10)
    turn = add(job, chain, "L", title="turn")
    add(job, chain, "ASM", after=[turn], title="assemble")
    order = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.turner, steps=[turn], terms=terms()
    )
    order_accept(order=order, actor=chain.turner_owner)
    step_start(step=turn, actor=chain.turner_floor)
    step_done(step=turn, actor=chain.turner_floor, good=10)
    handoff = handoff_ship(step=turn, actor=chain.turner_floor, quantity=10)
    handoff_receive(handoff=handoff, actor=chain.hub_floor, quantity=10)
    assert refreshed(order).status == OrderStatus.DELIVERED

    job_close(job=job, actor=chain.hub_owner, reason="delivered_as_made")

    job = refreshed(job)
    assert job.status == JobStatus.CLOSED
    assert statuses(job) == {"turn": S.DONE, "assemble": S.CANCELLED}
    assert refreshed(order).status == OrderStatus.DELIVERED
    # Closing is not completing: the district's completed-job figures do not count it.
    assert not job.events.filter(kind="job.completed").exists()
    assert job.events.get(kind="job.closed").data["suppliers"] == [str(chain.turner.uuid)]


@pytest.mark.parametrize("who", ["hub_floor", "turner_owner", "stranger_owner", "staff"])
def test_only_the_hubs_owners_and_managers_end_a_job(chain, routed_job, who):
    job, _steps, _orders = routed_job
    with refused():
        job_cancel(
            job=job,
            actor=getattr(chain, who),
            reason="customer_cancelled",
            suppliers_agreed=True,
        )


def test_it_refuses_a_reason_of_the_other_action_or_none_and_a_long_note_all_at_once(chain):
    job, _first, _second = two_in_house(chain)
    with refused("Choose a reason", "300 characters") as info:
        job_cancel(job=job, actor=chain.hub_owner, reason="delivered_as_made", note="x" * 301)
    assert set(info.value.error_dict) == {"reason", "note"}
    with refused("Choose a reason"):
        job_close(job=job, actor=chain.hub_owner, reason="")


def test_closing_needs_something_made(chain):
    job, first, _second = two_in_house(chain)
    with refused("cancel it instead"):
        job_close(job=job, actor=chain.hub_owner, reason="rest_not_needed")
    run_through(chain, first)

    job_close(job=job, actor=chain.hub_owner, reason="rest_not_needed")

    assert statuses(job) == {"first": S.DONE, "second": S.CANCELLED}


def test_an_ended_job_cannot_be_ended_again_or_changed(chain):
    job, first, _second = two_in_house(chain)
    job_cancel(job=job, actor=chain.hub_owner, reason="posted_by_mistake")
    with refused("already cancelled"):
        job_cancel(job=job, actor=chain.hub_owner, reason="posted_by_mistake")
    with refused("already cancelled"):
        job_close(job=job, actor=chain.hub_owner, reason="other")
    with refused("finished job"):
        add(job, chain, "G")
    with refused("cannot be started"):
        step_start(step=first, actor=chain.hub_floor)


def test_a_done_job_cannot_be_cancelled(chain):
    job, first, second = two_in_house(chain)
    run_through(chain, first)
    run_through(chain, second)
    with refused("already done"):
        job_cancel(job=job, actor=chain.hub_owner, reason="other")


def test_a_step_on_the_open_board_must_be_withdrawn_first(chain):
    job = post_job(chain)
    turn = add(job, chain, "L")
    district = District.objects.get_or_create(slug="ota", defaults={"name_ja": "大田区"})[0]
    chain.turner.districts.add(district)
    chain.hub.districts.add(district)
    posting = board_services.posting_create(
        job=job,
        actor=chain.hub_owner,
        steps=[turn],
        districts=[district],
        answer_by=timezone.now() + dt.timedelta(days=2),
    )
    with refused("open board"):
        job_cancel(job=job, actor=chain.hub_owner, reason="customer_cancelled")

    board_services.posting_withdraw(posting=posting, actor=chain.hub_owner)
    job_cancel(job=job, actor=chain.hub_owner, reason="customer_cancelled")

    assert refreshed(job).status == JobStatus.CANCELLED


def test_a_retried_cancel_applies_once(chain):
    job, _first, _second = two_in_house(chain)
    first = job_cancel(
        job=job, actor=chain.hub_owner, idempotency_key="k1", reason="customer_cancelled"
    )
    again = job_cancel(
        job=job, actor=chain.hub_owner, idempotency_key="k1", reason="customer_cancelled"
    )
    assert first.pk == again.pk and getattr(again, "_replayed", False)
    assert ProgressEvent.objects.filter(job=job, kind="job.cancelled").count() == 1


def test_every_reason_code_fits_its_field_and_has_words():
    for reasons in END_REASONS.values():
        for code, label in reasons:
            assert len(code) <= Job._meta.get_field("end_reason").max_length
            assert str(label)
