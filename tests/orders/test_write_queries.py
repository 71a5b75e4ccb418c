"""The queries of a floor tap through the API, counted and pinned (hold, resume, done) on a job
of 5 steps and on one of 25, so that a change adding a query, or one per step, is seen. The clock
stands still during each test, so that the schedule moves only as far as the tap moves it.

A hold by the turner's floor staff of the step in progress, in order:

 1      the token and its user
 2–4    the access for that step: the step with its job, the user's shops, the steps it waits
        for (floor staff see no orders: no query for them); what the answer shows beyond the
        step's row (its visible predecessors and orders) comes from these reads
 5–6    savepoint, the idempotency key claimed (in production: the transaction begins, and the
        key is one `INSERT … ON CONFLICT DO NOTHING`, no savepoint of its own)
 7      the job locked, with its owner
 8–9    the step graph: the job's steps with their shops and processes, the links
        (the performer's membership is the one the access just read: no query)
 10     the step written
 11–12  the event: the job's seq, the event row
 13     where the event goes: the shops party to the step's orders
 14     the notifications' fan-out queued, in the same transaction (one task row; no
        transaction of its own after the commit)
 15     the recompute: the orders' requests and dates (readiness, status and schedule come from
        the graph already read; the hold moves no projection, so nothing more is written)
 16–17  the key's result, released (in production: the commit)

A resume is the same. A done has five more: the two rollup rows (after the fan-out is queued),
the hand-offs into the next step, which is at another shop (after the orders), and the
projection the done moved: the steps' one bulk update, the job's own.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from orders.models import Step
from orders.services.progress import step_done, step_hold, step_start

from .conftest import add

pytestmark = pytest.mark.django_db

QUERIES = {"hold": 17, "resume": 17, "done": 22}

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
    assert len(queries) == QUERIES[action], "\n".join(q["sql"][:120] for q in queries)
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
