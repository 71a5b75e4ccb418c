"""The queries of a floor tap through the API, counted and pinned (hold, resume, done) on a job
of 5 steps and on one of 25, so that a change adding a query, or one per step, is seen. The clock
stands still during each test, so that the schedule moves only as far as the tap moves it.

On SQLite every statement is a query of its own. A hold by the turner's floor staff of the step
in progress, in order:

 1      the token and its user
 2–3    who may tap the step: the step with its job, the user's shops (what the answer shows
        beyond the step's row, its visible predecessors and orders, is narrowed after the
        service from the graph and orders it read: `access.step_access_after`, no query)
 4–5    savepoint, the idempotency key claimed (in production: the transaction begins, and the
        key is one `INSERT … ON CONFLICT DO NOTHING`, no savepoint of its own)
 6      the job locked, with its owner
 7–8    the step graph: the job's steps with their shops and processes, the links
        (the performer's membership is the one the access just read: no query)
 9      where the events go, and what the recompute and the answer need of the orders: the
        job's orders with their parties (`joborders.JobOrders`)
 10     the step written
 11     the event row (the job's seq is written once, at the end)
 12     the notifications' fan-out queued, in the same transaction (one task row)
 13     the job's seq (the hold moves no projection: alone; else with the job's projection)
 14–15  the key's result, released (in production: the commit)

A resume is the same. A done has four more: the two rollup rows, the event of the next step
made ready (which also updates the task row) and the steps' projection (the job's own update
carries the seq).

On PostgreSQL the same statements travel in fewer round trips (core/together.py): 2 and 3 go
as one query, and so do 6 to 9; the writes (10, 11, 13 and a done's others) are held and go
with the service's next statement: a done's read of the hand-offs into the next step (at
another shop), and at the end of the service the task row (12).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from orders.access import JobAccess, step_access, step_access_from
from orders.dag import StepGraph
from orders.joborders import JobOrders
from orders.models import Step
from orders.services.progress import step_done, step_hold, step_start
from orders.services.routing import order_decline, order_request
from workshops.selectors import user_roles

from .conftest import add, terms

pytestmark = pytest.mark.django_db

# Round trips: every statement alone (SQLite), or sent together (PostgreSQL).
QUERIES = {
    "sqlite": {"hold": 15, "resume": 15, "done": 19},
    "postgresql": {"hold": 8, "resume": 8, "done": 9},
}

# A Wednesday, 10:00 in Tokyo: inside every shop's working hours.
STILL = dt.datetime(2027, 1, 13, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: STILL)


@pytest.mark.parametrize("extra_steps", [0, 20])
@pytest.mark.parametrize("action", ["hold", "resume", "done"])
def test_a_floor_tap_through_the_api_costs_a_pinned_number_of_queries(
    chain, routed_job, action, extra_steps
):
    job, steps, _ = routed_job
    last = steps["INS"]
    for _n in range(extra_steps):
        last = add(job, chain, "INS", 1, after=[last])
    assert Step.objects.filter(job=job).count() == 5 + extra_steps
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    if action == "resume":
        step_hold(step=turn, actor=chain.turner_floor, reason="material")
    token = Token.objects.create(user=chain.turner_floor).key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    body = {
        "hold": {"reason": "material", "note": "SUS304 入荷待ち"},
        "resume": {},
        "done": {"good": 90, "scrap": 0},
    }[action]
    # A request's transaction is a fresh one: the fixtures' events are not queued with it.
    connection._notification_events = None
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/steps/{turn.uuid}/{action}/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"tap-{action}",
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == {"hold": "on_hold", "resume": "in_progress"}.get(
        action, "done"
    )
    assert len(queries) == QUERIES[connection.vendor][action], "\n".join(
        q["sql"][:120] for q in queries
    )
    # No query opens a connection of its own: one per request, from the pool on PostgreSQL.
    assert connection.connection is not None


def test_the_answer_is_the_step_as_the_write_left_it(chain, routed_job):
    """The tap's answer is built from the step the service wrote, schedule included: it says
    what a fresh read says."""
    _job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=chain.turner_floor)}")
    tapped = client.post(
        f"/api/v1/steps/{turn.uuid}/hold/", {"reason": "material"}, content_type="application/json"
    ).json()
    read = client.get(f"/api/v1/jobs/{turn.job.uuid}/steps/").json()
    assert tapped == next(s for s in read if s["id"] == str(turn.uuid))


def test_a_supplier_manager_tap_answers_the_orders_it_may_see(chain, routed_job):
    """A manager of the performing shop sees the orders covering the step (the turner is the
    top order's supplier and the sub-order's buyer): the access around the step agrees with the
    job's whole access."""
    _job, steps, orders = routed_job
    grind = steps["G"]
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_owner)
    step_done(step=turn, actor=chain.turner_owner, good=100)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=chain.grinder_owner)}")
    # The grinder waits for the turner's parts; a hold is allowed from planned or ready.
    tapped = client.post(
        f"/api/v1/steps/{grind.uuid}/hold/", {"reason": "material"}, content_type="application/json"
    ).json()
    read = client.get(f"/api/v1/jobs/{grind.job.uuid}/steps/").json()
    fresh = next(s for s in read if s["id"] == str(grind.uuid))
    assert tapped == fresh
    assert tapped["orders"] == [str(orders["sub"].uuid)]
    assert tapped["predecessors"] == fresh["predecessors"]


