"""The queries of a floor tap through the API, counted and pinned (hold, resume, done), so a
change that adds one is seen. What each is, in order, for a hold:

 1    the token and its user
 2–8  the job's access for the user: the job, the user's memberships, the job's orders, their
      steps, the job's steps, then the step itself
 9–13 savepoints, the idempotency key claimed, the service's savepoint
 14–18 the service: the step's job, the job locked, the step locked, the performer's membership,
      the step written
 19–20 the event: the job's seq, the event row
 21–22 where the event goes: the performing shop, the orders' buyers and suppliers
 23–30 readiness, the job's status and the schedule: the job's steps, the orders' steps, the
      links, the hand-offs, the statuses, then the schedule's steps, links, order dates (a held
      step keeps its projection: nothing to write)
 31–33 savepoints released and the idempotency key's result
 34–35 the answer: the step and its links

The clock stands still during the test: the schedule projects from "now", and during working
hours a later "now" moves every projection, which would add a write or two by time of day.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from orders.services.progress import step_hold, step_start

pytestmark = pytest.mark.django_db

QUERIES = {"hold": 35, "resume": 35, "done": 41}


@pytest.mark.parametrize("action", ["hold", "resume", "done"])
def test_a_floor_tap_through_the_api_costs_a_pinned_number_of_queries(
    chain, routed_job, action, monkeypatch
):
    instant = timezone.now()
    monkeypatch.setattr("orders.schedule.timezone.now", lambda: instant)
    _job, steps, _ = routed_job
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
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/steps/{turn.uuid}/{action}/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"tap-{action}",
        )
    assert response.status_code == 200, response.content
    assert len(queries) == QUERIES[action], "\n".join(q["sql"][:120] for q in queries)
    # No query opens a connection of its own: one per request, from the pool on PostgreSQL.
    assert connection.connection is not None