def test_an_outsider_gets_a_404_and_a_non_performer_a_refusal(chain, routed_job):
    _job, steps, _ = routed_job
    turn = steps["L"]
    step_start(step=turn, actor=chain.turner_floor)
    stranger = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=chain.stranger_owner)}")
    assert stranger.post(f"/api/v1/steps/{turn.uuid}/resume/").status_code == 404
    hub = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=chain.hub_owner)}")
    response = hub.post(
        f"/api/v1/steps/{turn.uuid}/hold/", {"reason": "material"}, content_type="application/json"
    )
    assert response.status_code == 400
    turn.refresh_from_db()
    assert turn.status == "in_progress"


def test_the_access_around_a_step_from_the_services_reads_agrees_with_the_one_read_for_it(
    chain, routed_job
):
    """The answer to a tap is narrowed from the step graph and the orders the service read
    (`step_access_from`, no query): for every user and every step it agrees with the access
    read for that step (`step_access`), a declined order (still shown to its parties, its
    steps no longer) included."""
    job, steps, _ = routed_job
    # A last turning step, asked of the stranger (who turns too), who says no.
    extra = add(job, chain, "L", 1, after=[steps["INS"]])
    declined = order_request(
        job=job, actor=chain.hub_owner, supplier=chain.stranger, steps=[extra], terms=terms()
    )
    order_decline(order=declined, actor=chain.stranger_owner, reason="busy")
    graph = StepGraph.load(job)
    orders = JobOrders(job)
    users = [
        chain.hub_owner,
        chain.hub_floor,
        chain.turner_owner,
        chain.turner_floor,
        chain.grinder_owner,
        chain.grinder_floor,
        chain.plater_owner,
        chain.stranger_owner,
    ]
    compared = 0
    for user in users:
        managed, floor = user_roles(user)
        who = JobAccess(
            job=job,
            user=user,
            managed=managed,
            floor=floor,
            is_hub_manager=job.owner_id in managed,
        )
        for step in graph.steps.values():
            read = step_access(who, step)
            with CaptureQueriesContext(connection) as queries:
                kept = step_access_from(who, step, graph, orders)
            assert len(queries) == 0
            assert kept.around == read.around, (user.username, step.process.code)
            assert kept.step_ids == read.step_ids
            assert [o.pk for o in kept.orders] == [o.pk for o in read.orders]
            compared += 1
    assert compared == len(users) * 6
    # The declined order is the stranger's and the hub's to see, on the step it named.
    hub = step_access_from(
        JobAccess(job=job, user=None, managed={chain.hub.pk}, floor=set(), is_hub_manager=True),
        graph.step(extra.pk),
        graph,
        orders,
    )
    assert str(declined.uuid) in hub.around.orders
